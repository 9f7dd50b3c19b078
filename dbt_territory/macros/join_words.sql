{#- Joins SQL text expressions with a separator, skipping the null ones (Snowflake's CONCAT_WS
    returns null when any argument is null); null when every part is. -#}
{% macro join_words(parts, separator='; ') -%}
    nullif(substr(
        {%- for part in parts %}
        coalesce('{{ separator }}' || ({{ part }}), '') {%- if not loop.last %} ||{% endif %}
        {%- endfor %},
        {{ separator | length + 1 }}
    ), '')
{%- endmacro %}
