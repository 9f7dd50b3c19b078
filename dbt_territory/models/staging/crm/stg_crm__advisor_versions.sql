-- Every delivered version of the advisor roster, cleaned (roster_version_date = the night it
-- landed): stg_crm__advisors is the version standing on the run date, int_advisors_by_night
-- the one standing on each built night.
with

source as (

    select * from {{ source('crm', 'advisors') }}

),

cleaned as (

    select
        lower(advisor_email) as advisor_email,
        full_name,
        upper(territory_id) as territory_id,
        cast(capacity as integer) as capacity,
        coalesce(is_active, true) as is_active,
        _run_date as roster_version_date

    from source

)

select * from cleaned
