-- Roles and their hierarchy (run as SECURITYADMIN, which owns roles).
-- Every role rolls up to TERRITORY_ADMIN, and TERRITORY_ADMIN to SYSADMIN, so account
-- administrators can see and manage everything the project creates.
use role securityadmin;

create role if not exists territory_admin
    comment = 'Territory: owns the database, schemas, warehouse, stage and policies';
create role if not exists territory_etl
    comment = 'Territory: loaders and dbt; creates and writes tables in its schemas';
create role if not exists crm_analyst
    comment = 'Territory: reads the analytics and observability schemas';
create role if not exists sales_leadership
    comment = 'Territory: reads only the leadership secure views, filtered by region';

grant role territory_etl to role territory_admin;
grant role crm_analyst to role territory_admin;
grant role sales_leadership to role territory_admin;
grant role territory_admin to role sysadmin;
