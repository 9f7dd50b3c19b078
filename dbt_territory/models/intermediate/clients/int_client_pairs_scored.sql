-- Every candidate pair scored by the Fellegi-Sunter matcher learned from tonight's records
-- (int_client_match_model): the prior's log2 odds plus log2(m / u) of each attribute's level
-- (int_client_pair_comparisons; an unknown attribute adds nothing) plus the exact name's
-- term-frequency weight is match_weight; its probability is match_probability. The bands are
-- probability thresholds: >= `er_high_probability` HIGH, >= `er_merge_probability` MEDIUM
-- (both merge), >= `er_review_probability` LOW (review only). Two hard constraints send a pair
-- to review however alike (see `decided`). Manual decisions (the seed and the data steward's,
-- int_match_overrides_unioned) win.
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
        1.0 / (1.0 + power(2.0, -least(greatest(match_weight, -60), 60))) as match_probability

    from compared

),

banded as (

    select
        client_id_a,
        client_id_b,
        blocking_rule,
        blocking_rule_count,
        is_same_name,
        is_same_words,
        is_number_conflict,
        is_parent_link,
        -- A steward's decision is certain: 1 for merge, 0 for never_merge, no score band.
        case has_never_merge
            when 1 then cast(0 as decimal(5, 4))
            when 0 then cast(1 as decimal(5, 4))
            else cast(floor(match_probability * 10000) / 10000 as decimal(5, 4))
        end as match_score,
        case
            when has_never_merge is not null then null
            when match_probability >= {{ var('er_high_probability') }} then 'HIGH'
            when match_probability >= {{ var('er_merge_probability') }} then 'MEDIUM'
            when match_probability >= {{ var('er_review_probability') }} then 'LOW'
        end as score_band,
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

    from scored

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
            -- Two hard constraints send a pair to review however alike:
            -- names differing in a number or roman numeral are two legal entities (fund series
            -- "Fund II" / "Fund III"; no comparison level sees numbers, so no weight could learn
            -- it), and a record is never its own parent's duplicate (by definition two
            -- entities; parent_level only compares the parents the two records name).
            when
                score_band in ('HIGH', 'MEDIUM')
                and not is_parent_link
                and not is_number_conflict
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
