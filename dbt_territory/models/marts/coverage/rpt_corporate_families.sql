-- Per run date and corporate family (an ultimate parent with at least one subsidiary): the
-- parent's territory that night, its subsidiaries, and how many of them sit apart from it (in
-- another territory, or with no assignment that night). Families from dim_client as last built.
with

clients as (

    select * from {{ ref('dim_client') }}

),

assignments as (

    select * from {{ ref('fct_client_assignment') }}

),

run_dates as (

    select run_date from {{ ref('int_run_dates') }}

),

subsidiaries as (

    select
        ultimate_parent_id,
        master_client_id

    from clients
    where ultimate_parent_id is not null and ultimate_parent_id <> master_client_id

),

parents as (

    select
        master_client_id,
        client_name

    from clients
    where master_client_id in (select subsidiaries.ultimate_parent_id from subsidiaries)

),

members as (

    select master_client_id from subsidiaries
    union distinct
    select master_client_id from parents

),

-- Each night's territory of every client in a family, parent or subsidiary (null: none).
member_nights as (

    select
        run_dates.run_date,
        members.master_client_id,
        assignments.territory_id

    from run_dates
    cross join members
    left join assignments
        on
            run_dates.run_date = assignments.run_date
            and members.master_client_id = assignments.master_client_id

),

families as (

    select
        parent_nights.run_date,
        parents.master_client_id as ultimate_parent_id,
        parents.client_name as ultimate_parent_name,
        parent_nights.territory_id,
        cast(count(*) as bigint) as subsidiaries,
        cast(
            sum(
                case
                    when subsidiary_nights.territory_id is distinct from parent_nights.territory_id
                        then 1
                    else 0
                end
            ) as bigint
        ) as subsidiaries_apart

    from subsidiaries
    inner join parents
        on subsidiaries.ultimate_parent_id = parents.master_client_id
    inner join member_nights as parent_nights
        on parents.master_client_id = parent_nights.master_client_id
    inner join member_nights as subsidiary_nights
        on
            subsidiaries.master_client_id = subsidiary_nights.master_client_id
            and parent_nights.run_date = subsidiary_nights.run_date
    group by
        parent_nights.run_date,
        parents.master_client_id,
        parents.client_name,
        parent_nights.territory_id

)

select * from families
