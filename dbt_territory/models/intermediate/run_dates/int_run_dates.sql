-- Every run date the warehouse has built, with the built run dates just before and after it:
-- the nights of the identity map (int_client_identities), the first model every build keeps per
-- run date, so they are the nights of every per-run-date table (a night with clients has master
-- clients, assignments and advisors). One definition of "the previous night" for the models that
-- compare each night with the one before it (identity events, the audit trail, its reasons and
-- the SCD2 history).
with

identities as (

    select * from {{ ref('int_client_identities') }}

),

built_dates as (

    select distinct run_date from identities

),

sequenced as (

    select
        run_date,
        row_number() over (order by run_date) as run_number,
        lag(run_date) over (order by run_date) as previous_run_date,
        lead(run_date) over (order by run_date) as next_run_date

    from built_dates

)

select * from sequenced
