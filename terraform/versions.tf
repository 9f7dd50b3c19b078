# Terraform and provider versions, and the remote state backend.
terraform {
  required_version = ">= 1.10.0" # S3 native state locking (use_lockfile)

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
    snowflake = {
      source  = "snowflakedb/snowflake"
      version = "~> 1.0"
    }
  }

  # Remote state: S3 with native lock files. The settings live in a per-environment file
  # (see backend.hcl.example) so no account id or bucket is hard-coded here:
  #   terraform init -backend-config=backend.hcl
  backend "s3" {}
}
