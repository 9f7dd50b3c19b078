-- What happened to master ids between each run date and the one before it, from the identity
-- map: MERGED, a master id retired because its records now sit in a cluster that kept an
-- older id (related_master_client_id: the survivor); SPLIT, a new master id whose records came
-- from a cluster that kept its id elsewhere (related_master_client_id: that origin).
with

identities as (

    select * from {{ ref('int_client_identities') }}

),

run_dates as (

    select * from {{ ref('int_run_dates') }}

),

masters as (

    select distinct
        run_date,
        master_client_id

    from identities

),

carried_records as (

    -- Records present on both nights, with their master on each.
    select
        identities.run_date,
        identities.master_client_id,
        identities.previous_master_client_id,
        count(*) as records

    from identities
    inner join run_dates
        on
            identities.run_date = run_dates.run_date
            and identities.previous_run_date = run_dates.previous_run_date
    group by identities.run_date, identities.master_client_id, identities.previous_master_client_id

),

merged as (

    select
        carried_records.run_date,
        carried_records.previous_master_client_id as master_client_id,
        'MERGED' as identity_event,
        carried_records.master_client_id as related_master_client_id

    from carried_records
    left join masters
        on
            carried_records.run_date = masters.run_date
            and carried_records.previous_master_client_id = masters.master_client_id
    where masters.master_client_id is null
    qualify row_number() over (
        partition by carried_records.run_date, carried_records.previous_master_client_id
        order by carried_records.records desc, carried_records.master_client_id asc
    ) = 1

),

split as (

    select
        carried_records.run_date,
        carried_records.master_client_id,
        'SPLIT' as identity_event,
        carried_records.previous_master_client_id as related_master_client_id

    from carried_records
    inner join run_dates
        on carried_records.run_date = run_dates.run_date
    left join masters as previous_masters
        on
            run_dates.previous_run_date = previous_masters.run_date
            and carried_records.master_client_id = previous_masters.master_client_id
    where previous_masters.master_client_id is null
    qualify row_number() over (
        partition by carried_records.run_date, carried_records.master_client_id
        order by carried_records.records desc, carried_records.previous_master_client_id asc
    ) = 1

),

final as (

    select * from merged
    union all
    select * from split

)

select * from final
