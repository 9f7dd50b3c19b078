-- The histogram of the candidate pairs' comparison vectors: one row per distinct vector (a
-- few hundred at most), with how many candidate pairs show it. Expectation-maximisation
-- (int_client_match_model) iterates over these rows, not over the pairs. Pairs that only a
-- manual decision brought in were not found by blocking and say nothing about it: left out.
{%- set comparisons = client_comparisons() %}
{%- set levels = [] %}
{%- for comparison in comparisons %}{% do levels.append(comparison ~ '_level') %}{% endfor %}
with

candidate_pairs as (

    select * from {{ ref('int_client_pair_comparisons') }}
    where blocking_rule <> 'manual_override'

),

patterns as (

    select
        {{ levels | join(',\n        ') }},
        is_number_conflict,
        count(*) as pair_count

    from candidate_pairs
    group by {{ levels | join(', ') }}, is_number_conflict

),

numbered as (

    select
        -- Nulls (unknown levels) first, so the numbering is the same on every warehouse.
        row_number() over (
            order by
                {%- for level in levels %}
                    {{ level }} nulls first,
                {%- endfor %}
                is_number_conflict
        ) as pattern_id,
        *

    from patterns

)

select * from numbered
