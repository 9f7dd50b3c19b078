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
        rule_id

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

    -- Territories matching the client's region and segment, with its tier or the default, that
    -- the client is not blacklisted from.
    select
        clients.master_client_id,
        territories.territory_id,
        territories.tier_key is not null as is_tier_route

    from clients
    inner join territories
        on
            clients.region_key = territories.region_key
            and clients.segment_key = territories.segment_key
            and (territories.tier_key is null or clients.tier_key = territories.tier_key)
    left join blacklisted
        on
            clients.master_client_id = blacklisted.master_client_id
            and territories.territory_id = blacklisted.territory_id
    where blacklisted.master_client_id is null

),

best_routes as (

    -- Several territories of one kind match only when they overlap (a reported conflict): the
    -- lowest territory_id wins. Aggregates per level, not a window over every candidate row.
    select
        master_client_id,
        min(case when is_tier_route then territory_id end) as tier_territory_id,
        min(case when not is_tier_route then territory_id end) as default_territory_id

    from routed
    group by master_client_id

),

own_resolved as (

    -- The client's own rule, hierarchy aside: whitelist > tier_routing > region_segment_default
    -- > unassigned (the whitelist ignores the blacklist; routes were filtered by it above).
    select
        clients.master_client_id,
        clients.region,
        clients.segment,
        clients.tier,
        case
            when whitelisted.master_client_id is not null then 'whitelist'
            when best_routes.tier_territory_id is not null then 'tier_routing'
            when best_routes.default_territory_id is not null then 'region_segment_default'
            else 'unassigned'
        end as rule_type,
        coalesce(
            whitelisted.territory_id,
            best_routes.tier_territory_id,
            best_routes.default_territory_id,
            'UNASSIGNED'
        ) as territory_id,
        coalesce(
            whitelisted.rule_id,
            best_routes.tier_territory_id,
            best_routes.default_territory_id,
            'UNASSIGNED'
        ) as rule_id

    from clients
    left join whitelisted
        on clients.master_client_id = whitelisted.master_client_id
    left join best_routes
        on clients.master_client_id = best_routes.master_client_id

),

inherited as (

    -- A subsidiary follows its ultimate parent's own territory (never UNASSIGNED, never on a
    -- cycle), unless the subsidiary itself is blacklisted from it.
    select
        hierarchy.master_client_id,
        parent_resolved.territory_id,
        hierarchy.ultimate_parent_id as rule_id

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

resolved as (

    select
        own_resolved.master_client_id,
        coalesce(inherited.territory_id, own_resolved.territory_id) as territory_id,
        case
            when inherited.master_client_id is not null then 'hierarchy' else own_resolved.rule_type
        end as rule_type,
        coalesce(inherited.rule_id, own_resolved.rule_id) as rule_id,
        own_resolved.region,
        own_resolved.segment,
        own_resolved.tier

    from own_resolved
    left join inherited
        on
            own_resolved.master_client_id = inherited.master_client_id
            -- The hierarchy outranks every own rule but the whitelist.
            and own_resolved.rule_type != 'whitelist'

)

select * from resolved
