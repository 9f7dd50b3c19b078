{#- The derived SCD2 history agrees with the per-date facts: no version ends before it starts,
    a client's versions never overlap, and every assignment of a run date lies in exactly one
    version with the same territory and advisor. -#}
with

history as (

    select * from {{ ref('fct_assignment_history') }}

),

assignments as (

    select * from {{ ref('fct_client_assignment') }}

),

inverted as (

    select
        master_client_id,
        'valid_to <= valid_from' as problem
    from history
    where valid_to <= valid_from

),

overlapping as (

    select
        later.master_client_id,
        'overlapping versions' as problem
    from history as later
    inner join history as earlier
        on
            later.master_client_id = earlier.master_client_id
            and later.valid_from > earlier.valid_from
            and (earlier.valid_to is null or later.valid_from < earlier.valid_to)

),

uncovered as (

    select
        assignments.master_client_id,
        'assignment outside its version' as problem
    from assignments
    left join history
        on
            assignments.master_client_id = history.master_client_id
            and assignments.run_date >= history.valid_from
            and assignments.run_date <= history.last_run_date
            and assignments.territory_id = history.territory_id
            and assignments.advisor_email is not distinct from history.advisor_email
    where history.master_client_id is null

)

select * from inverted
union all
select * from overlapping
union all
select * from uncovered
