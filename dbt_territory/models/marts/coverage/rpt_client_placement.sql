-- Each master client on the newest night with where it sits in its corporate family and why
-- it sits there, in words: the console's hierarchy explorer shows placement_reason as it is,
-- so the reading of the deciding rule lives here, beside the facts it reads.
with

clients as (

    select * from {{ ref('dim_client') }}

),

assignments as (

    select * from {{ ref('fct_client_assignment') }}
    where run_date = (select max(run_date) from {{ ref('fct_client_assignment') }})

),

blacklists as (

    select distinct
        master_client_id,
        territory_id

    from {{ ref('int_rules_activated') }}
    where rule_list = 'blacklist' and master_client_id is not null

),

placed as (

    select
        assignments.run_date,
        clients.master_client_id,
        clients.client_name,
        clients.country,
        clients.aum_usd,
        clients.parent_master_client_id,
        clients.ultimate_parent_id,
        -- A client on a parent-chain cycle has no ultimate parent: it is its own family root.
        coalesce(clients.ultimate_parent_id, clients.master_client_id) as family_root_id,
        clients.hierarchy_depth,
        clients.has_hierarchy_cycle,
        assignments.territory_id,
        assignments.rule_type,
        assignments.rule_id,
        assignments.advisor_email,
        root_assignments.territory_id as family_root_territory_id,
        blacklists.master_client_id is not null as is_blacklisted_from_family_root

    from clients
    left join assignments
        on clients.master_client_id = assignments.master_client_id
    left join assignments as root_assignments
        on
            coalesce(clients.ultimate_parent_id, clients.master_client_id)
            = root_assignments.master_client_id
    left join blacklists
        on
            clients.master_client_id = blacklists.master_client_id
            and root_assignments.territory_id = blacklists.territory_id

),

explained as (

    select
        placed.*,
        coalesce(placed.territory_id = placed.family_root_territory_id, false)
            as is_with_family_root,
        case
            when placed.master_client_id = placed.family_root_id then 'ultimate parent'
            when placed.rule_type = 'hierarchy' then 'follows its ultimate parent'
            when placed.rule_type = 'whitelist' then 'whitelisted to ' || placed.territory_id
            when placed.is_blacklisted_from_family_root
                then
                    'blacklisted from ' || placed.family_root_territory_id
                    || '; routed by ' || placed.rule_type
            when placed.has_hierarchy_cycle
                then 'parent chain has a cycle; routed by ' || placed.rule_type
            when placed.family_root_territory_id = 'UNASSIGNED'
                then 'parent is unassigned; routed by ' || placed.rule_type
            else 'routed by ' || coalesce(placed.rule_type, 'no rule (not assigned tonight)')
        end as placement_reason

    from placed

)

select * from explained
