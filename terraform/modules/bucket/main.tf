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
  override_policy_documents = concat(var.policy_documents, data.aws_iam_policy_document.malware_verdicts[*].json)
}

# Where GuardDuty Malware Protection tags the bucket's objects with its verdict
# (modules/malware_scanning): an object found infected is read by no one, not
# even through a presigned URL, and the verdict's tag is changed by GuardDuty
# alone, so that no one who may write can relabel an infected object clean.
# As AWS's "Using tag-based access control (TBAC) with Malware Protection for
# S3" shows (https://docs.aws.amazon.com/guardduty/latest/ug/tag-based-access-s3-malware-protection.html),
# GuardDuty's own role is exempt: an on-demand re-scan of a suspected false
# positive reads the object.
data "aws_iam_policy_document" "malware_verdicts" {
  count = var.malware_scanner == null ? 0 : 1

  statement {
    sid       = "DenyReadingInfectedObjects"
    effect    = "Deny"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["${var.bucket_arn}/*"]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "StringEquals"
      variable = "s3:ExistingObjectTag/GuardDutyMalwareScanStatus"
      values   = ["THREATS_FOUND"]
    }

    condition {
      test     = "ArnNotEquals"
      variable = "aws:PrincipalArn"
      values   = [var.malware_scanner.role_arn]
    }
  }

  # Any tag change: the verdict's tag is one of an object's tags, and these
  # actions replace or delete the whole set.
  statement {
    sid    = "DenyTagChangesButByTheMalwareScanner"
    effect = "Deny"
    actions = [
      "s3:PutObjectTagging",
      "s3:PutObjectVersionTagging",
      "s3:DeleteObjectTagging",
      "s3:DeleteObjectVersionTagging",
    ]
    resources = ["${var.bucket_arn}/*"]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "ArnNotEquals"
      variable = "aws:PrincipalArn"
      values   = [var.malware_scanner.role_arn]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = var.bucket
  policy = data.aws_iam_policy_document.this.json

  # A policy written before the block exists could be judged public.
  depends_on = [aws_s3_bucket_public_access_block.this]
}
