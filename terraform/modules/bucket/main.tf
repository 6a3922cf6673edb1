# What every bucket of the platform has, whatever it holds: ACLs off,
# public access blocked, versioning, SSE-S3 and a policy that refuses plain
# HTTP, merged with the bucket's own statements. The bucket itself, its
# lifecycle and anything else particular to it stay with its caller.

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = var.bucket

  rule {
    object_ownership = "BucketOwnerEnforced" # ACLs off: access is decided by policy only
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = var.bucket

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = var.bucket

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = var.bucket

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

data "aws_iam_policy_document" "this" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      var.bucket_arn,
      "${var.bucket_arn}/*",
    ]

    # {"AWS": "*"} is IAM's equivalent of "*" (anyone, signed or not).
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  # The bucket's own statements follow this one (their Sids differ, so none
  # replaces it).
  override_policy_documents = var.policy_documents
}

resource "aws_s3_bucket_policy" "this" {
  bucket = var.bucket
  policy = data.aws_iam_policy_document.this.json

  # A policy written before the block exists could be judged public.
  depends_on = [aws_s3_bucket_public_access_block.this]
}
