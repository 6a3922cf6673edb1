# Every alarm has one shape: a statistic of one metric above a threshold for
# a number of consecutive periods notifies the topic, and its recovery too.
# Each alarm is one entry of local.alarm_specs, keyed by its resource address.

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

  # What an alarm entry leaves out. A period without data is no traffic
  # (or no failure reported), which is not a failure.
  alarm_defaults = {
    period       = 60
    periods      = var.evaluation_periods
    threshold    = 0
    missing_data = "notBreaching"
  }

  # statistic: Sum, Maximum, ... or a percentile (p95), which CloudWatch
  # takes as an extended statistic.
  alarm_specs = {
    # One response-time alarm per target group: a Lambda cold start on
    # /files/* must not page as a slow core service, nor hide in its average.
    # The tail, not the mean, is what users notice first.
    response_time = {
      name        = "high-response-time"
      description = "Core service (ECS target group): p95 target response time above ${var.response_time_threshold_seconds}s for ${var.evaluation_periods} minutes"
      namespace   = "AWS/ApplicationELB"
      metric      = "TargetResponseTime"
      dimensions  = local.ecs_target_dimensions
      statistic   = "p95"
      threshold   = var.response_time_threshold_seconds
    }
    files_response_time = {
      name        = "files-high-response-time"
      description = "File API (Lambda target group): p95 target response time above ${var.files_response_time_threshold_seconds}s for ${var.evaluation_periods} minutes (cold starts included)"
      namespace   = "AWS/ApplicationELB"
      metric      = "TargetResponseTime"
      dimensions  = local.lambda_target_dimensions
      statistic   = "p95"
      threshold   = var.files_response_time_threshold_seconds
    }
    # Errors the load balancer itself answers: 502 when the Lambda fails or
    # times out (a failing Lambda never counts as an unhealthy host), 503 when
    # no target is healthy, 504 when a target is too slow.
    elb_5xx = {
      name        = "load-balancer-5xx"
      description = "Load balancer answered more than ${var.elb_5xx_threshold} 5xx a minute itself (502 failing Lambda, 503 no healthy target, 504 timeout) for ${var.evaluation_periods} minutes"
      namespace   = "AWS/ApplicationELB"
      metric      = "HTTPCode_ELB_5XX_Count"
      dimensions  = local.alb_dimensions
      statistic   = "Sum"
      threshold   = var.elb_5xx_threshold
    }
    unhealthy_hosts = {
      name        = "unhealthy-hosts"
      description = "At least one Fargate task failing the /health check"
      namespace   = "AWS/ApplicationELB"
      metric      = "UnHealthyHostCount"
      dimensions  = local.ecs_target_dimensions
      statistic   = "Maximum"
    }
    lambda_errors = {
      name        = "file-lambda-errors"
      description = "File Lambda invocations failing (unhandled errors, timeouts)"
      namespace   = "AWS/Lambda"
      metric      = "Errors"
      dimensions  = local.lambda_dimensions
      statistic   = "Sum"
      period      = 300
      periods     = 1
      threshold   = var.lambda_errors_threshold
    }
    lambda_throttles = {
      name        = "file-lambda-throttles"
      description = "File Lambda invocations throttled: requests are being refused"
      namespace   = "AWS/Lambda"
      metric      = "Throttles"
      dimensions  = local.lambda_dimensions
      statistic   = "Sum"
      period      = 300
      periods     = 1
    }
    # A bucket change the consumer could not record max_receive_count times:
    # usage is short of it until the message is redriven (DEPLOYMENT.md).
    dead_letters = {
      name        = "bucket-changes-dead-letters"
      description = "Bucket changes in the dead-letter queue: usage is incomplete until they are redriven"
      namespace   = "AWS/SQS"
      metric      = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = var.dead_letter_queue_name }
      statistic   = "Maximum"
      period      = 300
      periods     = 1
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = { for key, spec in local.alarm_specs : key => merge(local.alarm_defaults, spec) }

  alarm_name          = "${var.name}-${each.value.name}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = startswith(each.value.statistic, "p") ? null : each.value.statistic
  extended_statistic  = startswith(each.value.statistic, "p") ? each.value.statistic : null
  period              = each.value.period
  evaluation_periods  = each.value.periods
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  treat_missing_data  = each.value.missing_data
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

# The alarms were one resource each until the map; their state moves with
# them, so an existing deployment keeps every alarm (issue 26, item 17).
moved {
  from = aws_cloudwatch_metric_alarm.response_time
  to   = aws_cloudwatch_metric_alarm.this["response_time"]
}

moved {
  from = aws_cloudwatch_metric_alarm.files_response_time
  to   = aws_cloudwatch_metric_alarm.this["files_response_time"]
}

moved {
  from = aws_cloudwatch_metric_alarm.elb_5xx
  to   = aws_cloudwatch_metric_alarm.this["elb_5xx"]
}

moved {
  from = aws_cloudwatch_metric_alarm.unhealthy_hosts
  to   = aws_cloudwatch_metric_alarm.this["unhealthy_hosts"]
}

moved {
  from = aws_cloudwatch_metric_alarm.lambda_errors
  to   = aws_cloudwatch_metric_alarm.this["lambda_errors"]
}

moved {
  from = aws_cloudwatch_metric_alarm.lambda_throttles
  to   = aws_cloudwatch_metric_alarm.this["lambda_throttles"]
}

moved {
  from = aws_cloudwatch_metric_alarm.dead_letters
  to   = aws_cloudwatch_metric_alarm.this["dead_letters"]
}
