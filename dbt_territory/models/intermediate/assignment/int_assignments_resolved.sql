-- The territory of each master client on the run date and the rule that decided it.
-- Precedence: whitelist > hierarchy > tier_routing > region_segment_default > unassigned.
-- An active blacklist entry removes a (client, territory) candidate of every type but whitelist.
with

clients as (

    select * from {{ ref('int_clients_tiered') }}

),

hierarchy as (

    select * from {{ ref('int_clients_hierarchy_walked') }}

),

rules as (

    select * from {{ ref('int_rules_activated') }}

),

territories as (

    select * from {{ ref('stg_crm__territories') }}

),

whitelisted as (

    -- Several active entries: the latest effective_from wins, then the lowest territory_id.
    select
        master_client_id,
        territory_id,
        rule_id,
        'whitelist' as rule_type,
        1 as rule_precedence

    from rules
    where rule_list = 'whitelist' and is_known_client and is_known_territory
    qualify row_number() over (
        partition by master_client_id
        order by effective_from desc, territory_id asc, rule_id asc
    ) = 1

),

blacklisted as (

    select distinct
        master_client_id,
        territory_id

    from rules
    where rule_list = 'blacklist' and is_known_client

),

routed as (

    -- Territories matching the client's region and segment: with its tier, or the default.
    select
        clients.master_client_id,
        territories.territory_id,
        territories.territory_id as rule_id,
        case
            when territories.tier_key is null then 'region_segment_default' else 'tier_routing'
        end as rule_type,
        case when territories.tier_key is null then 4 else 3 end as rule_precedence

    from clients
    inner join territories
        on
            clients.region_key = territories.region_key
            and clients.segment_key = territories.segment_key
            and (territories.tier_key is null or clients.tier_key = territories.tier_key)

),

unassigned as (

    select
        master_client_id,
        'UNASSIGNED' as territory_id,
        'UNASSIGNED' as rule_id,
        'unassigned' as rule_type,
        5 as rule_precedence

    from clients

),

own_candidates as (

    -- Everything but hierarchy, which needs the parent's own result first.
    select * from whitelisted
    union all
    select * from routed
    union all
    select * from unassigned

),

own_allowed as (

    select own_candidates.*

    from own_candidates
    left join blacklisted
        on
            own_candidates.master_client_id = blacklisted.master_client_id
            and own_candidates.territory_id = blacklisted.territory_id
    where
        own_candidates.rule_type in ('whitelist', 'unassigned')
        or blacklisted.master_client_id is null

),

own_resolved as (

    select * from own_allowed
    qualify row_number() over (
        partition by master_client_id
        order by rule_precedence asc, territory_id asc
    ) = 1

),

inherited as (

    -- A subsidiary follows its ultimate parent's territory (never UNASSIGNED, never on a
    -- cycle), unless the subsidiary itself is blacklisted from it.
    select
        hierarchy.master_client_id,
        parent_resolved.territory_id,
        hierarchy.ultimate_parent_id as rule_id,
        'hierarchy' as rule_type,
        2 as rule_precedence

    from hierarchy
    inner join own_resolved as parent_resolved
        on hierarchy.ultimate_parent_id = parent_resolved.master_client_id
    left join blacklisted
        on
            hierarchy.master_client_id = blacklisted.master_client_id
            and parent_resolved.territory_id = blacklisted.territory_id
    where
        hierarchy.hierarchy_depth > 0
        and parent_resolved.territory_id != 'UNASSIGNED'
        and blacklisted.master_client_id is null

),

allowed_candidates as (

    select * from own_allowed
    union all
    select * from inherited

),

resolved as (

    select
        allowed_candidates.master_client_id,
        allowed_candidates.territory_id,
        allowed_candidates.rule_type,
        allowed_candidates.rule_id,
        clients.tier

    from allowed_candidates
    inner join clients
        on allowed_candidates.master_client_id = clients.master_client_id
    qualify row_number() over (
        partition by allowed_candidates.master_client_id
        order by allowed_candidates.rule_precedence asc, allowed_candidates.territory_id asc
    ) = 1

)

select * from resolved
