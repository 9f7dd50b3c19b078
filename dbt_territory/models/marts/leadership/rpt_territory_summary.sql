-- Leadership: per territory on the latest run date - clients, AUM, advisors, capacity use.
with

assignments as (

    select * from {{ ref('fct_client_assignment') }}
    where run_date = (select max(run_date) from {{ ref('fct_client_assignment') }})

),

clients as (

    select * from {{ ref('dim_client') }}

),

territories as (

    select * from {{ ref('dim_territory') }}

),

advisors as (

    select * from {{ ref('dim_advisor') }}
    where is_active

),

capacity as (

    select
        territory_id,
        count(*) as active_advisors,
        cast(sum(capacity) as bigint) as total_capacity

    from advisors
    group by territory_id

),

assigned as (

    select
        assignments.territory_id,
        count(*) as clients,
        cast(sum(clients.aum_usd) as decimal(38, 2)) as total_aum_usd,
        cast(sum(case when assignments.advisor_email is null then 1 else 0 end) as bigint)
            as clients_without_advisor

    from assignments
    left join clients
        on assignments.client_key = clients.client_key
    group by assignments.territory_id

),

summary as (

    select
        territories.territory_id,
        territories.territory_name,
        territories.region,
        territories.segment,
        territories.tier,
        coalesce(assigned.clients, 0) as clients,
        coalesce(assigned.total_aum_usd, 0) as total_aum_usd,
        coalesce(assigned.clients_without_advisor, 0) as clients_without_advisor,
        coalesce(capacity.active_advisors, 0) as active_advisors,
        coalesce(capacity.total_capacity, 0) as total_capacity

    from territories
    left join assigned
        on territories.territory_id = assigned.territory_id
    left join capacity
        on territories.territory_id = capacity.territory_id

)

select * from summary
