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

  # GuardDuty's Malware Protection trouble, through the rule below only.
  statement {
    sid       = "MalwareProtectionTrouble"
    actions   = ["SNS:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.malware_protection_trouble.arn]
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

################################################################################
# Malware scanning: GuardDuty's own trouble, to the same topic
################################################################################

# GuardDuty publishes these to the default bus when a Malware Protection
# plan's status turns WARNING or ERROR (its role lost a permission, the
# bucket's notifications were turned off: no file is scanned meanwhile, and
# new files stay pending) and when it scanned an object but could not tag it
# (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-guardduty.html).
# The account has one plan (modules/malware_scanning), so no narrower match.
locals {
  malware_protection_trouble_pattern = {
    "source" = ["aws.guardduty"]
    "detail-type" = [
      "GuardDuty Malware Protection Resource Status Warning",
      "GuardDuty Malware Protection Resource Status Error",
      "GuardDuty Malware Protection Post Scan Action Failed",
    ]
  }
}

resource "aws_cloudwatch_event_rule" "malware_protection_trouble" {
  name          = "${var.name}-malware-protection-trouble"
  description   = "GuardDuty Malware Protection plan in WARNING or ERROR, or a scanned object left untagged"
  event_pattern = jsonencode(local.malware_protection_trouble_pattern)
  tags          = var.tags
}

resource "aws_cloudwatch_event_target" "malware_protection_trouble" {
  rule      = aws_cloudwatch_event_rule.malware_protection_trouble.name
  target_id = "alarm-topic"
  arn       = aws_sns_topic.alarms.arn

  depends_on = [aws_sns_topic_policy.alarms]
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
