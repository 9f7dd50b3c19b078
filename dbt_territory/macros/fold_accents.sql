{#- Accents folded to ASCII letters. Snowflake has no accent stripping, so translate the
    Latin letters CRM names carry; DuckDB strips combining marks. -#}
{% macro fold_accents(expression) -%}
    {{ return(adapter.dispatch('fold_accents', 'territory')(expression)) }}
{%- endmacro %}

{% macro default__fold_accents(expression) -%}
    replace(replace(replace(translate({{ expression }},
        'àáâãäåāăąçćčďđèéêëēėęěìíîïīįłñńňòóôõöøōőŕřśšşșťţùúûüūůűųýÿžźż',
        'aaaaaaaaacccddeeeeeeeeiiiiiilnnnoooooooorrssssttuuuuuuuuyyzzz'),
        'ß', 'ss'), 'æ', 'ae'), 'œ', 'oe')
{%- endmacro %}

{% macro duckdb__fold_accents(expression) -%}
    replace(replace(replace(replace(replace(strip_accents({{ expression }}),
        'ß', 'ss'), 'æ', 'ae'), 'œ', 'oe'), 'ø', 'o'), 'ł', 'l')
{%- endmacro %}
