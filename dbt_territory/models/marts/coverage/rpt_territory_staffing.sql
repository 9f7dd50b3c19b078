-- Per run date and territory: clients, AUM, the clients no advisor took (and why), active
-- advisors, capacity and how much of it the advised clients use. Every territory of
-- dim_territory on every built run date (zeros where it has no clients); AUM and staffing come
-- from the dimensions as last built (dim_client, dim_advisor).
with

assignments as (

    select * from {{ ref('fct_client_assignment') }}

),

clients as (

    select * from {{ ref('dim_client') }}

),

territories as (

    select * from {{ ref('dim_territory') }}

),

active_advisors as (

    select * from {{ ref('dim_advisor') }}
    where is_active

),

run_dates as (

    select run_date from {{ ref('int_run_dates') }}

),

assigned as (

    select
        assignments.run_date,
        assignments.territory_id,
        count(*) as clients,
        sum(clients.aum_usd) as total_aum_usd,
        sum(case when assignments.advisor_email is null then 1 else 0 end) as clients_without_advisor,
        sum(case when assignments.advisor_assignment = 'not_staffed' then 1 else 0 end)
            as not_staffed_clients,
        sum(case when assignments.advisor_assignment = 'over_capacity' then 1 else 0 end)
            as over_capacity_clients

    from assignments
    left join clients
        on assignments.client_key = clients.client_key
    group by assignments.run_date, assignments.territory_id

),

staffed as (

    select
        territory_id,
        count(*) as active_advisors,
        sum(capacity) as total_capacity

    from active_advisors
    group by territory_id

),

staffing as (

    select
        run_dates.run_date,
        territories.territory_id,
        territories.territory_name,
        territories.region,
        territories.segment,
        territories.tier,
        territories.is_unassigned,
        cast(coalesce(assigned.clients, 0) as bigint) as clients,
        cast(coalesce(assigned.total_aum_usd, 0) as decimal(38, 2)) as total_aum_usd,
        cast(coalesce(assigned.clients_without_advisor, 0) as bigint) as clients_without_advisor,
        cast(coalesce(assigned.not_staffed_clients, 0) as bigint) as not_staffed_clients,
        cast(coalesce(assigned.over_capacity_clients, 0) as bigint) as over_capacity_clients,
        cast(coalesce(staffed.active_advisors, 0) as bigint) as active_advisors,
        cast(coalesce(staffed.total_capacity, 0) as bigint) as total_capacity

    from run_dates
    cross join territories
    left join assigned
        on
            run_dates.run_date = assigned.run_date
            and territories.territory_id = assigned.territory_id
    left join staffed
        on territories.territory_id = staffed.territory_id

),

final as (

    select
        *,
        case
            when total_capacity <> 0
                then cast(clients - clients_without_advisor as double) / total_capacity
        end as capacity_load

    from staffing

)

select * from final
