{#- The logical run date as a SQL date expression: var `run_date`, else the newest loaded date. -#}
{% macro run_date() -%}
    {%- if var('run_date', none) -%}
        cast('{{ var("run_date") }}' as date)
    {%- else -%}
        (select max(_run_date) from {{ source('crm', 'clients') }})
    {%- endif -%}
{%- endmacro %}

{#- Static references keep every delivered version in raw; this selects the one standing on
    the run date (the newest delivered on or before it), so a backfill sees that night's rules.
    Versions are read from the register `static_versions`, not from the rows: a version
    delivered empty (header only) stands with no rows instead of leaving the previous one in
    force. -#}
{% macro standing_version(relation) -%}
    _run_date = (
        select max(versions._run_date)
        from {{ source('crm', 'static_versions') }} as versions
        where
            versions.source_name = '{{ relation.identifier }}'
            and versions._run_date <= {{ run_date() }}
    )
{%- endmacro %}
