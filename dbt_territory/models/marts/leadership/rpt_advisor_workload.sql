-- Leadership: each advisor's book on the latest run date against capacity.
with

assignments as (

    select * from {{ ref('fct_client_assignment') }}
    where run_date = (select max(run_date) from {{ ref('fct_client_assignment') }})

),

advisors as (

    select * from {{ ref('dim_advisor') }}

),

books as (

    select
        advisor_key,
        count(*) as clients,
        cast(sum(case when advisor_assignment = 'retained' then 1 else 0 end) as bigint) as retained_clients

    from assignments
    where advisor_key is not null
    group by advisor_key

),

workload as (

    select
        advisors.advisor_email,
        advisors.full_name,
        advisors.territory_id,
        advisors.is_active,
        advisors.capacity,
        coalesce(books.clients, 0) as clients,
        coalesce(books.retained_clients, 0) as retained_clients,
        advisors.capacity - coalesce(books.clients, 0) as remaining_capacity

    from advisors
    left join books
        on advisors.advisor_key = books.advisor_key

)

select * from workload
