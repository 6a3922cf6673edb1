output "ecs_execution_role_arn" {
  description = "ARN of the ECS task execution role."
  value       = aws_iam_role.ecs_execution.arn
}

output "ecs_task_role_arn" {
  description = "ARN of the ECS task role."
  value       = aws_iam_role.ecs_task.arn
}

output "lambda_role_arn" {
  description = "ARN of the file Lambda's execution role."
  value       = aws_iam_role.lambda.arn
}

output "github_deploy_role_arn" {
  description = "ARN of the role GitHub Actions assumes (role-to-assume)."
  value       = aws_iam_role.github_deploy.arn
}

output "github_oidc_provider_arn" {
  description = "ARN of the GitHub Actions OIDC provider."
  value       = var.github_oidc_provider_arn
}

output "lambda_role_name" {
  description = "Name of the file Lambda's execution role."
  value       = aws_iam_role.lambda.name
}

output "ecs_task_role_name" {
  description = "Name of the core task's role (given sqs:SendMessage on the webhook delivery queue)."
  value       = aws_iam_role.ecs_task.name
}
