output "lake_url" {
  description = "TERRITORY_LAKE_ROOT for loaders and Airflow."
  value       = "s3://${aws_s3_bucket.lake.bucket}/${var.lake_prefix}"
}

output "lake_kms_key_arn" {
  description = "TERRITORY_S3_KMS_KEY_ID: the key the loaders encrypt lake objects with."
  value       = aws_kms_key.territory.arn
}

output "snowflake_lake_role_arn" {
  description = "TERRITORY_SNOWFLAKE_LAKE_ROLE_ARN for `territory snowflake-setup`."
  value       = aws_iam_role.snowflake_lake.arn
}

output "snowflake_storage_integration_iam_user_arn" {
  description = "The IAM user Snowflake generated for the integration (trusted by the lake role)."
  value       = snowflake_storage_integration.lake.storage_aws_iam_user_arn
}

output "airflow_worker_role_arn" {
  description = "Role for Airflow workers (MWAA execution role / EKS service account)."
  value       = aws_iam_role.airflow_worker.arn
}

output "secret_ids" {
  description = "TERRITORY_SECRET_IDS for loaders and Airflow (values set out of band)."
  value       = join(",", [aws_secretsmanager_secret.snowflake.name, aws_secretsmanager_secret.loader.name])
}
