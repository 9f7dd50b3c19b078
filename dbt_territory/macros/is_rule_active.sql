{#- A whitelist/blacklist entry applies from effective_from up to, not including, effective_to
    (open-ended when null). -#}
{% macro is_rule_active(on_date, entries='entries') -%}
    (
        {{ entries }}.effective_from <= {{ on_date }}
        and ({{ entries }}.effective_to is null or {{ on_date }} < {{ entries }}.effective_to)
    )
{%- endmacro %}
