{#- Workarounds for the `snowflake_emulated` target (a fakesnow server: Snowflake SQL run on
    DuckDB). Every one is conditioned on that target name, so the real `snowflake` target
    renders exactly the SQL it would without this file (each falls through to the default). -#}

{% macro is_snowflake_emulated() -%}
    {{ return(target.name == 'snowflake_emulated') }}
{%- endmacro %}

{#- fakesnow turns SPLIT's array into JSON, which its ARRAY_SORT cannot sort; STRTOK_TO_ARRAY
    gives a real list. The same words here: the input is whitespace-collapsed already. -#}
{% macro snowflake__sort_tokens(expression) -%}
    {%- if is_snowflake_emulated() -%}
    array_to_string(array_sort(strtok_to_array({{ expression }}, ' ')), ' ')
    {%- else -%}
    {{ default__sort_tokens(expression) }}
    {%- endif -%}
{%- endmacro %}

{#- dbt's generate_series sums power(2, i), a float; Snowflake casts it to an integer where
    LEFT/SUBSTR need one, fakesnow (DuckDB) does not: the emulator gets an integer column. -#}
{% macro snowflake__generate_series(upper_bound) -%}
    {%- if is_snowflake_emulated() -%}
    select cast(generated_number as integer) as generated_number
    from ({{ dbt.default__generate_series(upper_bound) }}) as series
    {%- else -%}
    {{ dbt.default__generate_series(upper_bound) }}
    {%- endif -%}
{%- endmacro %}

{#- fakesnow has no roles and cannot parse GRANT: the leadership views' `grants:` are not
    applied on the emulator (production grants them, and governance.apply_policies()). -#}
{% macro snowflake__apply_grants(relation, grant_config, should_revoke=True) -%}
    {%- if not is_snowflake_emulated() -%}
    {{ dbt.default__apply_grants(relation, grant_config, should_revoke) }}
    {%- endif -%}
{%- endmacro %}

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
