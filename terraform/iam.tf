# --- The role Snowflake assumes through the storage integration -------------------------------
# Trusted: only the IAM user Snowflake generated for our integration, and only with the
# integration's external id (confused-deputy protection). Allowed: read the lake prefix.
resource "aws_iam_role" "snowflake_lake" {
  name                 = local.snowflake_lake_role_name
  description          = "Assumed by Snowflake storage integration ${var.snowflake_storage_integration}"
  assume_role_policy   = data.aws_iam_policy_document.snowflake_trust.json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "snowflake_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = [snowflake_storage_integration.lake.storage_aws_iam_user_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [snowflake_storage_integration.lake.storage_aws_external_id]
    }
  }
}

resource "aws_iam_role_policy" "snowflake_lake" {
  name   = "read-lake"
  role   = aws_iam_role.snowflake_lake.id
  policy = data.aws_iam_policy_document.snowflake_lake.json
}

data "aws_iam_policy_document" "snowflake_lake" {
  statement {
    sid       = "ReadLakeObjects"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["${aws_s3_bucket.lake.arn}/${var.lake_prefix}/*"]
  }

  statement {
    sid       = "ListLakePrefix"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [aws_s3_bucket.lake.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.lake_prefix}/*", "${var.lake_prefix}/"]
    }
  }

  statement {
    sid       = "DecryptLakeObjects"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.territory.arn]
  }
}

# --- The role Airflow workers (loaders, dbt) run as ---------------------------------------------
# Read the project's secrets, read/write the lake prefix; nothing else.
resource "aws_iam_role" "airflow_worker" {
  name                 = "${local.name}-airflow-worker"
  description          = "Territory Airflow workers: project secrets and the lake prefix"
  assume_role_policy   = data.aws_iam_policy_document.airflow_trust.json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "airflow_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = var.airflow_trusted_principal_arns
    }
  }
}

resource "aws_iam_role_policy" "airflow_worker" {
  name   = "secrets-and-lake"
  role   = aws_iam_role.airflow_worker.id
  policy = data.aws_iam_policy_document.airflow_worker.json
}

data "aws_iam_policy_document" "airflow_worker" {
  statement {
    sid     = "ReadProjectSecrets"
    actions = ["secretsmanager:GetSecretValue"]
    # Secrets Manager appends a random suffix to secret ARNs, hence the trailing wildcard.
    resources = [
      "arn:${local.partition}:secretsmanager:${var.aws_region}:${local.account_id}:secret:${local.secret_prefix}*",
    ]
  }

  statement {
    sid       = "ReadWriteLakeObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:PutObjectTagging"]
    resources = ["${aws_s3_bucket.lake.arn}/${var.lake_prefix}/*"]
  }

  statement {
    sid       = "ListLakePrefix"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.lake.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.lake_prefix}/*", "${var.lake_prefix}/"]
    }
  }

  statement {
    sid       = "UseProjectKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.territory.arn]
  }
}
