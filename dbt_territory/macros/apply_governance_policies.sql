{#- Post-hook of the leadership views: dbt replaces a view on every build, which drops the row
    access and masking policies attached to it, so production re-attaches them at once with
    governance.apply_policies() (snowflake_sql/60_governance.sql; idempotent). Only the
    production `snowflake` target has that procedure: DuckDB has no policies, fakesnow neither,
    and the `ci` database has no governance schema. -#}
{% macro apply_governance_policies() -%}
    {%- if target.name == 'snowflake' -%}
    call governance.apply_policies()
    {%- endif -%}
{%- endmacro %}
