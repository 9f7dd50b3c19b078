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
