-- Observability: the run-log tables the dbt on-run-end hook appends to
-- (macro observability_log_run_results, which creates them too if they are missing - same
-- columns; a test keeps the two in step), and the views on-call reads.
-- Created here so the views exist before the first dbt run; TERRITORY_ETL appends only.
use role territory_admin;
use database &{database};

create table if not exists observability.model_execution_log (
    invocation_id varchar,
    run_date date,
    node_name varchar,
    resource_type varchar,
    status varchar,
    rows_affected bigint,
    execution_seconds double precision,
    logged_at timestamp
)
comment = 'One row per dbt node result (models, seeds, snapshots, tests) per invocation';

create table if not exists observability.layer_record_counts (
    invocation_id varchar,
    run_date date,
    layer varchar,
    relation_name varchar,
    record_count bigint,
    logged_at timestamp
)
comment = 'Rows in every relation a dbt invocation built';

create table if not exists observability.data_quality_results (
    invocation_id varchar,
    run_date date,
    test_name varchar,
    status varchar,
    failures bigint,
    message varchar,
    logged_at timestamp
)
comment = 'One row per dbt data test per invocation';

-- One row per dbt invocation, newest first: what ran, what failed, how long it took.
create or replace view observability.latest_runs
comment = 'dbt invocations, newest first, with node and failure counts'
as
with invocations as (
    select
        invocation_id,
        max(run_date) as run_date,
        min(logged_at) as logged_at,
        count(*) as nodes,
        count_if(status in ('error', 'fail')) as failed_nodes,
        count_if(resource_type = 'test' and status = 'warn') as warned_tests,
        sum(execution_seconds) as execution_seconds
    from observability.model_execution_log
    group by invocation_id
),

ranked as (
    select
        *,
        row_number() over (
            partition by run_date order by logged_at desc
        ) = 1 as is_latest_for_run_date
    from invocations
)

select * from ranked;

-- Data tests that failed, errored or warned in the last 14 days.
create or replace view observability.recent_data_quality_failures
comment = 'Data tests that did not pass in the last 14 days'
as
with results as (
    select * from observability.data_quality_results
),

recent_failures as (
    select *
    from results
    where
        status in ('fail', 'error', 'warn')
        and logged_at >= dateadd(day, -14, current_timestamp()::timestamp_ntz)
)

select * from recent_failures;

-- Row counts per relation and run date with the change from the previous run date.
create or replace view observability.record_count_trends
comment = 'Rows per relation per run date, with the change from the previous run date'
as
with counts as (
    select
        run_date,
        layer,
        relation_name,
        record_count,
        row_number() over (
            partition by relation_name, run_date order by logged_at desc
        ) as recency
    from observability.layer_record_counts
    where run_date is not null
),

latest_per_run_date as (
    select
        run_date,
        layer,
        relation_name,
        record_count
    from counts
    where recency = 1
),

with_previous as (
    select
        *,
        lag(record_count) over (
            partition by relation_name order by run_date
        ) as previous_record_count
    from latest_per_run_date
),

trends as (
    select
        *,
        record_count - previous_record_count as record_count_change
    from with_previous
)

select * from trends;

grant select, insert on table observability.model_execution_log to role territory_etl;
grant select, insert on table observability.layer_record_counts to role territory_etl;
grant select, insert on table observability.data_quality_results to role territory_etl;
