-- SCD2 history of each master client's assignment, derived from the per-date facts: a new
-- version whenever territory, advisor, tier or rule differs from the client's previous run
-- date, or the client was absent on the run date just before. valid_from is the first run date
-- of the version; valid_to the next run date on which it no longer held (null: still current).
-- A pure function of fct_client_assignment (and the run dates of int_run_dates), rebuilt whole
-- every night, so it is right after any re-run or backfill (a dbt snapshot stamps the wall clock
-- and only ever appends).
{%- set version_columns = ['territory_id', 'advisor_email', 'tier', 'rule_type', 'rule_id'] %}
with

assignments as (

    select * from {{ ref('fct_client_assignment') }}

),

run_dates as (

    select * from {{ ref('int_run_dates') }}

),

numbered as (

    select
        assignments.master_client_id,
        assignments.run_date,
        run_dates.run_number,
        run_dates.next_run_date,
        assignments.territory_id,
        assignments.advisor_email,
        assignments.tier,
        assignments.rule_type,
        assignments.rule_id,
        {%- for column in version_columns %}
            lag(assignments.{{ column }}) over (
                partition by assignments.master_client_id order by assignments.run_date
            ) as previous_{{ column }},
        {%- endfor %}
        lag(run_dates.run_number) over (
            partition by assignments.master_client_id order by assignments.run_date
        ) as previous_run_number

    from assignments
    inner join run_dates
        on assignments.run_date = run_dates.run_date

),

version_starts as (

    select
        *,
        case
            when
                previous_run_number is null
                or previous_run_number != run_number - 1
                {%- for column in version_columns %}
                    or {{ column }} is distinct from previous_{{ column }}
                {%- endfor %}
                then 1
            else 0
        end as is_version_start

    from numbered

),

versioned as (

    select
        *,
        sum(is_version_start) over (
            partition by master_client_id
            order by run_date
            rows between unbounded preceding and current row
        ) as version_number

    from version_starts

),

versions as (

    select
        master_client_id,
        version_number,
        min(run_date) as valid_from,
        max(run_date) as last_run_date,
        {%- for column in version_columns %}
            max({{ column }}) as {{ column }},
        {%- endfor %}
        count(*) as run_dates_held

    from versioned
    group by master_client_id, version_number

),

final as (

    select
        {{ surrogate_key(['versions.master_client_id', 'versions.valid_from']) }} as history_key,
        versions.master_client_id,
        cast(versions.version_number as integer) as version_number,
        versions.territory_id,
        versions.advisor_email,
        versions.tier,
        versions.rule_type,
        versions.rule_id,
        versions.valid_from,
        run_dates.next_run_date as valid_to,
        versions.last_run_date,
        cast(versions.run_dates_held as integer) as run_dates_held,
        run_dates.next_run_date is null as is_current

    from versions
    inner join run_dates
        on versions.last_run_date = run_dates.run_date

)

select * from final
