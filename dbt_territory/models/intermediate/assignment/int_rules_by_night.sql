-- Every whitelist and blacklist entry of the version standing on each built night, flagged
-- active when its effective dates cover that night, with the master client its CRM record had
-- then. The change reasons read it to say which rule took effect or ended between two nights;
-- rules are few, so nights x rules stays small.
with

whitelist as (

    select * from {{ ref('stg_crm__whitelist_versions') }}

),

blacklist as (

    select * from {{ ref('stg_crm__blacklist_versions') }}

),

standing_versions as (

    select * from {{ ref('int_static_versions_by_night') }}
    where source_name in ('whitelist', 'blacklist')

),

identities as (

    select * from {{ ref('int_client_identities') }}

),

entries as (

    select
        'whitelist' as rule_list,
        rule_id,
        client_id,
        territory_id,
        effective_from,
        effective_to,
        reason,
        rules_version_date

    from whitelist

    union all

    select
        'blacklist' as rule_list,
        rule_id,
        client_id,
        territory_id,
        effective_from,
        effective_to,
        reason,
        rules_version_date

    from blacklist

),

final as (

    select
        standing_versions.run_date,
        entries.rule_list,
        entries.rule_id,
        entries.client_id,
        identities.master_client_id,
        entries.territory_id,
        entries.effective_from,
        entries.effective_to,
        entries.reason,
        {{ is_rule_active('standing_versions.run_date') }} as is_active

    from standing_versions
    inner join entries
        on
            standing_versions.source_name = entries.rule_list
            and standing_versions.version_date = entries.rules_version_date
    left join identities
        on
            standing_versions.run_date = identities.run_date
            and entries.client_id = identities.client_id

)

select * from final
