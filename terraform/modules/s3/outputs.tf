output "bucket_id" {
  description = "Name of the uploads bucket."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "ARN of the uploads bucket."
  value       = aws_s3_bucket.this.arn
}

output "logs_bucket_id" {
  description = "Name of the logs bucket, available once its policy lets the log writers in."
  value       = aws_s3_bucket.logs.id

  # The ALB checks it can write when access logging is switched on.
  depends_on = [module.logs_hardening]
}

output "logs_bucket_arn" {
  description = "ARN of the logs bucket."
  value       = aws_s3_bucket.logs.arn
}

output "alb_access_logs_prefix" {
  description = "Prefix the load balancer must use for its access logs (the bucket policy allows only this one)."
  value       = var.alb_access_logs_prefix
}

output "replication_role_arn" {
  description = "Role S3 replicates with, or null without replication."
  value       = one(aws_iam_role.replication[*].arn)
}

output "replication_rule_id" {
  description = "Id of the replication rule (RuleId dimension of its metrics), or null without replication."
  value       = one(aws_s3_bucket_replication_configuration.this[*].rule[0].id)
}

output "job_prefix" {
  description = "Prefix of the jobs' outputs, expired by the bucket's job-outputs rule."
  value       = var.job_prefix
}
