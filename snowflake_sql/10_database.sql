-- Database and schemas, owned by TERRITORY_ADMIN.
-- SYSADMIN creates the database (TERRITORY_ADMIN has no account-level CREATE rights) and
-- hands it over; copy current grants keeps the transfer re-runnable.
use role sysadmin;

create database if not exists &{database}
    comment = 'Territory: CRM territory and segmentation engine';
grant ownership on database &{database} to role territory_admin copy current grants;

use role territory_admin;
use database &{database};

-- raw: loader tables (transient: rebuilt from the lake at will, Fail-safe buys nothing).
create transient schema if not exists raw
    comment = 'Raw tables loaded from the lake by the loaders';
create schema if not exists staging comment = 'dbt staging views and seeds';
create schema if not exists intermediate comment = 'dbt intermediate models';
create schema if not exists analytics
    comment = 'dbt marts: dimensions, facts, reports and the leadership secure views';
create schema if not exists snapshots comment = 'dbt snapshots (assignment history)';
create schema if not exists observability
    comment = 'dbt run results, data-quality results and record counts';
-- governance: policies and their mapping tables; only TERRITORY_ADMIN can change them.
create schema if not exists governance with managed access
    comment = 'Row access and masking policies, role-to-region mapping';
