-- Each master client's chain of parents walked to the top, at any depth. A parent already on
-- the chain means a cycle: the walk stops there and the client is flagged instead of looping.
-- Only clients with a parent are walked; the others (most) are their own top at depth 0.
with recursive

golden as (

    select * from {{ ref('int_clients_golden') }}

),

links as (

    select
        master_client_id,
        nullif(parent_master_client_id, master_client_id) as parent_master_client_id

    from golden

),

walk as (

    select
        master_client_id,
        master_client_id as ancestor_id,
        parent_master_client_id as next_parent_id,
        0 as hierarchy_depth,
        '|' || master_client_id || '|' as visited_ids,
        cast(master_client_id as {{ dbt.type_string() }}) as hierarchy_path

    from links
    where parent_master_client_id is not null

    union all

    select
        walk.master_client_id,
        parents.master_client_id as ancestor_id,
        parents.parent_master_client_id as next_parent_id,
        walk.hierarchy_depth + 1 as hierarchy_depth,
        walk.visited_ids || parents.master_client_id || '|' as visited_ids,
        parents.master_client_id || ' > ' || walk.hierarchy_path as hierarchy_path

    from walk
    inner join links as parents
        on walk.next_parent_id = parents.master_client_id
    where not contains(walk.visited_ids, '|' || parents.master_client_id || '|')

),

tops as (

    -- The last step of each walk: the ultimate parent, unless the walk ended on a cycle.
    select
        master_client_id,
        ancestor_id,
        hierarchy_depth,
        hierarchy_path,
        coalesce(contains(visited_ids, '|' || next_parent_id || '|'), false) as has_hierarchy_cycle

    from walk
    qualify row_number() over (
        partition by master_client_id
        order by hierarchy_depth desc
    ) = 1

),

walked as (

    select
        master_client_id,
        case when not has_hierarchy_cycle then ancestor_id end as ultimate_parent_id,
        cast(hierarchy_depth as integer) as hierarchy_depth,
        hierarchy_path,
        has_hierarchy_cycle

    from tops

    union all

    select
        master_client_id,
        master_client_id as ultimate_parent_id,
        0 as hierarchy_depth,
        cast(master_client_id as {{ dbt.type_string() }}) as hierarchy_path,
        false as has_hierarchy_cycle

    from links
    where parent_master_client_id is null

)

select * from walked
