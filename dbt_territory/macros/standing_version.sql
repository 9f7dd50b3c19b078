{#- Static references keep every delivered version in raw; this selects the one standing on
    the run date (the newest delivered on or before it), so a backfill sees that night's rules.
    Versions are read from the register `static_versions`, not from the rows: a version
    delivered empty (header only) stands with no rows instead of leaving the previous one in
    force. -#}
{% macro standing_version(source_name, version_column='_run_date') -%}
    {{ version_column }} = (
        select max(versions._run_date)
        from {{ source('crm', 'static_versions') }} as versions
        where
            versions.source_name = '{{ source_name }}'
            and versions._run_date <= {{ run_date() }}
    )
{%- endmacro %}
