-- Least-privilege grants. TERRITORY_ETL: use the warehouse, create tables/views in the
-- schemas it builds (stage: 50_lake_stage.sql); it owns, and so can insert/merge/swap,
-- what it creates.
-- Readers get SELECT through future grants, so every new dbt object is covered on creation.
-- GRANT is idempotent: re-running changes nothing. Future grants need MANAGE GRANTS, so this
-- runs as SECURITYADMIN.
use role securityadmin;
use database &{database};

-- Compute.
grant usage on warehouse &{warehouse} to role territory_etl;
grant usage on warehouse &{warehouse} to role crm_analyst;
grant usage on warehouse &{warehouse} to role sales_leadership;

-- TERRITORY_ETL: loaders (raw) and dbt (every modelled schema). No CREATE SCHEMA: the
-- schemas exist, and dbt only creates the ones it cannot find.
grant usage on database &{database} to role territory_etl;
grant usage, create table on schema raw to role territory_etl;
grant usage, create table, create view on schema staging to role territory_etl;
grant usage, create table, create view on schema intermediate to role territory_etl;
grant usage, create table, create view on schema analytics to role territory_etl;
grant usage, create table, create view on schema observability to role territory_etl;

-- CRM_ANALYST: read the marts and the pipeline's observability tables.
grant usage on database &{database} to role crm_analyst;
grant usage on schema analytics to role crm_analyst;
grant usage on schema observability to role crm_analyst;
grant select on all tables in schema analytics to role crm_analyst;
grant select on all views in schema analytics to role crm_analyst;
grant select on future tables in schema analytics to role crm_analyst;
grant select on future views in schema analytics to role crm_analyst;
grant select on all tables in schema observability to role crm_analyst;
grant select on all views in schema observability to role crm_analyst;
grant select on future tables in schema observability to role crm_analyst;
grant select on future views in schema observability to role crm_analyst;

-- SALES_LEADERSHIP: usage only; SELECT on the leadership secure views is granted per view,
-- after their row access policy is attached (90_attach_policies.sql).
grant usage on database &{database} to role sales_leadership;
grant usage on schema analytics to role sales_leadership;
