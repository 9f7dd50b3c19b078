{#- fakesnow has no roles and cannot parse GRANT: the leadership views' `grants:` are not
    applied on the emulator (production grants them, and governance.apply_policies()). -#}
{% macro snowflake__apply_grants(relation, grant_config, should_revoke=True) -%}
    {%- if not is_snowflake_emulated() -%}
    {{ dbt.default__apply_grants(relation, grant_config, should_revoke) }}
    {%- endif -%}
{%- endmacro %}
