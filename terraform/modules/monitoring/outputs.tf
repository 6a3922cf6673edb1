output "sns_topic_arn" {
  description = "ARN of the alarm topic."
  value       = aws_sns_topic.alarms.arn
}

output "alarm_names" {
  description = "Names of the alarms, by purpose."
  value = merge(
    { for key, alarm in aws_cloudwatch_metric_alarm.this : key => alarm.alarm_name },
    { tasks_below_desired = aws_cloudwatch_metric_alarm.tasks_below_desired.alarm_name },
  )
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "budget_name" {
  description = "Name of the monthly cost budget, or null without one."
  value       = one(aws_budgets_budget.monthly[*].name)
}
