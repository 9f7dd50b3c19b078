{#- Levenshtein distance (edits turning one string into the other), the same on every
    warehouse: DuckDB's levenshtein, Snowflake's EDITDISTANCE. -#}
{% macro edit_distance(left, right) -%}
    {{ return(adapter.dispatch('edit_distance', 'territory')(left, right)) }}
{%- endmacro %}

{% macro default__edit_distance(left, right) -%}
    levenshtein({{ left }}, {{ right }})
{%- endmacro %}

{% macro snowflake__edit_distance(left, right) -%}
    editdistance({{ left }}, {{ right }})
{%- endmacro %}
