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
