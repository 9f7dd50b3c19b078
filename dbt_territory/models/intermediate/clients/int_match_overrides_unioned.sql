-- Every manual entity-resolution decision in force on the run date, one place for the matcher
-- to read: the reviewed `match_overrides` seed, and the data steward's decisions from the
-- console (effective from the first night built after they were made; a later decision on a
-- pair replaces an earlier one). Both come cleaned from staging (pairs ordered, client_id_a <
-- client_id_b; decisions lowercased).
with

seed_overrides as (

    select * from {{ ref('stg_seeds__match_overrides') }}

),

steward_decisions as (

    select * from {{ ref('stg_crm__match_decisions') }}
    where effective_from <= {{ run_date() }}

),

seeded as (

    select
        decision_id,
        client_id_a,
        client_id_b,
        decision,
        'seed' as override_source,
        cast(null as varchar) as decided_by,
        cast(null as timestamp) as decided_at,
        cast(null as date) as effective_from,
        cast(null as varchar) as note

    from seed_overrides

),

latest_steward as (

    select
        decision_id,
        client_id_a,
        client_id_b,
        decision,
        'steward' as override_source,
        decided_by,
        decided_at,
        effective_from,
        note

    from steward_decisions
    where client_id_a <> client_id_b
    qualify row_number() over (
        partition by client_id_a, client_id_b
        order by decided_at desc, decision_id desc
    ) = 1

),

unioned as (

    select * from seeded
    union all
    select * from latest_steward

)

select * from unioned
