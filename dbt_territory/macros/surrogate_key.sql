{#- A deterministic text key from several columns (md5 of the '-'-joined values, nulls as a
    sentinel), the same on DuckDB and Snowflake. Dispatched so dbt_utils' can stand in. -#}
{% macro surrogate_key(field_list) -%}
    {{ return(adapter.dispatch('surrogate_key', 'territory')(field_list)) }}
{%- endmacro %}

{% macro default__surrogate_key(field_list) -%}
    md5(
        {%- for field in field_list %}
        coalesce(cast({{ field }} as {{ dbt.type_string() }}), '_null_')
        {%- if not loop.last %} || '-' ||{% endif %}
        {%- endfor %}
    )
{%- endmacro %}
