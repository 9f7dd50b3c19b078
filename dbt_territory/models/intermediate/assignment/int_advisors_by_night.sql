-- The advisor roster standing on each built night: the change reasons read it to say whether a
-- client's previous advisor left its territory or its territory ran out of places.
with

advisors as (

    select * from {{ ref('stg_crm__advisor_versions') }}

),

standing_versions as (

    select * from {{ ref('int_static_versions_by_night') }}
    where source_name = 'advisors'

),

final as (

    select
        standing_versions.run_date,
        advisors.advisor_email,
        advisors.territory_id,
        advisors.capacity,
        advisors.is_active

    from standing_versions
    inner join advisors
        on standing_versions.version_date = advisors.roster_version_date

)

select * from final
