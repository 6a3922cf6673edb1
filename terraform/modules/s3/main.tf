data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

# The account Elastic Load Balancing writes access logs from in this region.
# Regions opened after August 2022 use a service principal instead; this
# platform runs in us-east-1, which uses the account.
data "aws_elb_service_account" "current" {}

locals {
  logs_bucket_name = "${var.bucket_name}-logs"
  s3_access_prefix = "s3-access/${var.bucket_name}/"
  account_id       = data.aws_caller_identity.current.account_id
}

################################################################################
# Uploads bucket: tenants' files under tenants/{tenant_id}/
################################################################################

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_144: Replication to a second region is switched by enable_replication (the root's enable_file_replication, on in production.tfvars); checkov cannot follow the count.
  #checkov:skip=CKV2_AWS_62: Nothing consumes object events yet.
  #checkov:skip=CKV_AWS_145: SSE-S3 (AES256) is the specified encryption; presigned browser uploads and downloads would also need kms permissions for a KMS key.
  bucket        = var.bucket_name
  force_destroy = var.force_destroy
  tags          = var.tags
}

# Versioning, SSE-S3, no public access, no ACLs, TLS only (modules/bucket);
# with the malware scanner's role, infected objects unreadable and the
# verdict's tag GuardDuty's alone.
module "uploads_hardening" {
  source = "../bucket"

  bucket          = aws_s3_bucket.this.id
  bucket_arn      = aws_s3_bucket.this.arn
  malware_scanner = var.malware_scanner
}

# Browsers post straight to the bucket with presigned POST policies and
# follow redirects to presigned GETs; only the app's own origins may.
resource "aws_s3_bucket_cors_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  cors_rule {
    allowed_origins = var.cors_allowed_origins
    # PUT: browsers send multipart parts to presigned part URLs; ETag is
    # exposed so they can read each part's (file_lambda/multipart).
    allowed_methods = ["GET", "HEAD", "POST", "PUT"]
    allowed_headers = ["*"]
    expose_headers  = ["ETag", "x-amz-version-id"]
    max_age_seconds = var.cors_max_age_seconds
  }
}

locals {
  # Glacier Instant Retrieval: a file older than 90 days still opens in
  # milliseconds, for a per-GB retrieval fee (docs/operations.md, "Storage
  # classes of the files", has the arithmetic per tenant).
  archive_storage_class = "GLACIER_IR"

  noncurrent_transitions = [
    for transition in [
      { days = var.transition_to_ia_days, storage_class = "STANDARD_IA" },
      { days = var.transition_to_glacier_days, storage_class = local.archive_storage_class },
    ] : transition
    if var.noncurrent_version_expiration_days == null ? true : transition.days < var.noncurrent_version_expiration_days
  ]
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  # Files under 128 KiB stay in Standard: Standard-IA and Glacier IR bill
  # every object as at least 128 KiB, and each transition is a paid request.
  transition_default_minimum_object_size = "all_storage_classes_128K"

  rule {
    id     = "tiering"
    status = "Enabled"

    filter {}

    transition {
      days          = var.transition_to_ia_days
      storage_class = "STANDARD_IA"
    }

    transition {
      days          = var.transition_to_glacier_days
      storage_class = local.archive_storage_class
    }

    # Replaced and deleted files (old versions and the trash of the file API)
    # tier down only while they are kept: a transition must come before the
    # expiration, and IA needs 30 days.
    dynamic "noncurrent_version_transition" {
      for_each = local.noncurrent_transitions
      content {
        noncurrent_days = noncurrent_version_transition.value.days
        storage_class   = noncurrent_version_transition.value.storage_class
      }
    }

    dynamic "noncurrent_version_expiration" {
      for_each = var.noncurrent_version_expiration_days == null ? [] : [var.noncurrent_version_expiration_days]
      content {
        noncurrent_days = noncurrent_version_expiration.value
      }
    }

    # A delete marker left with no version under it is trash with nothing to
    # restore: S3 removes it.
    expiration {
      expired_object_delete_marker = true
    }

    # Uploads that never complete would otherwise be billed forever; the file
    # API's MULTIPART_ABORT_DAYS says the same to clients.
    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  # The jobs' outputs (folder archives, tenant exports: modules/jobs): the
  # sweep deletes each when it expires (24 h, 168 h); this is the backstop
  # should it not. An output is never replaced, so its only noncurrent
  # version is the one the sweep's delete left under a marker. The rule above
  # still removes the markers left alone and aborts unfinished uploads.
  rule {
    id     = "job-outputs"
    status = "Enabled"

    filter {
      prefix = var.job_prefix
    }

    expiration {
      days = var.job_output_expiration_days
    }

    noncurrent_version_expiration {
      noncurrent_days = var.job_output_noncurrent_days
    }
  }

  depends_on = [module.uploads_hardening] # versioning first
}

resource "aws_s3_bucket_logging" "this" {
  bucket        = aws_s3_bucket.this.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = local.s3_access_prefix

  # Logs are delivered under the logs bucket's policy, not ACLs.
  depends_on = [module.logs_hardening]
}

################################################################################
# Logs bucket: S3 server access logs and ALB access logs
################################################################################

resource "aws_s3_bucket" "logs" {
  #checkov:skip=CKV_AWS_18: This is the access-log target; logging it to itself would loop.
  #checkov:skip=CKV_AWS_144: Cross-region replication is not part of the specified platform.
  #checkov:skip=CKV2_AWS_62: Nothing consumes object events of the log bucket.
  #checkov:skip=CKV_AWS_145: ALB access logs can only be delivered to SSE-S3 (AES256) buckets.
  bucket        = local.logs_bucket_name
  force_destroy = var.force_destroy
  tags          = var.tags
}

module "logs_hardening" {
  source = "../bucket"

  bucket           = aws_s3_bucket.logs.id
  bucket_arn       = aws_s3_bucket.logs.arn
  policy_documents = [data.aws_iam_policy_document.logs.json]
}

resource "aws_s3_bucket_lifecycle_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id

  rule {
    id     = "tiering"
    status = "Enabled"

    filter {}

    transition {
      days          = var.transition_to_ia_days
      storage_class = "STANDARD_IA"
    }

    transition {
      days          = var.transition_to_glacier_days
      storage_class = "GLACIER"
    }

    dynamic "expiration" {
      for_each = var.log_expiration_days == null ? [] : [var.log_expiration_days]
      content {
        days = expiration.value
      }
    }

    noncurrent_version_expiration {
      noncurrent_days = 30
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [module.logs_hardening]
}

# The log writers' grants; modules/bucket puts them after its TLS-only statement.
data "aws_iam_policy_document" "logs" {
  # S3 server access logs from the uploads bucket (policy-based delivery,
  # required with BucketOwnerEnforced).
  statement {
    sid       = "S3ServerAccessLogs"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.logs.arn}/${local.s3_access_prefix}*"]

    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [aws_s3_bucket.this.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  # ALB access logs, written by the regional Elastic Load Balancing account.
  statement {
    sid       = "AlbAccessLogs"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.logs.arn}/${var.alb_access_logs_prefix}/AWSLogs/${local.account_id}/*"]

    principals {
      type        = "AWS"
      identifiers = [data.aws_elb_service_account.current.arn]
    }
  }
}

################################################################################
# Backup: replication of tenants' files to a bucket in a second region
################################################################################

data "aws_iam_policy_document" "assume_s3" {
  count = var.enable_replication ? 1 : 0

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "replication" {
  count = var.enable_replication ? 1 : 0

  name               = "${var.bucket_name}-replication"
  description        = "S3 replicates ${var.bucket_name}/${var.replication_prefix} to its backup in a second region"
  assume_role_policy = data.aws_iam_policy_document.assume_s3[0].json
  tags               = var.tags
}

data "aws_iam_policy_document" "replication" {
  count = var.enable_replication ? 1 : 0

  statement {
    sid       = "ReadReplicationConfiguration"
    actions   = ["s3:GetReplicationConfiguration", "s3:ListBucket"]
    resources = [aws_s3_bucket.this.arn]
  }

  statement {
    sid = "ReadSourceVersions"
    actions = [
      "s3:GetObjectVersionForReplication",
      "s3:GetObjectVersionAcl",
      "s3:GetObjectVersionTagging",
    ]
    resources = ["${aws_s3_bucket.this.arn}/${var.replication_prefix}*"]
  }

  # s3:ReplicateDelete carries delete markers; S3 never replicates a
  # permanent delete of a version, whatever the role may do.
  statement {
    sid       = "WriteReplicas"
    actions   = ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"]
    resources = ["${var.replica_bucket_arn}/${var.replication_prefix}*"]
  }
}

resource "aws_iam_role_policy" "replication" {
  count = var.enable_replication ? 1 : 0

  name   = "replicate-to-backup"
  role   = aws_iam_role.replication[0].id
  policy = data.aws_iam_policy_document.replication[0].json
}

resource "aws_s3_bucket_replication_configuration" "this" {
  count = var.enable_replication ? 1 : 0

  bucket = aws_s3_bucket.this.id
  role   = aws_iam_role.replication[0].arn

  rule {
    id     = "backup-tenants"
    status = "Enabled"

    filter {
      prefix = var.replication_prefix
    }

    # A delete reaches the replica as a delete marker, so the replica's copy
    # becomes an old version there and expires after the same retention as
    # the trash here (modules/replica): deleted data does not stay forever.
    # A purge (a version deleted for good) is never replicated by S3.
    delete_marker_replication {
      status = "Enabled"
    }

    destination {
      bucket        = var.replica_bucket_arn
      storage_class = "STANDARD_IA"

      # Replication metrics (OperationsFailedReplication, ...) for the
      # monitoring module's alarm; 15 minutes is the only threshold S3 takes.
      metrics {
        status = "Enabled"

        event_threshold {
          minutes = 15
        }
      }
    }
  }

  depends_on = [module.uploads_hardening]
}
