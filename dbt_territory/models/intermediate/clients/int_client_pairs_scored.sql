-- Every candidate pair scored (0-1) and banded. Name evidence is half whole-name similarity
-- (Jaro-Winkler for typos, also on the word-sorted form for swaps, blended with edit
-- similarity, which charges extra words: "acme capital" vs "acme capital partners") and half
-- distinctive-word agreement (do both names carry each other's rarest non-generic words, a
-- typo'd word earning partial credit? "baker warren capital" vs "baker morgan capital" share
-- one of two). Other evidence nudges it: same country/city/postcode/AUM and a shared rare
-- word up; another country, city or postcode or an AUM 2x apart down. Vetoes: names
-- differing in a number or roman numeral (fund series), a record naming the other (or the
-- other's look-alike) as its parent, and distinctive words matching only within a typo with
-- neither postcode nor AUM agreeing are never merged by score. Manual decisions (the seed and
-- the data steward's, int_match_overrides_unioned) win.
-- Beside that score, the Fellegi-Sunter match probability learned from tonight's records
-- (int_client_match_model): the prior's log2 odds plus log2(m / u) of each attribute's level
-- (int_client_pair_comparisons), an unknown attribute adding nothing. Var `er_scorer` chooses
-- which one bands and decides; with `fellegi_sunter` the bands are probability thresholds and
-- the uncorroborated-variant veto (a hand-set rule) does not apply, the structural vetoes do.
{%- set scorer = var('er_scorer') %}
{%- if scorer not in ['current', 'fellegi_sunter'] %}
    {{ exceptions.raise_compiler_error(
        "er_scorer=" ~ scorer ~ ": expected current or fellegi_sunter") }}
{%- endif %}
{%- set comparisons = client_comparisons() %}
with

pairs as (

    select * from {{ ref('int_client_pairs_blocked') }}

),

clients as (

    select * from {{ ref('int_clients_profiled') }}

),

model as (

    select * from {{ ref('int_client_match_model') }}
    where run_date = {{ run_date() }}

),

learned as (

    -- The waterfall of each pair's match weight: where every pair starts (the prior's log2
    -- odds), what each attribute's level adds and the exact name's term-frequency weight, in
    -- bits; an unknown attribute adds 0. Their sum is match_weight (compared, below).
    select
        comparisons.client_id_a,
        comparisons.client_id_b,
        prior_weight.match_weight as prior_weight,
        {%- for comparison in comparisons %}
            comparisons.{{ comparison }}_level,
            coalesce({{ comparison }}_weights.match_weight, 0) as {{ comparison }}_weight,
        {%- endfor %}
        coalesce(comparisons.name_tf_weight, 0) as name_tf_weight

    from {{ ref('int_client_pair_comparisons') }} as comparisons
    left join model as prior_weight
        on prior_weight.comparison = 'prior'
    {%- for comparison in comparisons %}
        left join model as {{ comparison }}_weights
            on
                {{ comparison }}_weights.comparison = '{{ comparison }}'
                and comparisons.{{ comparison }}_level = {{ comparison }}_weights.comparison_level
    {%- endfor %}

),

ranked_overrides as (

    select
        least(client_id_a, client_id_b) as client_id_a,
        greatest(client_id_a, client_id_b) as client_id_b,
        decision,
        override_source,
        decision_id,
        -- never_merge wins when a pair holds both decisions (seed and steward, or the seed
        -- twice); then the steward's over the seed's, for the audit trail.
        row_number() over (
            partition by least(client_id_a, client_id_b), greatest(client_id_a, client_id_b)
            order by
                case when decision = 'never_merge' then 0 else 1 end,
                case when override_source = 'steward' then 0 else 1 end,
                decision_id
        ) as decision_rank

    from {{ ref('int_match_overrides_unioned') }}

),

overrides as (

    select
        client_id_a,
        client_id_b,
        case when decision = 'never_merge' then 1 else 0 end as has_never_merge,
        override_source,
        decision_id as override_decision_id

    from ranked_overrides
    where decision_rank = 1

),

compared as (

    select
        pairs.client_id_a,
        pairs.client_id_b,
        pairs.blocking_rule,
        pairs.blocking_rule_count,
        clients_a.name_normalized = clients_b.name_normalized as is_same_name,
        clients_a.name_sorted = clients_b.name_sorted as is_same_words,
        greatest(
            {{ jaro_winkler('clients_a.name_normalized', 'clients_b.name_normalized') }},
            {{ jaro_winkler('clients_a.name_sorted', 'clients_b.name_sorted') }}
        ) as name_jaro_winkler,
        greatest(
            {{ edit_similarity('clients_a.name_normalized', 'clients_b.name_normalized') }},
            {{ edit_similarity('clients_a.name_sorted', 'clients_b.name_sorted') }}
        ) as name_edit_similarity,
        -- How much of each side's (up to) three most distinctive words the other side has:
        -- 1 per word found as is, er_typo_token_credit per word found within a typo
        -- (Jaro-Winkler >= er_token_match_threshold); the smaller of the two shares counts.
        {%- set sides = [('clients_a', 'clients_b'), ('clients_b', 'clients_a')] %}
        least(
            {%- for this, other in sides %}
                (
                    {%- for i in [1, 2, 3] %}
                        {%- set word = this ~ '.distinctive_token_' ~ i %}
                        {%- set others = [other ~ '.distinctive_token_1', other ~ '.distinctive_token_2',
                                          other ~ '.distinctive_token_3'] %}
                        case
                            when {{ word }} in ({{ others | join(', ') }}) then 1.0
                            {%- for other_word in others %}
                                {%- set similarity = jaro_winkler(word, other_word) %}
                                when {{ similarity }} >= {{ var('er_token_match_threshold') }}
                                    then {{ var('er_typo_token_credit') }}
                            {%- endfor %}
                            else 0.0
                        end
                        {%- if not loop.last %} +{% endif %}
                    {%- endfor %}
                ) / (
                    1 + case when {{ this }}.distinctive_token_2 is null then 0 else 1 end
                    + case when {{ this }}.distinctive_token_3 is null then 0 else 1 end
                )
                {%- if not loop.last %},{% endif %}
            {%- endfor %}
        ) as distinctive_token_share,
        -- Both names built on the same rare word (held by at most er_rare_token_max_frequency
        -- clients): an invented brand shared is far stronger evidence than a common surname.
        clients_a.distinctive_token_1 = clients_b.distinctive_token_1
        and clients_a.distinctive_token_1_frequency <= {{ var('er_rare_token_max_frequency') }}
            as is_rare_token_shared,
        case
            when clients_a.aum_usd is null or clients_b.aum_usd is null then 0
            when
                abs(clients_a.aum_usd - clients_b.aum_usd)
                <= {{ var('er_aum_tolerance') }} * greatest(abs(clients_a.aum_usd), abs(clients_b.aum_usd))
                then 1
            else -1
        end as aum_agreement,
        -- AUM drifts between a company's records; only far apart (2x) counts against.
        coalesce(
            greatest(clients_a.aum_usd, clients_b.aum_usd)
            > 2 * least(clients_a.aum_usd, clients_b.aum_usd),
            false
        ) as aum_disagreement,
        case
            when clients_a.country is null or clients_b.country is null then 0
            when clients_a.country = clients_b.country then 1
            else -1
        end as country_agreement,
        case
            when clients_a.city_key is null or clients_b.city_key is null then 0
            when clients_a.city_key = clients_b.city_key then 1
            else -1
        end as city_agreement,
        case
            when clients_a.postal_code is null or clients_b.postal_code is null then 0
            when clients_a.postal_code = clients_b.postal_code then 1
            else -1
        end as postal_agreement,
        coalesce(clients_a.name_numbers, '') <> coalesce(clients_b.name_numbers, '') as is_number_conflict,
        -- One record is the other's parent, or looks more like the other's parent than like
        -- the other itself while their parents differ: a subsidiary ("acme usa") beside its
        -- parent's duplicate ("acme inc") is two companies however alike the names.
        coalesce(
            clients_a.parent_client_id = clients_b.client_id
            or clients_b.parent_client_id = clients_a.client_id,
            false
        )
        or (
            clients_a.parent_client_id is distinct from clients_b.parent_client_id
            and (
                coalesce(
                    {{ jaro_winkler('clients_b.name_normalized', 'parents_a.name_normalized') }}
                    >= {{ jaro_winkler('clients_b.name_normalized', 'clients_a.name_normalized') }},
                    false
                )
                or coalesce(
                    {{ jaro_winkler('clients_a.name_normalized', 'parents_b.name_normalized') }}
                    >= {{ jaro_winkler('clients_a.name_normalized', 'clients_b.name_normalized') }},
                    false
                )
            )
        ) as is_parent_link,
        learned.prior_weight,
        {%- for comparison in comparisons %}
            learned.{{ comparison }}_level,
            learned.{{ comparison }}_weight,
        {%- endfor %}
        learned.name_tf_weight,
        learned.prior_weight
        {%- for comparison in comparisons %}
            + learned.{{ comparison }}_weight
        {%- endfor %}
        + learned.name_tf_weight as match_weight,
        overrides.has_never_merge,
        overrides.override_source,
        overrides.override_decision_id

    from pairs
    inner join clients as clients_a
        on pairs.client_id_a = clients_a.client_id
    inner join clients as clients_b
        on pairs.client_id_b = clients_b.client_id
    left join clients as parents_a
        on clients_a.parent_client_id = parents_a.client_id
    left join clients as parents_b
        on clients_b.parent_client_id = parents_b.client_id
    left join learned
        on
            pairs.client_id_a = learned.client_id_a
            and pairs.client_id_b = learned.client_id_b
    left join overrides
        on
            pairs.client_id_a = overrides.client_id_a
            and pairs.client_id_b = overrides.client_id_b

),

scored as (

    select
        *,
        cast(greatest(0, least(
            1,
            (1 - {{ var('er_weight_distinctive') }}) * (
                {{ var('er_weight_jaro_winkler') }} * name_jaro_winkler
                + (1 - {{ var('er_weight_jaro_winkler') }}) * name_edit_similarity
            )
            + {{ var('er_weight_distinctive') }} * distinctive_token_share
            + case country_agreement
                when 1 then {{ var('er_bonus_same_country') }}
                when -1 then -{{ var('er_penalty_other_country') }}
                else 0
            end
            + case city_agreement
                when 1 then {{ var('er_bonus_same_city') }}
                when -1 then -{{ var('er_penalty_disagreement') }}
                else 0
            end
            + case when postal_agreement = -1 then -{{ var('er_penalty_disagreement') }} else 0 end
            + case when aum_disagreement then -{{ var('er_penalty_disagreement') }} else 0 end
            + case when postal_agreement = 1 then {{ var('er_bonus_same_postal_code') }} else 0 end
            + case when aum_agreement = 1 then {{ var('er_bonus_same_aum') }} else 0 end
            + case when is_rare_token_shared then {{ var('er_bonus_rare_token') }} else 0 end
        )) as decimal(5, 4)) as current_score,
        1.0 / (1.0 + power(2.0, -least(greatest(match_weight, -60), 60))) as match_probability

    from compared

),

selected as (

    select
        *,
        {%- if scorer == 'fellegi_sunter' %}
            cast(floor(match_probability * 10000) / 10000 as decimal(5, 4)) as raw_score,
            match_probability >= {{ var('er_high_probability') }} as is_high,
            match_probability >= {{ var('er_merge_probability') }} as is_medium,
            match_probability >= {{ var('er_review_probability') }} as is_low
        {%- else %}
            current_score as raw_score,
            current_score >= {{ var('er_high_threshold') }} as is_high,
            current_score >= {{ var('er_merge_threshold') }} as is_medium,
            current_score >= {{ var('er_review_threshold') }} as is_low
        {%- endif %}

    from scored

),

banded as (

    select
        client_id_a,
        client_id_b,
        blocking_rule,
        blocking_rule_count,
        is_same_name,
        is_same_words,
        cast(name_jaro_winkler as decimal(5, 4)) as name_jaro_winkler,
        cast(name_edit_similarity as decimal(5, 4)) as name_edit_similarity,
        cast(distinctive_token_share as decimal(5, 4)) as distinctive_token_share,
        country_agreement,
        city_agreement,
        postal_agreement,
        aum_agreement,
        aum_disagreement,
        is_rare_token_shared,
        is_number_conflict,
        is_parent_link,
        -- Distinctive words that agree only within a typo (or not at all) tell two invented
        -- brands one letter apart ("kouneon" / "kouzeon") from one brand mistyped only with
        -- corroboration: the same postcode or AUM, or the same city with neither postcode nor
        -- AUM contradicting it. Without it, review, not merge.
        distinctive_token_share < 1
        and postal_agreement <> 1
        and aum_agreement <> 1
        and not (city_agreement = 1 and postal_agreement = 0 and not aum_disagreement)
            as is_uncorroborated_variant,
        -- A steward's decision is certain: 1 for merge, 0 for never_merge, no score band.
        case has_never_merge
            when 1 then cast(0 as decimal(5, 4))
            when 0 then cast(1 as decimal(5, 4))
            else raw_score
        end as match_score,
        case
            when has_never_merge is not null then null
            when is_high then 'HIGH'
            when is_medium then 'MEDIUM'
            when is_low then 'LOW'
        end as score_band,
        current_score,
        cast(prior_weight as double) as prior_weight,
        {%- for comparison in comparisons %}
            {{ comparison }}_level,
            cast({{ comparison }}_weight as double) as {{ comparison }}_weight,
        {%- endfor %}
        cast(name_tf_weight as double) as name_tf_weight,
        cast(match_weight as double) as match_weight,
        cast(match_probability as double) as match_probability,
        case
            when has_never_merge = 1 then 'never_merge'
            when has_never_merge = 0 then 'merge'
        end as override_decision,
        override_source,
        override_decision_id

    from selected

),

decided as (

    select
        *,
        case
            when override_decision = 'never_merge' then 'manual_never_merge'
            when override_decision = 'merge' then 'manual_merge'
            when is_parent_link then 'parent_link'
            when is_number_conflict then 'number_conflict'
            when is_same_name then 'exact_name'
            when is_same_words then 'same_words'
            else 'fuzzy_name'
        end as match_rule,
        case
            when override_decision = 'never_merge' then 'distinct'
            when override_decision = 'merge' then 'merge'
            -- Two hard constraints, for both scorers, send a pair to review however alike:
            -- names differing in a number or roman numeral are two legal entities (fund series
            -- "Fund II" / "Fund III"; no comparison level sees numbers, so no weight could learn
            -- it), and a record is never its own parent's duplicate (by definition two
            -- entities; parent_level only compares the parents the two records name).
            when
                score_band in ('HIGH', 'MEDIUM')
                and not is_parent_link
                and not is_number_conflict
                {%- if scorer == 'current' %}
                    and not is_uncorroborated_variant
                {%- endif %}
                then 'merge'
            when score_band is not null then 'review'
            else 'distinct'
        end as match_decision

    from banded

),

final as (

    select
        *,
        case
            when override_decision = 'merge' then 'MANUAL'
            when match_decision = 'merge' then score_band
            when match_decision = 'review' then 'LOW'
        end as match_confidence

    from decided

)

select * from final
