resource "aws_sns_topic" "alarms" {
  #checkov:skip=CKV_AWS_26: CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key, and alarm messages carry no secrets.
  name = "${var.name}-alarms"
  tags = var.tags
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

# The default topic policy (the account may use the topic), plus AWS Budgets,
# which publishes as a service principal and needs to be named.
data "aws_iam_policy_document" "alarms_topic" {
  statement {
    sid = "AccountOwner"
    actions = [
      "SNS:GetTopicAttributes",
      "SNS:SetTopicAttributes",
      "SNS:AddPermission",
      "SNS:RemovePermission",
      "SNS:DeleteTopic",
      "SNS:Subscribe",
      "SNS:ListSubscriptionsByTopic",
      "SNS:Publish",
    ]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "StringEquals"
      variable = "AWS:SourceOwner"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }

  statement {
    sid       = "BudgetsPublish"
    actions   = ["SNS:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["budgets.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarms_topic.json
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.alarm_email_addresses)

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}

locals {
  alarm_actions = concat([aws_sns_topic.alarms.arn], var.extra_alarm_actions)

  alb_dimensions = { LoadBalancer = var.alb_arn_suffix }
  ecs_target_dimensions = {
    LoadBalancer = var.alb_arn_suffix
    TargetGroup  = var.ecs_target_group_arn_suffix
  }
  lambda_target_dimensions = {
    LoadBalancer = var.alb_arn_suffix
    TargetGroup  = var.lambda_target_group_arn_suffix
  }
  lambda_dimensions = { FunctionName = var.lambda_function_name }
}

################################################################################
# Load balancer and service
################################################################################

# One response-time alarm per target group: a Lambda cold start on /files/*
# must not page as a slow core service, nor hide in its average.
resource "aws_cloudwatch_metric_alarm" "response_time" {
  alarm_name        = "${var.name}-high-response-time"
  alarm_description = "Core service (ECS target group): p95 target response time above ${var.response_time_threshold_seconds}s for ${var.evaluation_periods} minutes"
  namespace         = "AWS/ApplicationELB"
  metric_name       = "TargetResponseTime"
  dimensions        = local.ecs_target_dimensions
  # The tail, not the mean, is what users notice first.
  extended_statistic  = "p95"
  period              = 60
  evaluation_periods  = var.evaluation_periods
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.response_time_threshold_seconds
  treat_missing_data  = "notBreaching" # no traffic is not slow traffic
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "files_response_time" {
  alarm_name          = "${var.name}-files-high-response-time"
  alarm_description   = "File API (Lambda target group): p95 target response time above ${var.files_response_time_threshold_seconds}s for ${var.evaluation_periods} minutes (cold starts included)"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "TargetResponseTime"
  dimensions          = local.lambda_target_dimensions
  extended_statistic  = "p95"
  period              = 60
  evaluation_periods  = var.evaluation_periods
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.files_response_time_threshold_seconds
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

# Errors the load balancer itself answers: 502 when the Lambda fails or
# times out (a failing Lambda never counts as an unhealthy host), 503 when no
# target is healthy, 504 when a target is too slow.
resource "aws_cloudwatch_metric_alarm" "elb_5xx" {
  alarm_name          = "${var.name}-load-balancer-5xx"
  alarm_description   = "Load balancer answered more than ${var.elb_5xx_threshold} 5xx a minute itself (502 failing Lambda, 503 no healthy target, 504 timeout) for ${var.evaluation_periods} minutes"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HTTPCode_ELB_5XX_Count"
  dimensions          = local.alb_dimensions
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = var.evaluation_periods
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.elb_5xx_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "unhealthy_hosts" {
  alarm_name          = "${var.name}-unhealthy-hosts"
  alarm_description   = "At least one Fargate task failing the /health check"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "UnHealthyHostCount"
  dimensions          = local.ecs_target_dimensions
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = var.evaluation_periods
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

################################################################################
# File Lambda
################################################################################

resource "aws_cloudwatch_metric_alarm" "lambda_errors" {
  alarm_name          = "${var.name}-file-lambda-errors"
  alarm_description   = "File Lambda invocations failing (unhandled errors, timeouts)"
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = local.lambda_dimensions
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.lambda_errors_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "lambda_throttles" {
  alarm_name          = "${var.name}-file-lambda-throttles"
  alarm_description   = "File Lambda invocations throttled: requests are being refused"
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  dimensions          = local.lambda_dimensions
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

# A bucket change the consumer could not record max_receive_count times: usage
# is short of it until the message is redriven (DEPLOYMENT.md).
resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  alarm_name          = "${var.name}-bucket-changes-dead-letters"
  alarm_description   = "Bucket changes in the dead-letter queue: usage is incomplete until they are redriven"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = var.dead_letter_queue_name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

################################################################################
# Cost: a monthly budget for the account, to the same topic
################################################################################

resource "aws_budgets_budget" "monthly" {
  count = var.monthly_budget_usd == null ? 0 : 1

  name         = "${var.name}-monthly-cost"
  budget_type  = "COST"
  limit_amount = format("%.1f", var.monthly_budget_usd)
  limit_unit   = "USD"
  time_unit    = "MONTHLY"

  # Actual spend past the warning share, and a forecast past the whole budget.
  notification {
    comparison_operator       = "GREATER_THAN"
    threshold                 = var.budget_warning_percent
    threshold_type            = "PERCENTAGE"
    notification_type         = "ACTUAL"
    subscriber_sns_topic_arns = [aws_sns_topic.alarms.arn]
  }

  notification {
    comparison_operator       = "GREATER_THAN"
    threshold                 = 100
    threshold_type            = "PERCENTAGE"
    notification_type         = "FORECASTED"
    subscriber_sns_topic_arns = [aws_sns_topic.alarms.arn]
  }

  tags = var.tags

  depends_on = [aws_sns_topic_policy.alarms]
}

################################################################################
# Dashboard: the metrics the platform is run by
################################################################################

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name

  dashboard_body = jsonencode({
    widgets = [
      {
        type   = "metric"
        x      = 0
        y      = 0
        width  = 12
        height = 6
        properties = {
          title  = "Service CPU and memory (%)"
          region = var.region
          stat   = "Average"
          period = 60
          metrics = [
            ["AWS/ECS", "CPUUtilization", "ClusterName", var.ecs_cluster_name, "ServiceName", var.ecs_service_name],
            ["AWS/ECS", "MemoryUtilization", "ClusterName", var.ecs_cluster_name, "ServiceName", var.ecs_service_name],
          ]
        }
      },
      {
        type   = "metric"
        x      = 12
        y      = 0
        width  = 12
        height = 6
        properties = {
          title  = "Requests"
          region = var.region
          stat   = "Sum"
          period = 60
          metrics = [
            ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", var.alb_arn_suffix],
            ["AWS/Lambda", "Invocations", "FunctionName", var.lambda_function_name],
          ]
        }
      },
      {
        type   = "metric"
        x      = 0
        y      = 6
        width  = 12
        height = 6
        properties = {
          title  = "Target response time p95 (s), per target group"
          region = var.region
          stat   = "p95"
          period = 60
          metrics = [
            ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", var.alb_arn_suffix, "TargetGroup", var.ecs_target_group_arn_suffix, { label = "core (ECS)" }],
            ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", var.alb_arn_suffix, "TargetGroup", var.lambda_target_group_arn_suffix, { label = "files (Lambda)" }],
          ]
        }
      },
      {
        type   = "metric"
        x      = 12
        y      = 6
        width  = 12
        height = 6
        properties = {
          title  = "Errors"
          region = var.region
          stat   = "Sum"
          period = 60
          metrics = [
            ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", var.alb_arn_suffix],
            ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", var.alb_arn_suffix],
            ["AWS/Lambda", "Errors", "FunctionName", var.lambda_function_name],
            ["AWS/Lambda", "Throttles", "FunctionName", var.lambda_function_name],
          ]
        }
      },
    ]
  })
}
