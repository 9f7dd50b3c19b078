# The lake bucket: <prefix>/<table>/YYYY/MM/DD/{data,quarantine}.parquet + load_report.json.
resource "aws_s3_bucket" "lake" {
  #checkov:skip=CKV_AWS_144:Cross-region replication is not needed: the lake is rebuilt from the CRM inbox exports, and versioning covers accidental overwrites.
  #checkov:skip=CKV_AWS_18:Access logging goes to the organisation's central log bucket, configured outside this project (CloudTrail data events).
  #checkov:skip=CKV2_AWS_62:No event notifications: Airflow schedules loads by run date, not by object arrival.
  bucket = var.lake_bucket_name
}

resource "aws_s3_bucket_ownership_controls" "lake" {
  bucket = aws_s3_bucket.lake.id
  rule {
    object_ownership = "BucketOwnerEnforced" # ACLs off
  }
}

resource "aws_s3_bucket_public_access_block" "lake" {
  bucket                  = aws_s3_bucket.lake.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "lake" {
  bucket = aws_s3_bucket.lake.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "lake" {
  bucket = aws_s3_bucket.lake.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.territory.arn
    }
    bucket_key_enabled = true # fewer KMS calls for many small Parquet objects
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "lake" {
  #checkov:skip=CKV_AWS_300:The two prefix rules abort failed uploads; S3 rejects that action in the tag-filtered quarantine rule.
  bucket = aws_s3_bucket.lake.id

  # Quarantined rows are kept for investigation, then deleted (they hold raw CRM values).
  # S3 lifecycle filters match key prefixes or tags, not suffixes: the S3 lake tags each
  # quarantine.parquet object territory:kind=quarantine when it writes it.
  rule {
    id     = "expire-quarantine"
    status = "Enabled"
    filter {
      tag {
        key   = "territory:kind"
        value = "quarantine"
      }
    }
    expiration {
      days = var.quarantine_expiration_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 1
    }
  }

  # Re-loading a date replaces its partition; old versions are kept a while, then removed.
  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"
    filter {
      prefix = "${var.lake_prefix}/"
    }
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  # Upload staging keys (see loaders/lake.py S3Lake.put) orphaned by a killed process.
  rule {
    id     = "expire-orphaned-uploads"
    status = "Enabled"
    filter {
      prefix = "${var.lake_prefix}/_tmp/"
    }
    expiration {
      days = 1
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.lake]
}

# TLS 1.2+ only.
resource "aws_s3_bucket_policy" "lake" {
  bucket     = aws_s3_bucket.lake.id
  policy     = data.aws_iam_policy_document.lake_bucket.json
  depends_on = [aws_s3_bucket_public_access_block.lake]
}

data "aws_iam_policy_document" "lake_bucket" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.lake.arn,
      "${aws_s3_bucket.lake.arn}/*",
    ]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  statement {
    sid       = "DenyOldTls"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.lake.arn, "${aws_s3_bucket.lake.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "NumericLessThan"
      variable = "s3:TlsVersion"
      values   = ["1.2"]
    }
  }
}
