{#- Every delivered version of a sales-ops rule list (whitelist or blacklist), cleaned: the two
    lists share their columns and their readable default id. -#}
{% macro cleaned_rule_versions(rule_list) -%}
with

source as (

    select * from {{ source('crm', rule_list) }}

),

cleaned as (

    select
        -- The id sales-ops gave the rule, else one a person can read and find in the file
        -- (its natural key, not its row number: a row added above would renumber the rest and
        -- re-version every later client's history).
        coalesce(
            nullif(trim(rule_id), ''),
            '{{ rule_list }}:' || client_id || ':' || upper(territory_id) || ':' || cast(effective_from as varchar)
        ) as rule_id,
        client_id,
        upper(territory_id) as territory_id,
        effective_from,
        effective_to,
        reason,
        _source_row_number as source_row_number,
        _run_date as rules_version_date

    from source

)

select * from cleaned
{%- endmacro %}
