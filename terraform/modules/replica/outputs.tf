output "bucket_id" {
  description = "Name of the replica bucket."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "ARN of the replica bucket, once versioned (replication needs versioning on both sides)."
  value       = aws_s3_bucket.this.arn

  depends_on = [module.hardening]
}
