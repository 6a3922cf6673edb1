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
    # What the targets themselves answer 5xx (the core's unhandled errors,
    # the file API's 500s), per target group: the load balancer's own 5xx
    # above never counts them.
    core_5xx = {
      name        = "core-target-5xx"
      description = "Core service (ECS target group) answered more than ${var.target_5xx_threshold} 5xx a minute for ${var.evaluation_periods} minutes"
      namespace   = "AWS/ApplicationELB"
      metric      = "HTTPCode_Target_5XX_Count"
      dimensions  = local.ecs_target_dimensions
      statistic   = "Sum"
      threshold   = var.target_5xx_threshold
    }
    files_5xx = {
      name        = "files-target-5xx"
      description = "File API (Lambda target group) answered more than ${var.target_5xx_threshold} 5xx a minute for ${var.evaluation_periods} minutes"
      namespace   = "AWS/ApplicationELB"
      metric      = "HTTPCode_Target_5XX_Count"
      dimensions  = local.lambda_target_dimensions
      statistic   = "Sum"
      threshold   = var.target_5xx_threshold
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
    # Bucket changes waiting: normally seconds (the batching window and one
    # invocation). A message that keeps failing is retried once per
    # visibility timeout and dead-letters only after maxReceiveCount tries
    # (about 50 hours with the defaults): 30 minutes is about ten tries in.
    queue_age = {
      name        = "bucket-changes-queue-age"
      description = "Oldest bucket change waiting more than ${var.queue_age_threshold_seconds}s: usage and audit lag behind, and the message is on its way to the dead-letter queue"
      namespace   = "AWS/SQS"
      metric      = "ApproximateAgeOfOldestMessage"
      dimensions  = { QueueName = var.bucket_changes_queue_name }
      statistic   = "Maximum"
      period      = 300
      periods     = 1
      threshold   = var.queue_age_threshold_seconds
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
    # A scan result EventBridge gave up delivering to the queue (after its
    # retries): that file stays pending until it is scanned again
    # (docs/operations.md, "Malware scanning"). AWS/Events reports
    # FailedInvocations per rule of the default bus, and only when not zero
    # (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html).
    scan_results_undelivered = {
      name        = "scan-results-undelivered"
      description = "GuardDuty scan results the EventBridge rule failed to deliver to the bucket-changes queue: those files stay pending until scanned again"
      namespace   = "AWS/Events"
      metric      = "FailedInvocations"
      dimensions  = { RuleName = var.scan_results_rule_name }
      statistic   = "Sum"
      period      = 300
      periods     = 1
    }
  }

  # Reported only where replication metrics are on (modules/s3), in the
  # source bucket's region; S3 sends no data while nothing replicates.
  replication_alarm_specs = {
    for r in var.replication[*] : "replication_failures" => {
      name        = "file-replication-failures"
      description = "Files that failed to replicate to the backup bucket ${r.destination_bucket}: the backup is incomplete"
      namespace   = "AWS/S3"
      metric      = "OperationsFailedReplication"
      dimensions  = { SourceBucket = r.source_bucket, DestinationBucket = r.destination_bucket, RuleId = r.rule_id }
      statistic   = "Sum"
      period      = 300
      periods     = 1
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = {
    for key, spec in merge(local.alarm_specs, local.replication_alarm_specs) :
    key => merge(local.alarm_defaults, spec)
  }

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

# The core service short of tasks: Container Insights' task counts (on in
# modules/ecs) as desired minus running. A replaced task or a scale-out is
# short for a minute or two; task_shortfall_minutes in a row is not. No data
# counts as short: the service always runs a task, Container Insights reports
# it every minute, and silence means nobody watches the core.
resource "aws_cloudwatch_metric_alarm" "tasks_below_desired" {
  alarm_name          = "${var.name}-core-tasks-below-desired"
  alarm_description   = "Core service running fewer tasks than desired for ${var.task_shortfall_minutes} minutes (tasks failing to start or stay up)"
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = var.task_shortfall_minutes
  treat_missing_data  = "breaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags

  metric_query {
    id          = "shortfall"
    expression  = "desired - running"
    label       = "Tasks desired but not running"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = { desired = "DesiredTaskCount", running = "RunningTaskCount" }

    content {
      id = metric_query.key

      metric {
        namespace   = "ECS/ContainerInsights"
        metric_name = metric_query.value
        dimensions  = { ClusterName = var.ecs_cluster_name, ServiceName = var.ecs_service_name }
        stat        = "Average"
        period      = 60
      }
    }
  }
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
