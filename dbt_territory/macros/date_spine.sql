{#- One row per calendar day from `start_date` to `end_date` (SQL date literals), as `date_day`. -#}
{% macro date_spine(start_date, end_date) -%}
    {{ return(adapter.dispatch('date_spine', 'territory')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__date_spine(start_date, end_date) -%}
    select dateadd(day, series.index, {{ start_date }}) as date_day
    from table(flatten(
        input => array_generate_range(0, datediff(day, {{ start_date }}, {{ end_date }}) + 1)
    )) as series
{%- endmacro %}

{% macro duckdb__date_spine(start_date, end_date) -%}
    select cast(unnest(generate_series({{ start_date }}, {{ end_date }}, interval 1 day)) as date) as date_day
{%- endmacro %}
