output "sns_topic_arn" {
  description = "ARN of the alarm topic."
  value       = aws_sns_topic.alarms.arn
}

output "alarm_names" {
  description = "Names of the alarms, by purpose."
  value = {
    response_time    = aws_cloudwatch_metric_alarm.response_time.alarm_name
    unhealthy_hosts  = aws_cloudwatch_metric_alarm.unhealthy_hosts.alarm_name
    lambda_errors    = aws_cloudwatch_metric_alarm.lambda_errors.alarm_name
    lambda_throttles = aws_cloudwatch_metric_alarm.lambda_throttles.alarm_name
  }
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}
