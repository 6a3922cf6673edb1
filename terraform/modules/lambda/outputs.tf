output "function_name" {
  description = "Name of the function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "Unqualified ARN of the function."
  value       = aws_lambda_function.this.arn
}

output "alias_name" {
  description = "Name of the alias the load balancer invokes."
  value       = aws_lambda_alias.this.name
}

output "alias_arn" {
  description = "Qualified ARN of that alias."
  value       = aws_lambda_alias.this.arn
}

output "log_group_name" {
  description = "CloudWatch log group of the function."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group_arn" {
  description = "ARN of the function's log group."
  value       = aws_cloudwatch_log_group.this.arn
}
