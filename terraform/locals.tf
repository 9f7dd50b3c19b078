locals {
  name          = "territory-${var.environment}"
  account_id    = data.aws_caller_identity.current.account_id
  partition     = data.aws_partition.current.partition
  lake_url      = "s3://${var.lake_bucket_name}/${var.lake_prefix}/"
  secret_prefix = "territory/${var.environment}/" # pragma: allowlist secret
  # The role name is fixed so its ARN is known before the role exists: the storage
  # integration needs the ARN, and the role's trust policy needs the integration's outputs.
  snowflake_lake_role_name = "${local.name}-snowflake-lake"
  snowflake_lake_role_arn  = "arn:${local.partition}:iam::${local.account_id}:role/${local.snowflake_lake_role_name}"
}
