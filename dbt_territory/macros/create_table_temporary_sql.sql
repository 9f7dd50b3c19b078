{#- fakesnow cannot create temporary tables in a schema (DuckDB keeps them in its own
    catalog): dbt's temporary relations are transient on the emulator instead. -#}
{% macro snowflake__create_table_temporary_sql(relation, compiled_code) -%}
    {%- set sql = dbt.snowflake__create_table_temporary_sql(relation, compiled_code) -%}
    {%- if is_snowflake_emulated() -%}
    {{ sql | replace('create or replace temporary table', 'create or replace transient table') }}
    {%- else -%}
    {{ sql }}
    {%- endif -%}
{%- endmacro %}
