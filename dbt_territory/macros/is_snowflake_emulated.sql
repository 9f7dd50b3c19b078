{#- The gate of every workaround for the `snowflake_emulated` target (a fakesnow server:
    Snowflake SQL run on DuckDB). Every workaround is conditioned on that target name, so the
    real `snowflake` target renders exactly the SQL it would without them (each falls through
    to the default). Each lives in the file of the macro family it overrides:
      sort_tokens.sql                 snowflake__sort_tokens: STRTOK_TO_ARRAY instead of SPLIT
      generate_series.sql             snowflake__generate_series: an integer column
      apply_grants.sql                snowflake__apply_grants: no GRANT
      create_table_temporary_sql.sql  snowflake__create_table_temporary_sql: transient tables
    and, by target name in dbt_project.yml, the incremental models' `tmp_relation_type` and
    the unit tests. -#}
{% macro is_snowflake_emulated() -%}
    {{ return(target.name == 'snowflake_emulated') }}
{%- endmacro %}
