output "api_url" {
  description = "Public URL of the API."
  value       = "https://${module.dns.fqdn}"
}

output "alb_dns_name" {
  description = "DNS name of the load balancer (api_url is an alias of it)."
  value       = module.alb.dns_name
}

output "ecr_repository_url" {
  description = "Repository to push the core service image to."
  value       = module.ecr.repository_url
}

output "ecs_cluster_name" {
  description = "Name of the ECS cluster."
  value       = module.ecs.cluster_name
}

output "ecs_service_name" {
  description = "Name of the ECS service."
  value       = module.ecs.service_name
}

output "lambda_function_name" {
  description = "Name of the file Lambda (CI updates its code and moves the alias)."
  value       = module.lambda.function_name
}

output "lambda_alias_name" {
  description = "Alias the load balancer invokes."
  value       = module.lambda.alias_name
}

output "uploads_bucket_name" {
  description = "Uploads bucket (S3_BUCKET_NAME)."
  value       = module.s3.bucket_id
}

output "logs_bucket_name" {
  description = "Bucket of the S3 and ALB access logs."
  value       = module.s3.logs_bucket_id
}

output "secret_arn" {
  description = "ARN of the app secret; put its values with aws secretsmanager put-secret-value."
  value       = module.secrets.secret_arn
}

output "secret_name" {
  description = "Name of the app secret."
  value       = module.secrets.secret_name
}

output "log_group_name" {
  description = "CloudWatch log group of the core service."
  value       = module.ecs.log_group_name
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify."
  value       = module.monitoring.sns_topic_arn
}

output "github_deploy_role_arn" {
  description = "Role for aws-actions/configure-aws-credentials (role-to-assume) in the deploy workflow."
  value       = module.iam.github_deploy_role_arn
}

output "vpc_id" {
  description = "ID of the VPC."
  value       = module.vpc.vpc_id
}

output "nat_public_ips" {
  description = "Public addresses the tasks use on the internet (for allow-lists such as Supabase network restrictions)."
  value       = module.vpc.nat_public_ips
}

output "ecs_task_definition_family" {
  description = "Task definition family whose latest revision each deploy re-images (ECS_FAMILY)."
  value       = module.ecs.task_definition_family
}

output "ecs_migration_family" {
  description = "Task definition family of the migration each deploy re-images and runs once (ECS_MIGRATION_FAMILY)."
  value       = module.ecs.migration_family
}

output "malware_protection_plan_id" {
  description = "Id of the GuardDuty Malware Protection plan on the uploads bucket (aws guardduty get-malware-protection-plan, send-object-malware-scan)."
  value       = module.malware_scanning.plan_id
}

output "job_function_name" {
  description = "Name of the job function (the deploy workflow's JOB_FUNCTION), or null with enable_jobs off."
  value       = var.enable_jobs ? module.jobs[0].function_name : null
}

output "job_function_arn" {
  description = "Unqualified ARN of the job function, or null with enable_jobs off."
  value       = var.enable_jobs ? module.jobs[0].function_arn : null
}

output "job_queue_url" {
  description = "URL of the job queue (JOB_QUEUE_URL), or null with enable_jobs off."
  value       = var.enable_jobs ? module.jobs[0].queue_url : null
}
