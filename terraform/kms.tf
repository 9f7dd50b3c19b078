# One customer-managed key for the lake and the secrets: rotation on, and a key policy that
# keeps administration with the account and use with the project's roles only.
resource "aws_kms_key" "territory" {
  description             = "Territory ${var.environment}: lake objects and secrets"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json
}

resource "aws_kms_alias" "territory" {
  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.territory.key_id
}

data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_111:A key policy's "*" resource is the key itself; this is the standard root-administers statement.
  #checkov:skip=CKV_AWS_356:A key policy's "*" resource is the key itself, not every resource.
  #checkov:skip=CKV_AWS_109:Permissions management is limited to the account root (IAM then decides), as AWS requires for a manageable key.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"] # in a key policy "*" means this key
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "ProjectRolesUseTheKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:DescribeKey"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = [local.snowflake_lake_role_arn, aws_iam_role.airflow_worker.arn]
    }
  }
}
