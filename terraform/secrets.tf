# Secret containers only: values are set out of band (README: deploy step 3), never in code or
# in Terraform state. Each value is a JSON object of environment variables (loaders/secrets.py).
resource "aws_secretsmanager_secret" "snowflake" {
  #checkov:skip=CKV2_AWS_57:Snowflake key-pair rotation is done in Snowflake (ALTER USER SET RSA_PUBLIC_KEY_2) and then written here; there is no Lambda rotator for it.
  name                    = "${local.secret_prefix}snowflake"
  description             = "Snowflake service user for loaders and dbt: SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER, SNOWFLAKE_PRIVATE_KEY, ..."
  kms_key_id              = aws_kms_key.territory.arn
  recovery_window_in_days = 30
}

resource "aws_secretsmanager_secret" "loader" {
  #checkov:skip=CKV2_AWS_57:CRM export credentials are issued by the CRM vendor and rotated by hand; there is no Lambda rotator for them.
  name                    = "${local.secret_prefix}loader"
  description             = "Loader settings and CRM inbox credentials: TERRITORY_* variables"
  kms_key_id              = aws_kms_key.territory.arn
  recovery_window_in_days = 30
}

# Only the Airflow worker role may read them (the account root keeps administration).
resource "aws_secretsmanager_secret_policy" "snowflake" {
  secret_arn = aws_secretsmanager_secret.snowflake.arn
  policy     = data.aws_iam_policy_document.secret_readers.json
}

resource "aws_secretsmanager_secret_policy" "loader" {
  secret_arn = aws_secretsmanager_secret.loader.arn
  policy     = data.aws_iam_policy_document.secret_readers.json
}

data "aws_iam_policy_document" "secret_readers" {
  statement {
    sid       = "DenyReadToOthers"
    effect    = "Deny"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = ["*"] # in a resource policy "*" means this secret
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "StringNotEquals"
      variable = "aws:PrincipalArn"
      values   = [aws_iam_role.airflow_worker.arn, "arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }
}
