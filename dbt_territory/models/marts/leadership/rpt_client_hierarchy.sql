-- Leadership: each client's corporate family and whether it sits with its ultimate parent.
with

clients as (

    select * from {{ ref('dim_client') }}

),

assignments as (

    select * from {{ ref('fct_client_assignment') }}
    where run_date = (select max(run_date) from {{ ref('fct_client_assignment') }})

),

families as (

    select
        clients.master_client_id,
        clients.client_name,
        clients.ultimate_parent_id,
        parents.client_name as ultimate_parent_name,
        clients.hierarchy_depth,
        clients.hierarchy_path,
        clients.has_hierarchy_cycle,
        client_assignments.territory_id,
        parent_assignments.territory_id as ultimate_parent_territory_id,
        client_assignments.territory_id = parent_assignments.territory_id as is_with_ultimate_parent

    from clients
    left join clients as parents
        on clients.ultimate_parent_id = parents.master_client_id
    left join assignments as client_assignments
        on clients.master_client_id = client_assignments.master_client_id
    left join assignments as parent_assignments
        on clients.ultimate_parent_id = parent_assignments.master_client_id

)

select * from families
