# Credentials never appear here: the AWS provider uses the standard chain (SSO profile,
# CI OIDC role); the Snowflake provider reads SNOWFLAKE_ORGANIZATION_NAME,
# SNOWFLAKE_ACCOUNT_NAME, SNOWFLAKE_USER and SNOWFLAKE_PRIVATE_KEY from the environment.
provider "aws" {
  region = var.aws_region

  default_tags {
    tags = merge(var.tags, {
      project     = "territory"
      environment = var.environment
      managed_by  = "terraform"
    })
  }
}

# Roles, grants and the database are created as SECURITYADMIN / SYSADMIN like
# snowflake_sql/; the storage integration and resource monitor need ACCOUNTADMIN.
provider "snowflake" {
  role = "ACCOUNTADMIN"
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}
