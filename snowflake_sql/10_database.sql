-- Database and schemas, owned by TERRITORY_ADMIN.
-- SYSADMIN creates the database (TERRITORY_ADMIN has no account-level CREATE rights) and
-- hands it over; copy current grants keeps the transfer re-runnable.
use role sysadmin;

create database if not exists &{database}
    comment = 'Territory: CRM territory and segmentation engine';
grant ownership on database &{database} to role territory_admin copy current grants;

use role territory_admin;
use database &{database};

-- Time travel per schema (DATA_RETENTION_TIME_IN_DAYS; Fail-safe adds 7 days on permanent
-- schemas): a day where a table is rebuilt from the lake or by the next dbt build anyway, a
-- week for the marts and run records (undo a bad night's build), a month for governance
-- (policies and the role-to-region mapping change rarely and by hand). The numbers are
-- terraform/snowflake.tf's too (tests/snowflake/test_retention.py).
-- raw: loader tables (transient: rebuilt from the lake at will, Fail-safe buys nothing).
create transient schema if not exists raw data_retention_time_in_days = 0
    comment = 'Raw tables loaded from the lake by the loaders';
create schema if not exists staging data_retention_time_in_days = 1
    comment = 'dbt staging views and seeds';
create schema if not exists intermediate data_retention_time_in_days = 1
    comment = 'dbt intermediate models';
create schema if not exists analytics data_retention_time_in_days = 7
    comment = 'dbt marts: dimensions, facts, reports and the leadership secure views';
create schema if not exists observability data_retention_time_in_days = 7
    comment = 'dbt run results, data-quality results and record counts';
-- governance: policies and their mapping tables; only TERRITORY_ADMIN can change them.
create schema if not exists governance with managed access data_retention_time_in_days = 30
    comment = 'Row access and masking policies, role-to-region mapping';
-- Schemas created by an earlier version keep their retention otherwise.
alter schema raw set data_retention_time_in_days = 0;
alter schema staging set data_retention_time_in_days = 1;
alter schema intermediate set data_retention_time_in_days = 1;
alter schema analytics set data_retention_time_in_days = 7;
alter schema observability set data_retention_time_in_days = 7;
alter schema governance set data_retention_time_in_days = 30;
