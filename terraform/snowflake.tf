# Snowflake account objects. Source of truth, by object (README "Snowflake + AWS"):
#   Terraform (this file) : roles and hierarchy, warehouse, resource monitor, database,
#                           schemas, storage integration, schema and future grants.
#   snowflake_sql/        : file format and stage (50), row access and masking policies, their
#                           mapping tables and the attach procedure (60, 90) - in-database
#                           governance objects the provider does not manage well.
# snowflake_sql/00-40 create the same account objects for accounts run without Terraform;
# tests/terraform/test_terraform.py fails when the two declare different names or grants.

locals {
  roles = {
    TERRITORY_ADMIN  = "Territory: owns the database, schemas, warehouse, stage and policies"
    TERRITORY_ETL    = "Territory: loaders and dbt; creates and writes tables in its schemas"
    CRM_ANALYST      = "Territory: reads the analytics and observability schemas"
    SALES_LEADERSHIP = "Territory: reads only the leadership secure views, filtered by region"
  }
  # child role => parent role
  role_hierarchy = {
    TERRITORY_ETL    = "TERRITORY_ADMIN"
    CRM_ANALYST      = "TERRITORY_ADMIN"
    SALES_LEADERSHIP = "TERRITORY_ADMIN"
    TERRITORY_ADMIN  = "SYSADMIN"
  }
  schemas = {
    RAW           = { transient = true, managed_access = false, retention_days = 0, comment = "Raw tables loaded from the lake by the loaders" }
    STAGING       = { transient = false, managed_access = false, retention_days = 1, comment = "dbt staging views and seeds" }
    INTERMEDIATE  = { transient = false, managed_access = false, retention_days = 1, comment = "dbt intermediate models" }
    ANALYTICS     = { transient = false, managed_access = false, retention_days = 7, comment = "dbt marts: dimensions, facts, reports and the leadership secure views" }
    OBSERVABILITY = { transient = false, managed_access = false, retention_days = 7, comment = "dbt run results, data-quality results and record counts" }
    GOVERNANCE    = { transient = false, managed_access = true, retention_days = 30, comment = "Row access and masking policies, role-to-region mapping" }
  }
  # role => schema => privileges (the same grants as snowflake_sql/40_grants.sql)
  schema_grants = {
    TERRITORY_ETL = {
      RAW           = ["USAGE", "CREATE TABLE"]
      STAGING       = ["USAGE", "CREATE TABLE", "CREATE VIEW"]
      INTERMEDIATE  = ["USAGE", "CREATE TABLE", "CREATE VIEW"]
      ANALYTICS     = ["USAGE", "CREATE TABLE", "CREATE VIEW"]
      OBSERVABILITY = ["USAGE", "CREATE TABLE", "CREATE VIEW"]
    }
    CRM_ANALYST = {
      ANALYTICS     = ["USAGE"]
      OBSERVABILITY = ["USAGE"]
    }
    SALES_LEADERSHIP = {
      ANALYTICS = ["USAGE"]
    }
  }
  # SELECT on existing and future tables and views: role => schemas
  reader_schemas = {
    CRM_ANALYST = ["ANALYTICS", "OBSERVABILITY"]
  }
  warehouse_users = ["TERRITORY_ETL", "CRM_ANALYST", "SALES_LEADERSHIP"]
  database_users  = ["TERRITORY_ETL", "CRM_ANALYST", "SALES_LEADERSHIP"]

  schema_grant_list = flatten([
    for role, schemas in local.schema_grants : [
      for schema, privileges in schemas : { role = role, schema = schema, privileges = privileges }
    ]
  ])
  reader_grant_list = flatten([
    for role, schemas in local.reader_schemas : [
      for schema in schemas : [
        for kind in ["TABLES", "VIEWS"] : { role = role, schema = schema, kind = kind }
      ]
    ]
  ])
}

# --- Roles ---------------------------------------------------------------------------------------
resource "snowflake_account_role" "territory" {
  for_each = local.roles
  name     = each.key
  comment  = each.value
}

resource "snowflake_grant_account_role" "hierarchy" {
  for_each         = local.role_hierarchy
  role_name        = each.key
  parent_role_name = each.value
  depends_on       = [snowflake_account_role.territory]
}

# --- Compute -------------------------------------------------------------------------------------
resource "snowflake_resource_monitor" "territory" {
  name                      = "TERRITORY_MONITOR"
  credit_quota              = var.snowflake_credit_quota
  frequency                 = "MONTHLY"
  start_timestamp           = "IMMEDIATELY"
  notify_triggers           = [80]
  suspend_trigger           = 100
  suspend_immediate_trigger = 110
}

resource "snowflake_warehouse" "territory" {
  name                = var.snowflake_warehouse
  warehouse_size      = "XSMALL"
  auto_suspend        = 60
  auto_resume         = "true"
  initially_suspended = true
  resource_monitor    = snowflake_resource_monitor.territory.name
  comment             = "Territory: loaders, dbt and BI"
}

resource "snowflake_grant_ownership" "warehouse" {
  account_role_name   = snowflake_account_role.territory["TERRITORY_ADMIN"].name
  outbound_privileges = "COPY"
  on {
    object_type = "WAREHOUSE"
    object_name = snowflake_warehouse.territory.name
  }
}

# --- Database and schemas ------------------------------------------------------------------------
resource "snowflake_database" "territory" {
  name    = var.snowflake_database
  comment = "Territory: CRM territory and segmentation engine"
}

resource "snowflake_grant_ownership" "database" {
  account_role_name   = snowflake_account_role.territory["TERRITORY_ADMIN"].name
  outbound_privileges = "COPY"
  on {
    object_type = "DATABASE"
    object_name = snowflake_database.territory.name
  }
}

resource "snowflake_schema" "territory" {
  for_each            = local.schemas
  database            = snowflake_database.territory.name
  name                = each.key
  is_transient        = each.value.transient
  with_managed_access = each.value.managed_access ? "true" : "false"
  comment             = each.value.comment
  # time travel per schema: snowflake_sql/10_database.sql says why
  data_retention_time_in_days = each.value.retention_days
}

# --- Storage integration over the lake (trust handshake: iam.tf) ---------------------------------
resource "snowflake_storage_integration" "lake" {
  name                      = var.snowflake_storage_integration
  type                      = "EXTERNAL_STAGE"
  storage_provider          = "S3"
  enabled                   = true
  storage_aws_role_arn      = local.snowflake_lake_role_arn
  storage_allowed_locations = [local.lake_url]
}

resource "snowflake_grant_privileges_to_account_role" "integration" {
  account_role_name = snowflake_account_role.territory["TERRITORY_ADMIN"].name
  privileges        = ["USAGE"]
  on_account_object {
    object_type = "INTEGRATION"
    object_name = snowflake_storage_integration.lake.name
  }
}

# --- Grants --------------------------------------------------------------------------------------
resource "snowflake_grant_privileges_to_account_role" "warehouse_usage" {
  for_each          = toset(local.warehouse_users)
  account_role_name = snowflake_account_role.territory[each.key].name
  privileges        = ["USAGE"]
  on_account_object {
    object_type = "WAREHOUSE"
    object_name = snowflake_warehouse.territory.name
  }
}

resource "snowflake_grant_privileges_to_account_role" "database_usage" {
  for_each          = toset(local.database_users)
  account_role_name = snowflake_account_role.territory[each.key].name
  privileges        = ["USAGE"]
  on_account_object {
    object_type = "DATABASE"
    object_name = snowflake_database.territory.name
  }
}

resource "snowflake_grant_privileges_to_account_role" "schema" {
  for_each          = { for grant in local.schema_grant_list : "${grant.role}.${grant.schema}" => grant }
  account_role_name = snowflake_account_role.territory[each.value.role].name
  privileges        = each.value.privileges
  on_schema {
    schema_name = "\"${snowflake_database.territory.name}\".\"${snowflake_schema.territory[each.value.schema].name}\""
  }
}

resource "snowflake_grant_privileges_to_account_role" "existing_objects" {
  for_each          = { for grant in local.reader_grant_list : "${grant.role}.${grant.schema}.${grant.kind}" => grant }
  account_role_name = snowflake_account_role.territory[each.value.role].name
  privileges        = ["SELECT"]
  on_schema_object {
    all {
      object_type_plural = each.value.kind
      in_schema          = "\"${snowflake_database.territory.name}\".\"${snowflake_schema.territory[each.value.schema].name}\""
    }
  }
}

resource "snowflake_grant_privileges_to_account_role" "future_objects" {
  for_each          = { for grant in local.reader_grant_list : "${grant.role}.${grant.schema}.${grant.kind}" => grant }
  account_role_name = snowflake_account_role.territory[each.value.role].name
  privileges        = ["SELECT"]
  on_schema_object {
    future {
      object_type_plural = each.value.kind
      in_schema          = "\"${snowflake_database.territory.name}\".\"${snowflake_schema.territory[each.value.schema].name}\""
    }
  }
}
