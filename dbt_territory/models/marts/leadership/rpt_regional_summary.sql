-- Leadership: clients and AUM per region, segment and tier on the latest run date.
with

assignments as (

    select * from {{ ref('fct_client_assignment') }}
    where run_date = (select max(run_date) from {{ ref('fct_client_assignment') }})

),

clients as (

    select * from {{ ref('dim_client') }}

),

summary as (

    select
        clients.region_key as region,
        clients.segment_key as segment,
        assignments.tier,
        count(*) as clients,
        cast(sum(clients.aum_usd) as decimal(38, 2)) as total_aum_usd,
        cast(sum(case when assignments.territory_id = 'UNASSIGNED' then 1 else 0 end) as bigint)
            as unassigned_clients

    from assignments
    left join clients
        on assignments.client_key = clients.client_key
    group by clients.region_key, clients.segment_key, assignments.tier

)

select * from summary
