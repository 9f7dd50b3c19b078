-- The version of each static reference standing on each built night: the newest landed on or
-- before it (staging's standing_version, for every night at once instead of the run date).
with

static_versions as (

    select * from {{ ref('stg_crm__static_versions') }}

),

run_dates as (

    select * from {{ ref('int_run_dates') }}

),

final as (

    select
        run_dates.run_date,
        static_versions.source_name,
        max(static_versions.version_date) as version_date

    from run_dates
    inner join static_versions
        on run_dates.run_date >= static_versions.version_date
    group by run_dates.run_date, static_versions.source_name

)

select * from final
