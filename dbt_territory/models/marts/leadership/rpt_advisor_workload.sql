-- Leadership: each advisor's book on the latest run date against capacity.
-- The latest night of rpt_advisor_books, where these figures are computed.
with

books as (

    select * from {{ ref('rpt_advisor_books') }}
    where run_date = (select max(run_date) from {{ ref('rpt_advisor_books') }})

),

workload as (

    select
        advisor_email,
        full_name,
        territory_id,
        is_active,
        capacity,
        clients,
        retained_clients,
        remaining_capacity

    from books

)

select * from workload
