-- Leadership: per territory on the latest run date - clients, AUM, advisors, capacity use.
-- The latest night of rpt_territory_staffing, where these figures are computed.
with

staffing as (

    select * from {{ ref('rpt_territory_staffing') }}
    where run_date = (select max(run_date) from {{ ref('rpt_territory_staffing') }})

),

summary as (

    select
        territory_id,
        territory_name,
        region,
        segment,
        tier,
        clients,
        total_aum_usd,
        clients_without_advisor,
        active_advisors,
        total_capacity

    from staffing

)

select * from summary
