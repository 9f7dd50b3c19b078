-- Per run date and roster line (advisor, territory): the advisor's book against capacity, and
-- the clients of the territory that no advisor could take because every active one was full.
-- Every line of dim_advisor on every built run date (zeros where its book is empty).
with

assignments as (

    select * from {{ ref('fct_client_assignment') }}
    where advisor_key is not null

),

advisors as (

    select * from {{ ref('dim_advisor') }}

),

territories as (

    select * from {{ ref('rpt_territory_staffing') }}

),

run_dates as (

    select run_date from {{ ref('int_run_dates') }}

),

books as (

    select
        run_date,
        advisor_key,
        count(*) as clients,
        sum(case when advisor_assignment = 'retained' then 1 else 0 end) as retained_clients,
        sum(case when advisor_assignment = 'placed' then 1 else 0 end) as placed_clients

    from assignments
    group by run_date, advisor_key

),

workload as (

    select
        run_dates.run_date,
        advisors.advisor_key,
        advisors.advisor_email,
        advisors.full_name,
        advisors.territory_id,
        advisors.is_active,
        advisors.capacity,
        cast(coalesce(books.clients, 0) as bigint) as clients,
        cast(coalesce(books.retained_clients, 0) as bigint) as retained_clients,
        cast(coalesce(books.placed_clients, 0) as bigint) as placed_clients,
        cast(coalesce(territories.over_capacity_clients, 0) as bigint) as territory_over_capacity_clients

    from run_dates
    cross join advisors
    left join books
        on
            run_dates.run_date = books.run_date
            and advisors.advisor_key = books.advisor_key
    left join territories
        on
            run_dates.run_date = territories.run_date
            and advisors.territory_id = territories.territory_id

),

final as (

    select
        *,
        cast(capacity - clients as bigint) as remaining_capacity,
        case when capacity <> 0 then cast(clients as double) / capacity end as capacity_load,
        coalesce(is_active, false) and clients >= coalesce(capacity, 0) as is_full

    from workload

)

select * from final
