{#- The comparison vector of two client records (aliases of int_clients_profiled rows): one
    level per attribute, higher = closer, null = unknown (no evidence either way). Candidate
    pairs (int_client_pair_comparisons) and random pairs (int_client_u_probabilities) take
    their levels from here, so both count the same thing. The cut-offs only define the levels;
    what each level is worth is estimated from the data (int_client_match_model). -#}
{% macro client_comparison_levels(left, right) -%}
    {%- set rare = var('er_rare_token_max_frequency') -%}
    {%- set name_similarity -%}
        greatest(
            {{ jaro_winkler(left ~ '.name_normalized', right ~ '.name_normalized') }},
            {{ jaro_winkler(left ~ '.name_sorted', right ~ '.name_sorted') }}
        )
    {%- endset -%}
    case
        when {{ left }}.name_normalized = {{ right }}.name_normalized then 4
        when {{ name_similarity }} >= 0.95 then 3
        when {{ name_similarity }} >= 0.88 then 2
        -- One side's rarest word, a rare one, is among the other's distinctive words.
        when
            ({{ left }}.distinctive_token_1_frequency <= {{ rare }}
                and {{ left }}.distinctive_token_1 in (
                    {{ right }}.distinctive_token_1, {{ right }}.distinctive_token_2,
                    {{ right }}.distinctive_token_3))
            or ({{ right }}.distinctive_token_1_frequency <= {{ rare }}
                and {{ right }}.distinctive_token_1 in (
                    {{ left }}.distinctive_token_1, {{ left }}.distinctive_token_2,
                    {{ left }}.distinctive_token_3))
            then 1
        else 0
    end as name_level,
    {#- City, postcode and country in one comparison: they go together (a shared postcode
        almost always means a shared city and country), and as three comparisons one piece of
        evidence counted three times (F1 0.978 -> 0.992 on the default profile at 10k). From
        the strongest: same postcode; postcode one edit apart in the same city; same city;
        city or postcode one edit apart; same country with a city unknown; another city;
        another country. Null when neither country nor city nor postcode can be compared. -#}
    {%- set same_postcode = left ~ '.postal_code = ' ~ right ~ '.postal_code' -%}
    {%- set same_city = left ~ '.city_key = ' ~ right ~ '.city_key' -%}
    {%- set postcode_edit = edit_distance(left ~ '.postal_code', right ~ '.postal_code') ~ ' = 1' -%}
    {%- set city_edit = edit_distance(left ~ '.city_key', right ~ '.city_key') ~ ' = 1' -%}
    case
        when {{ left }}.country <> {{ right }}.country then 0
        when {{ same_postcode }} then 6
        when {{ postcode_edit }} and {{ same_city }} then 5
        when {{ same_city }} then 4
        when {{ city_edit }} or {{ postcode_edit }} then 3
        -- Another city: evidence against; a city unknown on either side: only the country.
        when {{ left }}.city_key <> {{ right }}.city_key then 1
        when {{ left }}.country = {{ right }}.country then 2
    end as location_level,
    case
        when {{ left }}.aum_usd is null or {{ right }}.aum_usd is null then null
        when
            abs({{ left }}.aum_usd - {{ right }}.aum_usd)
            <= 0.01 * greatest(abs({{ left }}.aum_usd), abs({{ right }}.aum_usd))
            then 2
        when
            greatest({{ left }}.aum_usd, {{ right }}.aum_usd)
            <= 2 * least({{ left }}.aum_usd, {{ right }}.aum_usd)
            then 1
        else 0
    end as aum_level,
    case
        when {{ left }}.parent_client_id is null or {{ right }}.parent_client_id is null then null
        when {{ left }}.parent_client_id = {{ right }}.parent_client_id then 1
        else 0
    end as parent_level
{%- endmacro %}

{#- The attributes compared (macro client_comparison_levels) and how many levels each has
    (0 .. count - 1), for the models that loop over them (EM, the weights). -#}
{% macro client_comparisons() -%}
    {{ return({'name': 5, 'location': 7, 'aum': 3, 'parent': 2}) }}
{%- endmacro %}

{#- The learned scorer's waterfall columns of a scored pair (alias of an
    int_client_pairs_scored row), in reading order: where the pair starts, what each attribute
    and the exact name's term frequency add, the sum and its probability. -#}
{% macro client_match_waterfall(pair) -%}
    {{ pair }}.prior_weight,
    {%- for comparison in client_comparisons() %}
    {{ pair }}.{{ comparison }}_level,
    {{ pair }}.{{ comparison }}_weight,
    {%- endfor %}
    {{ pair }}.name_tf_weight,
    {{ pair }}.match_weight,
    {{ pair }}.match_probability
{%- endmacro %}
