{#- Free-text CRM labels (region, segment, tier) compared case- and whitespace-insensitively:
    lowercase, trimmed, inner whitespace collapsed, empty -> null. -#}
{% macro normalize_label(expression) -%}
    {{ return(adapter.dispatch('normalize_label', 'territory')(expression)) }}
{%- endmacro %}

{% macro default__normalize_label(expression) -%}
    nullif(trim(regexp_replace(lower({{ expression }}), '\\s+', ' ')), '')
{%- endmacro %}

{% macro duckdb__normalize_label(expression) -%}
    nullif(trim(regexp_replace(lower({{ expression }}), '\s+', ' ', 'g')), '')
{%- endmacro %}
