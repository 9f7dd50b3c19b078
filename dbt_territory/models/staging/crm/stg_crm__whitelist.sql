-- Sales-ops whitelist entries standing on the run date (every entry, active or not: the
-- assignment models apply effective dates, so expired and future entries stay auditable).
with

source as (

    select * from {{ source('crm', 'whitelist') }}
    where {{ standing_version(source('crm', 'whitelist')) }}

),

cleaned as (

    select
        -- The id sales-ops gave the rule, else one a person can read and find in the file
        -- (its natural key, not its row number: a row added above would renumber the rest and
        -- re-version every later client's history).
        coalesce(
            nullif(trim(rule_id), ''),
            'whitelist:' || client_id || ':' || upper(territory_id) || ':' || cast(effective_from as varchar)
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
