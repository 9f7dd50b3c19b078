{#- The logical run date as a SQL date expression: var `run_date`, else the newest loaded date. -#}
{% macro run_date() -%}
    {%- if var('run_date', none) -%}
        cast('{{ var("run_date") }}' as date)
    {%- else -%}
        (select max(_run_date) from {{ source('crm', 'clients') }})
    {%- endif -%}
{%- endmacro %}
