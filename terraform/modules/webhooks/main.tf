# Webhook delivery (issue 29, docs/decisions/webhooks.md): the delivery queue,
# the delivery function that consumes it (the file API's artifact, its own
# handler), the sweep that relays what the callers left, and their alarms.

locals {
  package_path = coalesce(var.package_path, "${path.module}/../lambda/placeholder/placeholder.zip")
  log_group    = "/aws/lambda/${var.function_name}"
}

# A message rests here after max_receive_count receives; the relay sends its
# delivery again 30 min after it was due (webhooks/relay.py, LOST_AFTER), so
# this queue is read for poison messages, not to redrive.
resource "aws_sqs_queue" "dead_letter" {
  name                      = "${var.name}-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

resource "aws_sqs_queue" "this" {
  name = var.name
  # AWS's advice for a Lambda consumer: six times the function's timeout. A
  # failed attempt sets its own message's visibility to the retry's wait.
  visibility_timeout_seconds = 6 * var.function_timeout
  # The schedule's last attempt comes 27 h 35 min after the first, counted
  # from the message's first send; 4 days leaves room for a Postgres outage
  # and tenants' rate limits on top.
  message_retention_seconds = var.message_retention_seconds
  sqs_managed_sse_enabled   = true

  # Receives count every return: a retry, a tenant over its rate put back for
  # seconds, a duplicate put back until due. Far above the 8 attempts.
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter.arn
    maxReceiveCount     = var.max_receive_count
  })

  tags = var.tags
}

# Egress only: receivers over https (and http on port 80, which the
# delivery client refuses anyway outside make dev), Supabase Postgres
# (session and transaction poolers) and AWS's APIs, through the NAT gateways:
# receivers see the NAT's Elastic IPs, stable addresses for their firewalls.
# Security groups cannot exclude the VPC's own ranges from 0.0.0.0/0: the
# delivery client refuses private and internal addresses itself, at every
# connection (webhooks/addresses.py).
resource "aws_security_group" "function" {
  name        = "${var.function_name}-egress"
  description = "Webhook delivery function: egress to receivers and Postgres only"
  vpc_id      = var.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_egress_rule" "function" {
  for_each = toset([for port in var.egress_ports : tostring(port)])

  security_group_id = aws_security_group.function.id
  description       = "Webhook deliveries and Postgres, port ${each.value}"
  ip_protocol       = "tcp"
  from_port         = tonumber(each.value)
  to_port           = tonumber(each.value)
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_cloudwatch_log_group" "function" {
  #checkov:skip=CKV_AWS_158: Log data is encrypted by CloudWatch Logs by default; nothing secret is logged.
  #checkov:skip=CKV_AWS_338: Retention follows the platform's log_retention_in_days, as the file API's.
  name              = local.log_group
  retention_in_days = var.log_retention_in_days
  tags              = var.tags
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "function" {
  name               = "${var.function_name}-role"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

# Least privilege: this queue, the app secret, its own logs, its ENIs. No S3,
# no other queue, no Auth admin key beyond what the app secret holds.
data "aws_iam_policy_document" "function" {
  #checkov:skip=CKV_AWS_111: Only the EC2 network interface actions Lambda needs in a VPC are on "*", as AWS's managed AWSLambdaVPCAccessExecutionRole grants them; the rest names its queue, secret and log group.
  #checkov:skip=CKV_AWS_356: Same: those EC2 actions, as AWSLambdaVPCAccessExecutionRole grants them.
  statement {
    sid = "DeliveryQueue"
    actions = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
      # The sweep relays to the same queue.
      "sqs:SendMessage",
    ]
    resources = [aws_sqs_queue.this.arn]
  }

  statement {
    sid       = "AppSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.secret_arn]
  }

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.function.arn}:*"]
  }

  # What AWS's managed AWSLambdaVPCAccessExecutionRole grants, on "*" as it
  # does: Lambda's network interfaces in the VPC.
  statement {
    sid = "VpcNetworkInterfaces"
    actions = [
      "ec2:CreateNetworkInterface",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribeSubnets",
      "ec2:DeleteNetworkInterface",
      "ec2:AssignPrivateIpAddresses",
      "ec2:UnassignPrivateIpAddresses",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "function" {
  name   = "webhook-delivery"
  role   = aws_iam_role.function.id
  policy = data.aws_iam_policy_document.function.json
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116: An event source mapping and a schedule invoke it; the queue has its own dead-letter queue.
  #checkov:skip=CKV_AWS_173: The environment holds no secret (the queue URL and the secret's ARN), so the default Lambda key is enough.
  #checkov:skip=CKV_AWS_272: Code signing is not set up; the package is built and deployed by the CI role only, as the file API's.
  #checkov:skip=CKV_AWS_115: Reserved concurrency is optional (reserved_concurrent_executions); the event source mapping's maximum_concurrency bounds it.
  function_name = var.function_name
  description   = "Webhook deliveries: the delivery queue's attempts and the relay's sweep"
  role          = aws_iam_role.function.arn
  handler       = "file_lambda.webhook_function.handler"
  runtime       = "python3.12"
  architectures = [var.architecture]
  memory_size   = var.memory_size
  timeout       = var.function_timeout

  filename         = local.package_path
  source_code_hash = filebase64sha256(local.package_path)
  publish          = false

  reserved_concurrent_executions = var.reserved_concurrent_executions

  vpc_config {
    subnet_ids         = var.subnet_ids
    security_group_ids = [aws_security_group.function.id]
  }

  environment {
    variables = {
      WEBHOOK_QUEUE_URL            = aws_sqs_queue.this.id
      APP_SECRET_ARN               = var.secret_arn
      POWERTOOLS_SERVICE_NAME      = "webhooks"
      POWERTOOLS_METRICS_NAMESPACE = "SnSD"
    }
  }

  tracing_config {
    mode = "Active"
  }

  tags = var.tags

  lifecycle {
    # CI owns the code, as the file API's (modules/lambda).
    ignore_changes = [filename, source_code_hash, s3_bucket, s3_key, s3_object_version]
  }

  depends_on = [aws_cloudwatch_log_group.function, aws_iam_role_policy.function]
}

resource "aws_lambda_event_source_mapping" "this" {
  event_source_arn = aws_sqs_queue.this.arn
  function_name    = aws_lambda_function.this.arn
  # A batch's attempts run in parallel threads: it takes its slowest receiver's
  # time (10 s at most), whatever its size.
  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.batching_window_seconds
  # webhooks/deliveries.py names the messages to come back (a retry's wait).
  function_response_types = ["ReportBatchItemFailures"]

  # Each concurrent batch holds one Postgres connection, through Supabase's
  # transaction pooler.
  scaling_config {
    maximum_concurrency = var.maximum_concurrency
  }
}

# The sweep: whatever the callers left unrelayed (the core's events among them).
resource "aws_cloudwatch_event_rule" "sweep" {
  name                = "${var.name}-sweep"
  description         = "Relays pending webhook deliveries to ${var.name} each minute"
  schedule_expression = "rate(1 minute)"
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "sweep" {
  rule      = aws_cloudwatch_event_rule.sweep.name
  target_id = "webhook-delivery-function"
  arn       = aws_lambda_function.this.arn
}

resource "aws_lambda_permission" "sweep" {
  statement_id  = "AllowTheSweepSchedule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.sweep.arn
}

# The senders: the file API (after a batch of bucket changes) and the core
# (after a change to members, invitations or endpoints) relay at once.
data "aws_iam_policy_document" "send" {
  statement {
    sid       = "RelayWebhookDeliveries"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.this.arn]
  }
}

resource "aws_iam_role_policy" "send" {
  for_each = toset(var.sender_role_names)

  name   = "relay-webhook-deliveries"
  role   = each.value
  policy = data.aws_iam_policy_document.send.json
}

locals {
  alarms = {
    # Older than the whole schedule (27 h 35 min) with margin: a message
    # that should have ended or been dead-lettered long ago.
    stuck = {
      description = "A webhook delivery message older than the retry schedule: the delivery function is not consuming"
      metric      = "ApproximateAgeOfOldestMessage"
      queue       = aws_sqs_queue.this.name
      threshold   = var.oldest_message_alarm_seconds
      period      = 300
    }
    dead_letters = {
      description = "Webhook delivery messages in the dead-letter queue: read them (the relay resends their deliveries)"
      metric      = "ApproximateNumberOfMessagesVisible"
      queue       = aws_sqs_queue.dead_letter.name
      threshold   = 0
      period      = 300
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "queue" {
  for_each = local.alarms

  alarm_name          = "${var.name}-${replace(each.key, "_", "-")}"
  alarm_description   = each.value.description
  namespace           = "AWS/SQS"
  metric_name         = each.value.metric
  dimensions          = { QueueName = each.value.queue }
  statistic           = "Maximum"
  period              = each.value.period
  evaluation_periods  = 1
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
  tags                = var.tags
}

# The function's own failures (Postgres away, a bad deploy): a failed receiver
# is not one, it is a retry.
resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name          = "${var.function_name}-errors"
  alarm_description   = "The webhook delivery function failed invocations (not receivers' failures)"
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.this.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
  tags                = var.tags
}
