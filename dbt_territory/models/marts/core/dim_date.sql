-- Calendar days 2020-2035, enough for every run date the engine will see.
with

spine as (

    {{ date_spine("cast('2020-01-01' as date)", "cast('2035-12-31' as date)") }}

),

with_weekday as (

    -- Days since a Monday, modulo 7: the same ISO weekday on every warehouse.
    select
        date_day,
        mod({{ dbt.datediff("cast('2019-12-30' as date)", 'date_day', 'day') }}, 7) + 1 as iso_day_of_week

    from spine

),

final as (

    select
        cast(date_day as date) as date_day,
        cast(year(date_day) as integer) as calendar_year,
        cast(quarter(date_day) as integer) as calendar_quarter,
        cast(month(date_day) as integer) as calendar_month,
        cast(iso_day_of_week as integer) as iso_day_of_week,
        iso_day_of_week >= 6 as is_weekend

    from with_weekday

)

select * from final
