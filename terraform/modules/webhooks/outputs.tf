output "queue_url" {
  description = "URL of the delivery queue (WEBHOOK_QUEUE_URL of the file API, the core and the function)."
  value       = aws_sqs_queue.this.id
}

output "queue_arn" {
  description = "ARN of the delivery queue."
  value       = aws_sqs_queue.this.arn
}

output "dead_letter_queue_name" {
  description = "Name of the delivery queue's dead-letter queue."
  value       = aws_sqs_queue.dead_letter.name
}

output "function_arn" {
  description = "Unqualified ARN of the delivery function (the deploy role ships code to it)."
  value       = aws_lambda_function.this.arn
}

output "function_name" {
  description = "Name of the delivery function (CI deploys the file API's package to it with its own handler)."
  value       = aws_lambda_function.this.function_name
}

output "security_group_id" {
  description = "The function's egress-only security group."
  value       = aws_security_group.function.id
}

output "event_source_mapping_uuid" {
  description = "Id of the event source mapping (to pause deliveries during maintenance)."
  value       = aws_lambda_event_source_mapping.this.uuid
}
