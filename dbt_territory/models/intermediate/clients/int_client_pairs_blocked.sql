-- Candidate pairs: two clients sharing a blocking key (not an oversized one), each pair once
-- (client_id_a < client_id_b), with the highest-priority rule that produced it. Pairs named
-- by a manual decision (seed or steward, int_match_overrides_unioned) are added even when no
-- key brought them together.
with

blocking_keys as (

    select * from {{ ref('int_client_blocking_keys') }}
    where not is_oversized

),

overrides as (

    select * from {{ ref('int_match_overrides_unioned') }}

),

clients as (

    select * from {{ ref('int_clients_profiled') }}

),

key_pairs as (

    select
        left_keys.client_id as client_id_a,
        right_keys.client_id as client_id_b,
        left_keys.blocking_rule,
        left_keys.rule_priority

    from blocking_keys as left_keys
    inner join blocking_keys as right_keys
        on
            left_keys.blocking_rule = right_keys.blocking_rule
            and left_keys.blocking_key = right_keys.blocking_key
            and left_keys.client_id < right_keys.client_id

),

override_pairs as (

    -- Only overrides naming two clients of this run can pair (pairs come ordered).
    select
        overrides.client_id_a,
        overrides.client_id_b,
        'manual_override' as blocking_rule,
        0 as rule_priority

    from overrides
    inner join clients as clients_a
        on overrides.client_id_a = clients_a.client_id
    inner join clients as clients_b
        on overrides.client_id_b = clients_b.client_id
    where overrides.client_id_a <> overrides.client_id_b

),

all_pairs as (

    select * from key_pairs
    union all
    select * from override_pairs

),

deduplicated as (

    select
        client_id_a,
        client_id_b,
        min_by(blocking_rule, rule_priority) as blocking_rule,
        count(distinct blocking_rule) as blocking_rule_count

    from all_pairs
    group by client_id_a, client_id_b

)

select * from deduplicated
