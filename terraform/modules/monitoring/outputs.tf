output "sns_topic_arn" {
  description = "ARN of the alarm topic."
  value       = aws_sns_topic.alarms.arn
}

output "alarm_names" {
  description = "Names of the alarms, by purpose."
  value = {
    response_time       = aws_cloudwatch_metric_alarm.response_time.alarm_name
    files_response_time = aws_cloudwatch_metric_alarm.files_response_time.alarm_name
    elb_5xx             = aws_cloudwatch_metric_alarm.elb_5xx.alarm_name
    unhealthy_hosts     = aws_cloudwatch_metric_alarm.unhealthy_hosts.alarm_name
    lambda_errors       = aws_cloudwatch_metric_alarm.lambda_errors.alarm_name
    lambda_throttles    = aws_cloudwatch_metric_alarm.lambda_throttles.alarm_name
  }
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "budget_name" {
  description = "Name of the monthly cost budget, or null without one."
  value       = one(aws_budgets_budget.monthly[*].name)
}
