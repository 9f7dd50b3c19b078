variable "environment" {
  description = "Deployment environment; part of every resource and secret name."
  type        = string
  default     = "prod"

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be one of dev, staging, prod."
  }
}

variable "aws_region" {
  description = "AWS region of the lake bucket (same region as the Snowflake account avoids egress)."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must look like eu-west-1."
  }
}

variable "lake_bucket_name" {
  description = "Globally unique name of the lake bucket."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.lake_bucket_name))
    error_message = "lake_bucket_name must be a valid S3 bucket name."
  }
}

variable "lake_prefix" {
  description = "Key prefix of the lake inside the bucket (TERRITORY_LAKE_ROOT = s3://bucket/prefix)."
  type        = string
  default     = "lake"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_-]*$", var.lake_prefix))
    error_message = "lake_prefix must be one path segment of lowercase letters, digits, _ or -."
  }
}

variable "quarantine_expiration_days" {
  description = "Days quarantined rows (quarantine.parquet) are kept before the lifecycle deletes them."
  type        = number
  default     = 90

  validation {
    condition     = var.quarantine_expiration_days >= 30 && var.quarantine_expiration_days <= 3650
    error_message = "quarantine_expiration_days must be between 30 and 3650."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days an overwritten lake object version is kept (re-loads replace partitions)."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 7
    error_message = "noncurrent_version_expiration_days must be at least 7."
  }
}

variable "airflow_trusted_principal_arns" {
  description = "IAM principals (e.g. the MWAA execution role or an EKS IRSA role) allowed to assume the Airflow worker role."
  type        = list(string)

  validation {
    condition = alltrue([
      for arn in var.airflow_trusted_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", arn))
    ])
    error_message = "airflow_trusted_principal_arns must be IAM role ARNs."
  }
}

variable "snowflake_database" {
  description = "Snowflake database (SNOWFLAKE_DATABASE; snowflake_sql variable `database`)."
  type        = string
  default     = "TERRITORY"

  validation {
    condition     = can(regex("^[A-Z_][A-Z0-9_$]*$", var.snowflake_database))
    error_message = "snowflake_database must be an unquoted upper-case identifier."
  }
}

variable "snowflake_warehouse" {
  description = "Snowflake warehouse (SNOWFLAKE_WAREHOUSE; snowflake_sql variable `warehouse`)."
  type        = string
  default     = "TERRITORY_WH"

  validation {
    condition     = can(regex("^[A-Z_][A-Z0-9_$]*$", var.snowflake_warehouse))
    error_message = "snowflake_warehouse must be an unquoted upper-case identifier."
  }
}

variable "snowflake_credit_quota" {
  description = "Monthly credits before the resource monitor suspends the warehouse."
  type        = number
  default     = 100

  validation {
    condition     = var.snowflake_credit_quota > 0 && var.snowflake_credit_quota <= 10000
    error_message = "snowflake_credit_quota must be between 1 and 10000."
  }
}

variable "snowflake_storage_integration" {
  description = "Name of the Snowflake storage integration over the lake."
  type        = string
  default     = "TERRITORY_LAKE"

  validation {
    condition     = can(regex("^[A-Z_][A-Z0-9_$]*$", var.snowflake_storage_integration))
    error_message = "snowflake_storage_integration must be an unquoted upper-case identifier."
  }
}

variable "tags" {
  description = "Extra tags on every AWS resource (the provider adds project, environment, managed_by)."
  type        = map(string)
  default     = {}
}
