-- Sales-ops blacklist entries standing on the run date (every entry, active or not: the
-- assignment models apply effective dates, so expired and future entries stay auditable).
with

source as (

    select * from {{ source('crm', 'blacklist') }}
    where {{ standing_version(source('crm', 'blacklist')) }}

),

cleaned as (

    select
        {{ surrogate_key(["'blacklist'", 'client_id', 'territory_id', 'effective_from']) }} as rule_id,
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
