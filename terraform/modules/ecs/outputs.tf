output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = aws_ecs_cluster.this.arn
}

output "service_name" {
  description = "Name of the ECS service."
  value       = aws_ecs_service.this.name
}

output "service_arn" {
  description = "ARN of the ECS service."
  value       = aws_ecs_service.this.id
}

output "task_definition_arn" {
  description = "ARN of the task definition revision Terraform registered."
  value       = aws_ecs_task_definition.this.arn
}

output "security_group_id" {
  description = "Security group of the tasks."
  value       = aws_security_group.this.id
}

output "log_group_name" {
  description = "CloudWatch log group of the containers."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group_arn" {
  description = "ARN of the containers' log group."
  value       = aws_cloudwatch_log_group.this.arn
}

output "task_definition_family" {
  description = "Family of the application's task definition; deploys register its revisions."
  value       = aws_ecs_task_definition.this.family
}

output "placeholder_task_definition_arn" {
  description = "ARN of the placeholder revision the service is created with."
  value       = aws_ecs_task_definition.placeholder.arn
}

output "migration_task_definition_arn" {
  description = "ARN of the migration's task definition revision Terraform registered."
  value       = aws_ecs_task_definition.migrate.arn
}

output "migration_family" {
  description = "Family of the migration's task definition; each deploy registers a revision with its image and runs it once."
  value       = aws_ecs_task_definition.migrate.family
}
