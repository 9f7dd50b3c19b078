-- The advisor roster standing on the run date (the newest version delivered on or before it).
with

source as (

    select * from {{ source('crm', 'advisors') }}
    where {{ standing_version(source('crm', 'advisors')) }}

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
