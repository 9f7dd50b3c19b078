-- Row-level security and PII masking, owned by TERRITORY_ADMIN in the managed-access
-- `governance` schema: TERRITORY_ETL can trigger attaching them (90_attach_policies.sql, or a
-- dbt post-hook) but can neither edit the policies nor the mapping tables.
use role territory_admin;
use database &{database};

-- Which regions each leadership role sees. A regional leader's role is granted
-- SALES_LEADERSHIP and gets one row per region here; region '*' means every region.
-- Region values match the views' `region` column case-insensitively.
create table if not exists governance.leadership_region_access (
    role_name varchar not null,
    region varchar not null,
    note varchar,
    constraint pk_leadership_region_access primary key (role_name, region)
)
comment = 'Row access mapping: role -> region visible in the leadership views';

-- Column names (upper case) masked for non-privileged roles wherever they appear in analytics.
create table if not exists governance.pii_columns (
    column_name varchar not null,
    reason varchar,
    constraint pk_pii_columns primary key (column_name)
)
comment = 'Client contact / PII column names masked in analytics for non-privileged roles';

merge into governance.pii_columns as target
using (
    select
        column1 as column_name,
        column2 as reason
    from
        values
        ('ADVISOR_EMAIL', 'contact: personal e-mail address'),
        ('CLIENT_EMAIL', 'contact: client e-mail address'),
        ('CLIENT_PHONE', 'contact: client phone number'),
        ('POSTAL_CODE', 'location: postal code')
) as declared
    on target.column_name = declared.column_name
when not matched then insert (column_name, reason) values (declared.column_name, declared.reason);

-- Policies: created once, then their body is set, because CREATE OR REPLACE fails while a
-- policy is attached. TERRITORY_ETL (and roles above it) and CRM_ANALYST see every row;
-- dbt's own tests on the views must see every row too.
-- Unqualified names after `use schema`: sqlfluff's grammar rejects qualified policy names here.
use schema governance;

create row access policy if not exists leadership_region_policy
as (row_region varchar) returns boolean -> false  -- noqa: LT01
comment = 'Leadership views: rows of the regions mapped to the querying role';
alter row access policy governance.leadership_region_policy set body ->
is_role_in_session('TERRITORY_ETL')
or is_role_in_session('CRM_ANALYST')
or exists (
    select 1
    from governance.leadership_region_access as mapping
    where
        is_role_in_session(mapping.role_name)
        -- row_region is the policy's argument (the view's REGION), not a mapping column.
        and (
            mapping.region = '*'
            or upper(trim(mapping.region)) = upper(trim(row_region))  -- noqa: RF03
        )
);

-- Views keyed by territory rather than region: same mapping, through the territory's region
-- in analytics.dim_territory. That table is built by dbt, so apply_policies() sets this body
-- when it runs (after a build); until then the policy shows nothing (fail closed).
create row access policy if not exists leadership_territory_policy
as (row_territory_id varchar) returns boolean -> false  -- noqa: LT01
comment = 'Leadership views: rows of territories in the regions mapped to the querying role';

create masking policy if not exists pii_string_mask
as (val varchar) returns varchar -> '***'  -- noqa: LT01
comment = 'Client contact / PII: clear for ETL and analysts, masked for everyone else';
alter masking policy governance.pii_string_mask set body ->
case
    when is_role_in_session('TERRITORY_ETL') or is_role_in_session('CRM_ANALYST') then val
    when val is null then null
    else '***MASKED***'
end;

-- Attaches the policies to what dbt built. dbt replaces tables and views on every build,
-- which drops their policies, so this runs after each build (90_attach_policies.sql, or a
-- post-hook) and is idempotent: it drops a view's row access policies before adding ours.
-- A secure view is filtered on its REGION column, else on its TERRITORY_ID column; one with
-- neither cannot be filtered, so it is not granted to SALES_LEADERSHIP and the call reports
-- FAILED (the runner then fails): fail closed.
create or replace procedure governance.apply_policies()
returns varchar
language sql
execute as owner
as
$$
declare
    attached_views integer default 0;
    masked_columns integer default 0;
    unfiltered varchar default '';
    secure_views cursor for
        select
            views.table_name,
            max(iff(columns.column_name = 'REGION', 1, 0)) as has_region,
            max(iff(columns.column_name = 'TERRITORY_ID', 1, 0)) as has_territory
        from &{database}.information_schema.views as views
        inner join &{database}.information_schema.columns as columns
            on views.table_schema = columns.table_schema
            and views.table_name = columns.table_name
        where views.table_schema = 'ANALYTICS' and views.is_secure = 'YES'
        group by views.table_name;
    pii_columns cursor for
        select
            columns.table_name,
            columns.column_name,
            tables.table_type
        from &{database}.information_schema.columns as columns
        inner join &{database}.information_schema.tables as tables
            on columns.table_schema = tables.table_schema
            and columns.table_name = tables.table_name
        inner join governance.pii_columns as pii
            on columns.column_name = pii.column_name
        where columns.table_schema = 'ANALYTICS' and columns.data_type = 'TEXT';
begin
    execute immediate 'alter row access policy governance.leadership_territory_policy set body -> '
        || 'is_role_in_session(''TERRITORY_ETL'') or is_role_in_session(''CRM_ANALYST'') '
        || 'or exists (select 1 from governance.leadership_region_access as mapping '
        || 'inner join &{database}.analytics.dim_territory as territories '
        || 'on mapping.region = ''*'' '
        || 'or upper(trim(mapping.region)) = upper(trim(territories.region)) '
        || 'where is_role_in_session(mapping.role_name) '
        || 'and territories.territory_id = row_territory_id)';
    for secure_view in secure_views do
        let view_name varchar := 'ANALYTICS."' || secure_view.table_name || '"';
        if (secure_view.has_region = 1 or secure_view.has_territory = 1) then
            let policy varchar := iff(
                secure_view.has_region = 1,
                'governance.leadership_region_policy on (region)',
                'governance.leadership_territory_policy on (territory_id)'
            );
            execute immediate 'alter view ' || view_name || ' drop all row access policies';
            execute immediate 'alter view ' || view_name || ' add row access policy ' || policy;
            execute immediate 'grant select on view ' || view_name
                || ' to role sales_leadership';
            attached_views := attached_views + 1;
        else
            execute immediate 'revoke select on view ' || view_name
                || ' from role sales_leadership';
            unfiltered := unfiltered || ' ' || secure_view.table_name;
        end if;
    end for;
    for pii_column in pii_columns do
        let kind varchar := iff(pii_column.table_type = 'VIEW', 'view', 'table');
        execute immediate 'alter ' || kind || ' ANALYTICS."' || pii_column.table_name
            || '" modify column "' || pii_column.column_name
            || '" set masking policy governance.pii_string_mask force';
        masked_columns := masked_columns + 1;
    end for;
    if (unfiltered <> '') then
        let message varchar := 'secure views without REGION or TERRITORY_ID (not granted):'
            || unfiltered;
        return 'FAILED: ' || message;
    end if;
    return 'row access policy on ' || attached_views || ' views; masking on '
        || masked_columns || ' columns';
end;
$$;

grant usage on procedure governance.apply_policies() to role territory_etl;
grant usage on schema governance to role territory_etl;
