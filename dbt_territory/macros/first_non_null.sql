{#- Within a group, the value of `column` on the best-ranked row where it is not null. -#}
{% macro first_non_null(column, rank_column) -%}
    {{ return(adapter.dispatch('first_non_null', 'territory')(column, rank_column)) }}
{%- endmacro %}

{% macro default__first_non_null(column, rank_column) -%}
    min_by({{ column }}, case when {{ column }} is not null then {{ rank_column }} end)
{%- endmacro %}
