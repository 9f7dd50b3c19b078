{{ config(pre_hook="{{ delete_recomputed_run_dates() }}") }}
-- Periodic snapshot: one row per master client per run date, with its territory, rule and
-- advisor. Incremental per run date (dbt_project.yml): each run replaces exactly its run date,
-- so re-runs and backfills of any date are idempotent. The territory and rule come from
-- int_assignments_resolved, the advisor from int_advisor_allocation (its run date).
with

assignments as (

    select * from {{ ref('int_assignments_resolved') }}

),

allocations as (

    select * from {{ ref('int_advisor_allocation') }}
    where run_date = {{ run_date() }}

),

final as (

    select
        {{ surrogate_key([run_date(), 'assignments.master_client_id']) }} as assignment_key,
        {{ run_date() }} as run_date,
        assignments.master_client_id,
        {{ surrogate_key(['assignments.master_client_id']) }} as client_key,
        assignments.territory_id,
        {{ surrogate_key(['assignments.territory_id']) }} as territory_key,
        allocations.advisor_email,
        case
            when allocations.advisor_email is not null
                then {{ surrogate_key(['allocations.advisor_email', 'assignments.territory_id']) }}
        end as advisor_key,
        assignments.region,
        assignments.segment,
        assignments.tier,
        assignments.rule_type,
        assignments.rule_id,
        allocations.advisor_assignment

    from assignments
    inner join allocations
        on assignments.master_client_id = allocations.master_client_id

)

select * from final
