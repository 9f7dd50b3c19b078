-- Whitelist and blacklist entries active on the run date (effective_from <= date <
-- effective_to, open-ended when null), each mapped to the master client of the CRM record it
-- names on the run date (the identity map, as client_crosswalk and int_clients_golden read it).
-- Entries naming an unknown record or territory are kept, flagged, for the conflict report.
with

whitelist as (

    select * from {{ ref('stg_crm__whitelist') }}

),

blacklist as (

    select * from {{ ref('stg_crm__blacklist') }}

),

identities as (

    select * from {{ ref('int_client_identities') }}
    where run_date = {{ run_date() }}

),

territories as (

    select * from {{ ref('stg_crm__territories') }}

),

entries as (

    select
        'whitelist' as rule_list,
        rule_id,
        client_id,
        territory_id,
        effective_from,
        effective_to,
        reason

    from whitelist

    union all

    select
        'blacklist' as rule_list,
        rule_id,
        client_id,
        territory_id,
        effective_from,
        effective_to,
        reason

    from blacklist

),

activated as (

    select
        entries.rule_list,
        entries.rule_id,
        entries.client_id,
        identities.master_client_id,
        entries.territory_id,
        entries.effective_from,
        entries.effective_to,
        entries.reason,
        identities.master_client_id is not null as is_known_client,
        territories.territory_id is not null as is_known_territory

    from entries
    left join identities
        on entries.client_id = identities.client_id
    left join territories
        on entries.territory_id = territories.territory_id
    where {{ is_rule_active(run_date()) }}

)

select * from activated
