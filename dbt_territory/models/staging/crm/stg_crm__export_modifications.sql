-- The newest modification in each night's delivery of each daily export that declares a
-- staleness column in the source registry (macro export_staleness): what
-- rpt_export_freshness measures a daily export by. The load time cannot serve: it is always
-- the load's own.
{%- set daily_exports = export_staleness() | selectattr('column') | list %}
with

modifications as (
    {%- for export in daily_exports %}

        select
            '{{ export.source_name }}' as source_name,
            _run_date as run_date,
            max({{ export.column }}) as newest_modified_at

        from {{ source('crm', export.source_name) }}
        group by _run_date
        {%- if not loop.last %}

            union all
        {%- endif %}
    {%- endfor %}

)

select * from modifications
