-- Every delivered version of the sales-ops blacklist, cleaned (rules_version_date = the night it
-- landed): stg_crm__blacklist is the version standing on the run date, int_rules_by_night the one
-- standing on each built night (the change reasons compare a night with the one before).
with

source as (

    select * from {{ source('crm', 'blacklist') }}

),

cleaned as (

    select
        -- The id sales-ops gave the rule, else one a person can read and find in the file
        -- (its natural key, not its row number: a row added above would renumber the rest and
        -- re-version every later client's history).
        coalesce(
            nullif(trim(rule_id), ''),
            'blacklist:' || client_id || ':' || upper(territory_id) || ':' || cast(effective_from as varchar)
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
