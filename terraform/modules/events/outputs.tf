output "queue_arn" {
  description = "ARN of the queue of bucket changes."
  value       = aws_sqs_queue.this.arn
}

output "queue_name" {
  description = "Name of the queue of bucket changes (the age of its oldest message is alarmed on)."
  value       = aws_sqs_queue.this.name
}

output "queue_url" {
  description = "URL of the queue of bucket changes."
  value       = aws_sqs_queue.this.id
}

output "dead_letter_queue_arn" {
  description = "ARN of the dead-letter queue."
  value       = aws_sqs_queue.dead_letter.arn
}

output "dead_letter_queue_name" {
  description = "Name of the dead-letter queue (its depth is alarmed on)."
  value       = aws_sqs_queue.dead_letter.name
}

output "event_source_mapping_uuid" {
  description = "Id of the event source mapping (to disable consumption during maintenance)."
  value       = aws_lambda_event_source_mapping.this.uuid
}

output "scan_results_rule_name" {
  description = "Name of the EventBridge rule that queues GuardDuty's scan results (its failed deliveries are alarmed on)."
  value       = aws_cloudwatch_event_rule.scan_results.name
}
