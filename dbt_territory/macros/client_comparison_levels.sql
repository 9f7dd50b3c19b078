{#- The comparison vector of two client records (aliases of int_clients_profiled rows): one
    level per attribute, higher = closer, null = unknown (no evidence either way). Candidate
    pairs (int_client_pair_comparisons) and random pairs (int_client_u_probabilities) take
    their levels from here, so both count the same thing. The cut-offs only define the levels;
    what each level is worth is estimated from the data (int_client_match_model). -#}
{% macro client_comparison_levels(left, right) -%}
    {#- Name, from the strongest: the same normalised name; the same distinctive words (the
        generic ones, "family", "office", "capital", left out; word order aside); every
        distinctive word paired (macro words_pair), some by a typo or an initial; one side's
        words all paired within the other's (a given name dropped); some paired but each side
        has a word the other lacks ("john smith" / "mary smith", "baker warren" / "baker
        morgan"), or initials that fit no word of the other ("charles j merriweather" /
        "charles a merriweather"); none paired but the spelling close; nothing in common.
        Up to three distinctive words per side, the rarest. -#}
    {%- set word_pairs = {} -%}
    {%- for i in range(1, 4) -%}
        {%- for j in range(1, 4) -%}
            {%- do word_pairs.update({i ~ '_' ~ j: words_pair(
                left ~ '.distinctive_token_' ~ i, right ~ '.distinctive_token_' ~ j)}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set a_paired, b_paired = [], [] -%}
    {%- for i in range(1, 4) -%}
        {%- do a_paired.append('case when ' ~ [word_pairs[i ~ '_1'], word_pairs[i ~ '_2'],
            word_pairs[i ~ '_3']] | join(' or ') ~ ' then 1 else 0 end') -%}
        {%- do b_paired.append('case when ' ~ [word_pairs['1_' ~ i], word_pairs['2_' ~ i],
            word_pairs['3_' ~ i]] | join(' or ') ~ ' then 1 else 0 end') -%}
    {%- endfor -%}
    {%- set a_paired = '(' ~ a_paired | join(' + ') ~ ')' -%}
    {%- set b_paired = '(' ~ b_paired | join(' + ') ~ ')' -%}
    {%- set a_words = left ~ '.distinctive_token_count' -%}
    {%- set b_words = right ~ '.distinctive_token_count' -%}
    {%- set all_paired = a_paired ~ ' = ' ~ a_words ~ ' and ' ~ b_paired ~ ' = ' ~ b_words -%}
    {#- The whole name, generic words too, a typo apart or the same words in another order:
        two companies whose distinctive words look alike mostly differ in the rest ("tiolus
        capital" / "liolus insurance", "preaceon investments" / "preaceon foundation"). -#}
    {%- set whole_name_close -%}
        case
            when {{ left }}.name_sorted = {{ right }}.name_sorted then true
            -- Lengths first: the edit distance is the costly part.
            when abs(length({{ left }}.name_normalized) - length({{ right }}.name_normalized)) > 2 then false
            else {{ edit_distance(left ~ '.name_normalized', right ~ '.name_normalized') }} <= 2
        end
    {%- endset -%}
    case
        when {{ left }}.name_normalized = {{ right }}.name_normalized then 12
        when {{ initial_unfit(left, right) }} and {{ initial_unfit(right, left) }} then 2
        when {{ left }}.name_distinctive = {{ right }}.name_distinctive
            then 10 + case when {{ whole_name_close }} then 1 else 0 end
        -- Every distinctive word paired: two or more words; one word a typo apart; one word
        -- alike. Each level one up when the whole name is close too.
        when {{ all_paired }}
            then case
                when least({{ a_words }}, {{ b_words }}) >= 2 then 8
                -- One edit apart, or two (two letters swapped) and otherwise alike.
                when abs(length({{ left }}.name_distinctive) - length({{ right }}.name_distinctive)) > 1
                    then 4
                when
                    {{ edit_distance(left ~ '.name_distinctive', right ~ '.name_distinctive') }}
                    - case
                        when {{ jaro_winkler(left ~ '.name_distinctive', right ~ '.name_distinctive') }} >= 0.95
                            then 1
                        else 0
                    end <= 1
                    then 6
                else 4
            end + case when {{ whole_name_close }} then 1 else 0 end
        when {{ a_paired }} = {{ a_words }} or {{ b_paired }} = {{ b_words }} then 3
        when {{ a_paired }} > 0 then 2
        when
            greatest(
                {{ jaro_winkler(left ~ '.name_normalized', right ~ '.name_normalized') }},
                {{ jaro_winkler(left ~ '.name_sorted', right ~ '.name_sorted') }}
            ) >= 0.88
            then 1
        else 0
    end as name_level,
    {#- City, postcode and country in one comparison: they go together (a shared postcode
        almost always means a shared city and country), and as three comparisons one piece of
        evidence counted three times (F1 0.978 -> 0.992 on the default profile at 10k). From
        the strongest: same postcode; postcode a typo apart in the same city; same city with
        a postcode unknown; same city, two known postcodes that differ (evidence against, where
        an unknown one is none); city one edit or postcode a typo apart; same country with a city
        unknown; another city; another country. Null when nothing can be compared. -#}
    {%- set same_postcode = left ~ '.postal_code = ' ~ right ~ '.postal_code' -%}
    {%- set same_city = left ~ '.city_key = ' ~ right ~ '.city_key' -%}
    {#- A postcode typo: one character changed, or two swapped (two edits, otherwise alike). -#}
    {%- set postcode_edit -%}
        ({{ edit_distance(left ~ '.postal_code', right ~ '.postal_code') }}
            - case
                when {{ jaro_winkler(left ~ '.postal_code', right ~ '.postal_code') }} >= 0.9 then 1
                else 0
            end <= 1)
    {%- endset -%}
    {%- set city_edit = edit_distance(left ~ '.city_key', right ~ '.city_key') ~ ' = 1' -%}
    case
        when {{ left }}.country <> {{ right }}.country then 0
        when {{ same_postcode }} then 7
        when {{ same_city }} and {{ postcode_edit }} then 6
        when {{ same_city }} and ({{ left }}.postal_code is null or {{ right }}.postal_code is null) then 5
        when {{ same_city }} then 4
        when {{ city_edit }} or {{ postcode_edit }} then 3
        -- Another city: evidence against; a city unknown on either side: only the country.
        when {{ left }}.city_key <> {{ right }}.city_key then 1
        when {{ left }}.country = {{ right }}.country then 2
    end as location_level,
    case
        when {{ left }}.aum_usd is null or {{ right }}.aum_usd is null then null
        -- The same amount to the unit: a record copied; related companies (a group's
        -- members, its fund series) often report AUM within 1% of each other.
        when abs({{ left }}.aum_usd - {{ right }}.aum_usd) <= 1 then 3
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

{#- What each level of each compared attribute means, from level 0 up, in a steward's words
    (macro client_comparison_levels defines them). -#}
{% macro client_comparison_labels() -%}
    {{ return({
        'name': [
            'nothing in common',
            'no word shared, spelling close',
            'each name has a word or an initial the other lacks',
            "one name's words within the other's",
            'one word alike, the rest of the name differs',
            'one word alike, the whole name a typo apart',
            'one word a typo apart, the rest of the name differs',
            'one word a typo apart, the whole name too',
            'same words (two or more) a typo apart, the rest differs',
            'same words (two or more) a typo apart, the whole name too',
            'same distinctive words, the rest differs',
            'same distinctive words, the whole name a typo apart',
            'same name',
        ],
        'location': [
            'another country',
            'another city',
            'same country, a city unknown',
            'city one edit or postcode a typo apart',
            'same city, another postcode',
            'same city, a postcode unknown',
            'same city, postcode a typo apart',
            'same postcode',
        ],
        'aum': ['AUM more than 2x apart', 'AUM within 2x', 'AUM within 1%', 'same AUM'],
        'parent': ['different parents', 'same parent'],
    }) }}
{%- endmacro %}

{#- The attributes compared and how many levels each has (0 .. count - 1), for the models
    that loop over them (EM, the weights). -#}
{% macro client_comparisons() -%}
    {%- set counts = {} -%}
    {%- for comparison, labels in client_comparison_labels().items() -%}
        {%- do counts.update({comparison: labels | length}) -%}
    {%- endfor -%}
    {{ return(counts) }}
{%- endmacro %}

{#- Each attribute's level of a scored pair (alias `pair`) in words, as `<attribute>_evidence`;
    "unknown" where either record lacks it. -#}
{% macro client_match_evidence(pair) -%}
    {%- for comparison, labels in client_comparison_labels().items() %}
    case {{ pair }}.{{ comparison }}_level
        {%- for label in labels %}
        when {{ loop.index0 }} then '{{ label | replace("'", "''") }}'
        {%- endfor %}
        else 'unknown'
    end as {{ comparison }}_evidence{% if not loop.last %},{% endif %}
    {%- endfor %}
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

{#- True when one of `side`'s (first two) initials is no first letter of `other`'s words. -#}
{% macro initial_unfit(side, other) -%}
    (
        (length(coalesce({{ side }}.name_initials, '')) >= 1
            and not contains({{ other }}.name_first_letters, substr({{ side }}.name_initials, 1, 1)))
        or (length(coalesce({{ side }}.name_initials, '')) >= 2
            and not contains({{ other }}.name_first_letters, substr({{ side }}.name_initials, 2, 1)))
    )
{%- endmacro %}

{#- Two name words that stand for the same word: equal, one the other's initial, or a typo
    apart (Jaro-Winkler >= 0.85, words of 4+ letters). -#}
{% macro words_pair(x, y) -%}
    ({{ x }} = {{ y }}
        or (length({{ x }}) = 1 and {{ x }} = substr({{ y }}, 1, 1))
        or (length({{ y }}) = 1 and {{ y }} = substr({{ x }}, 1, 1))
        or (length({{ x }}) >= 4 and length({{ y }}) >= 4 and {{ jaro_winkler(x, y) }} >= 0.85))
{%- endmacro %}
