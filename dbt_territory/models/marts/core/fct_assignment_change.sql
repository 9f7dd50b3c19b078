{{ config(pre_hook="{{ delete_recomputed_run_dates(next_date_of=ref('fct_client_assignment')) }}") }}
-- The audit trail: per run date, every client that is NEW, CHANGED (territory or advisor) or
-- REMOVED versus the nearest earlier run date in fct_client_assignment (the night pairs of
-- int_run_dates); a master id that left because its records merged into another client is
-- MERGED, one that arrived because a cluster split is SPLIT (int_client_identity_events), with
-- the other master id. A run replaces its own date and the next later one present
-- (dbt_project.yml + pre-hook), so a backfill also refreshes the day after it.
with

assignments as (

    select * from {{ ref('fct_client_assignment') }}

),

identity_events as (

    select * from {{ ref('int_client_identity_events') }}

),

run_dates as (

    select * from {{ ref('int_run_dates') }}

),

compared_dates as (

    select
        run_date,
        previous_run_date

    from run_dates
    where previous_run_date is not null
    {%- if is_incremental() %}
        and {{ run_date() }} in (run_date, previous_run_date)
    {%- endif %}

),

current_snapshot as (

    select
        compared_dates.run_date,
        assignments.master_client_id,
        assignments.territory_id,
        assignments.advisor_email,
        assignments.rule_type,
        assignments.rule_id

    from assignments
    inner join compared_dates
        on assignments.run_date = compared_dates.run_date

),

previous_snapshot as (

    select
        compared_dates.run_date,
        assignments.master_client_id,
        assignments.territory_id,
        assignments.advisor_email,
        assignments.rule_type,
        assignments.rule_id

    from assignments
    inner join compared_dates
        on assignments.run_date = compared_dates.previous_run_date

),

compared as (

    select
        coalesce(current_snapshot.run_date, previous_snapshot.run_date) as run_date,
        coalesce(
            current_snapshot.master_client_id, previous_snapshot.master_client_id
        ) as master_client_id,
        case
            when previous_snapshot.master_client_id is null and identity_events.identity_event = 'SPLIT'
                then 'SPLIT'
            when previous_snapshot.master_client_id is null then 'NEW'
            when current_snapshot.master_client_id is null and identity_events.identity_event = 'MERGED'
                then 'MERGED'
            when current_snapshot.master_client_id is null then 'REMOVED'
            when
                current_snapshot.territory_id != previous_snapshot.territory_id
                or coalesce(current_snapshot.advisor_email, '') != coalesce(previous_snapshot.advisor_email, '')
                then 'CHANGED'
        end as change_type,
        previous_snapshot.territory_id as old_territory_id,
        current_snapshot.territory_id as new_territory_id,
        previous_snapshot.advisor_email as old_advisor_email,
        current_snapshot.advisor_email as new_advisor_email,
        previous_snapshot.rule_type as old_rule_type,
        coalesce(current_snapshot.rule_type, previous_snapshot.rule_type) as rule_type,
        coalesce(current_snapshot.rule_id, previous_snapshot.rule_id) as rule_id,
        identity_events.related_master_client_id

    from current_snapshot
    full outer join previous_snapshot
        on
            current_snapshot.run_date = previous_snapshot.run_date
            and current_snapshot.master_client_id = previous_snapshot.master_client_id
    left join identity_events
        on
            coalesce(current_snapshot.run_date, previous_snapshot.run_date) = identity_events.run_date
            and coalesce(
                current_snapshot.master_client_id, previous_snapshot.master_client_id
            ) = identity_events.master_client_id

),

final as (

    select
        {{ surrogate_key(['run_date', 'master_client_id']) }} as change_key,
        run_date,
        master_client_id,
        change_type,
        old_territory_id,
        new_territory_id,
        old_advisor_email,
        new_advisor_email,
        old_rule_type,
        rule_type,
        rule_id,
        related_master_client_id,
        old_territory_id is distinct from new_territory_id as is_territory_changed

    from compared
    where change_type is not null

)

select * from final
