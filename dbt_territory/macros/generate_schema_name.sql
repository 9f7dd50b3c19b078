{#- Models land in the schema their folder names (raw, staging, analytics, ...) on every
    target, not `<target schema>_<custom>`, so DuckDB and Snowflake share one layout. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
