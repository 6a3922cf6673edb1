# The backup copy of the tenants' files: a versioned, private bucket in a
# second region that the uploads bucket replicates into (modules/s3). A
# delete in the primary arrives as a delete marker, so a file deleted or
# overwritten there is kept here as an old version for as long as the
# primary keeps it in its trash, then expires: the replica keeps what the
# primary keeps, and a file lost with the primary region is still here.
resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_144: This is the replication target; replicating it again would be a third copy.
  #checkov:skip=CKV_AWS_145: SSE-S3 (AES256), as the primary bucket.
  #checkov:skip=CKV2_AWS_62: Nothing consumes events of the replica.
  #checkov:skip=CKV_AWS_18: Access to the replica is by the replication role only; CloudTrail records API calls.
  bucket        = var.bucket_name
  force_destroy = var.force_destroy
  tags          = var.tags
}

# Versioning, SSE-S3, no public access, no ACLs, TLS only (modules/bucket).
module "hardening" {
  source = "../bucket"

  bucket     = aws_s3_bucket.this.id
  bucket_arn = aws_s3_bucket.this.arn
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "tiering"
    status = "Enabled"

    filter {}

    transition {
      days          = var.transition_to_glacier_days
      storage_class = "GLACIER"
    }

    dynamic "noncurrent_version_expiration" {
      for_each = var.noncurrent_version_expiration_days == null ? [] : [var.noncurrent_version_expiration_days]
      content {
        noncurrent_days = noncurrent_version_expiration.value
      }
    }

    # Replicated delete markers whose versions have expired.
    expiration {
      expired_object_delete_marker = true
    }

    # Replication writes no multipart uploads, but a purge aborts any it finds
    # (modules/jobs), and this keeps the primary's figure.
    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  depends_on = [module.hardening] # versioning first
}
