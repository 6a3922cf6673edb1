output "queue_url" {
  description = "URL of the job queue (JOB_QUEUE_URL of the file API and the function)."
  value       = aws_sqs_queue.this.id
}

output "queue_arn" {
  description = "ARN of the job queue."
  value       = aws_sqs_queue.this.arn
}

output "dead_letter_queue_name" {
  description = "Name of the job queue's dead-letter queue."
  value       = aws_sqs_queue.dead_letter.name
}

output "function_arn" {
  description = "Unqualified ARN of the job function (the deploy role ships code to it)."
  value       = aws_lambda_function.this.arn
}

output "function_name" {
  description = "Name of the job function (CI deploys the file API's package to it with its own handler)."
  value       = aws_lambda_function.this.function_name
}

output "role_name" {
  description = "Name of the job function's role."
  value       = aws_iam_role.function.name
}

output "event_source_mapping_uuid" {
  description = "Id of the event source mapping (to pause jobs during maintenance)."
  value       = aws_lambda_event_source_mapping.this.uuid
}
