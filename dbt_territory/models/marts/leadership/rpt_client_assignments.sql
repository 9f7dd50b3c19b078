-- Leadership: every client's current assignment with its golden record and deciding rule.
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

joined as (

    select
        assignments.run_date,
        assignments.master_client_id,
        clients.client_name,
        clients.country,
        clients.aum_usd,
        assignments.tier,
        assignments.territory_id,
        territories.territory_name,
        assignments.advisor_email,
        assignments.rule_type,
        assignments.rule_id

    from assignments
    left join clients
        on assignments.client_key = clients.client_key
    left join territories
        on assignments.territory_key = territories.territory_key

)

select * from joined
