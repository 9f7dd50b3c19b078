-- On the newest run date the coverage marts (every night, every row) and the leadership views
-- (the newest night) report the same territory staffing and advisor books: one business
-- number, one value, whoever reads it. AUM within a cent (fakesnow sums decimals as floats).
with

newest as (

    select max(run_date) as run_date from {{ ref('fct_client_assignment') }}

),

staffing as (

    select rpt_territory_staffing.*
    from {{ ref('rpt_territory_staffing') }}
    inner join newest
        on rpt_territory_staffing.run_date = newest.run_date

),

-- Before any night is built the views still list every territory (with zeros): nothing to
-- compare then.
summary as (

    select rpt_territory_summary.*
    from {{ ref('rpt_territory_summary') }}
    inner join newest
        on newest.run_date is not null

),

books as (

    select rpt_advisor_books.*
    from {{ ref('rpt_advisor_books') }}
    inner join newest
        on rpt_advisor_books.run_date = newest.run_date

),

workload as (

    select rpt_advisor_workload.*
    from {{ ref('rpt_advisor_workload') }}
    inner join newest
        on newest.run_date is not null

),

territory_differences as (

    select
        'territory' as kind,
        coalesce(staffing.territory_id, summary.territory_id) as id

    from staffing
    full outer join summary
        on staffing.territory_id = summary.territory_id
    where
        staffing.territory_id is null
        or summary.territory_id is null
        or staffing.clients <> summary.clients
        or abs(staffing.total_aum_usd - summary.total_aum_usd) >= 0.01
        or staffing.clients_without_advisor <> summary.clients_without_advisor
        or staffing.active_advisors <> summary.active_advisors
        or staffing.total_capacity <> summary.total_capacity

),

advisor_differences as (

    select
        'advisor' as kind,
        coalesce(books.advisor_email, workload.advisor_email) as id

    from books
    full outer join workload
        on
            books.advisor_email = workload.advisor_email
            and books.territory_id = workload.territory_id
    where
        books.advisor_key is null
        or workload.advisor_email is null
        or books.clients <> workload.clients
        or books.retained_clients <> workload.retained_clients
        or books.remaining_capacity is distinct from workload.remaining_capacity

)

select * from territory_differences
union all
select * from advisor_differences
