{#- Every row of `relation` repeated once per integer 1..`upper_bound` (a column of it), the
    integer in `column_name`; rows with an upper bound below 1 disappear. -#}
{% macro select_with_integer_series(relation, upper_bound, column_name) -%}
    {{ return(adapter.dispatch('select_with_integer_series', 'territory')(relation, upper_bound, column_name)) }}
{%- endmacro %}

{% macro default__select_with_integer_series(relation, upper_bound, column_name) -%}
    select
        {{ relation }}.*,
        series.index + 1 as {{ column_name }}
    from {{ relation }},
        lateral flatten(input => array_generate_range(0, greatest({{ upper_bound }}, 0))) as series
{%- endmacro %}

{% macro duckdb__select_with_integer_series(relation, upper_bound, column_name) -%}
    select
        {{ relation }}.*,
        unnest(generate_series(1, cast({{ upper_bound }} as bigint))) as {{ column_name }}
    from {{ relation }}
{%- endmacro %}

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
