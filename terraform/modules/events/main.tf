# The bucket's changes, delivered to the file API's function through a queue
# (file_lambda/events): S3 -> SQS (dead-letter queue behind it) -> the
# function's alias, through an event source mapping. GuardDuty's scan results
# for the same objects join the same queue through an EventBridge rule, so one
# consumer records both (docs/decisions/malware-scanning.md).

data "aws_caller_identity" "current" {}

# Where a message rests after max_receive_count failed attempts, to be read and
# redriven (DEPLOYMENT.md); kept the longest SQS allows.
resource "aws_sqs_queue" "dead_letter" {
  name                      = "${var.name}-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

resource "aws_sqs_queue" "this" {
  name = var.name
  # AWS's advice for a Lambda consumer: at least six times the function's
  # timeout, so a batch still being handled is not delivered twice meanwhile.
  visibility_timeout_seconds = 6 * var.function_timeout
  # While Postgres is down, messages wait here (14 days, SQS's longest), each
  # tried once per visibility timeout, max_receive_count times at most, before
  # the dead-letter queue keeps it.
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter.arn
    maxReceiveCount     = var.max_receive_count
  })

  tags = var.tags
}

# Only this bucket, in this account, and the scan results' rule may send to
# the queue.
data "aws_iam_policy_document" "queue" {
  statement {
    sid       = "BucketNotifications"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.this.arn]

    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [var.bucket_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }

  statement {
    sid       = "ScanResults"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.this.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.scan_results.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "this" {
  queue_url = aws_sqs_queue.this.id
  policy    = data.aws_iam_policy_document.queue.json
}

# Every change to a tenant's objects; restores and transitions change no usage.
resource "aws_s3_bucket_notification" "this" {
  bucket = var.bucket_id

  # GuardDuty Malware Protection turns the bucket's EventBridge notifications
  # on to hear of new objects (modules/malware_scanning). A bucket has a
  # single notification configuration and this resource writes all of it (the
  # provider's docs for aws_s3_bucket_notification); one without
  # EventBridgeConfiguration has EventBridge off (S3 API reference,
  # NotificationConfiguration). Undeclared, the next apply would switch
  # GuardDuty's notifications off, and scanning would silently stop.
  eventbridge = true

  queue {
    id            = "tenant-object-changes"
    queue_arn     = aws_sqs_queue.this.arn
    events        = ["s3:ObjectCreated:*", "s3:ObjectRemoved:*", "s3:LifecycleExpiration:*"]
    filter_prefix = var.tenant_prefix
  }

  depends_on = [aws_sqs_queue_policy.this]
}

# GuardDuty's verdicts on this bucket's tenant objects, from the default bus
# (where GuardDuty publishes them) to the same queue: the consumer tells them
# from S3's notifications by their shape (file_lambda/events). Event pattern:
# https://docs.aws.amazon.com/guardduty/latest/ug/monitor-with-eventbridge-s3-malware-protection.html
locals {
  scan_results_pattern = {
    "source"      = ["aws.guardduty"]
    "detail-type" = ["GuardDuty Malware Protection Object Scan Result"]
    "detail" = {
      "s3ObjectDetails" = {
        "bucketName" = [var.bucket_id]
        "objectKey"  = [{ "prefix" = var.tenant_prefix }]
      }
    }
  }
}

resource "aws_cloudwatch_event_rule" "scan_results" {
  name          = "${var.name}-scan-results"
  description   = "GuardDuty Malware Protection scan results for ${var.bucket_id}/${var.tenant_prefix}, queued for the file API"
  event_pattern = jsonencode(local.scan_results_pattern)
  tags          = var.tags
}

resource "aws_cloudwatch_event_target" "scan_results" {
  rule      = aws_cloudwatch_event_rule.scan_results.name
  target_id = "bucket-changes-queue"
  arn       = aws_sqs_queue.this.arn

  # Delivery needs the queue's ScanResults statement.
  depends_on = [aws_sqs_queue_policy.this]
}

# The function's role reads and deletes the queue's messages.
data "aws_iam_policy_document" "consume" {
  statement {
    sid = "ConsumeBucketChanges"
    actions = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
    ]
    resources = [aws_sqs_queue.this.arn]
  }
}

resource "aws_iam_role_policy" "consume" {
  name   = "consume-bucket-changes"
  role   = var.function_role_name
  policy = data.aws_iam_policy_document.consume.json
}

resource "aws_lambda_event_source_mapping" "this" {
  event_source_arn = aws_sqs_queue.this.arn
  function_name    = var.function_alias_arn
  # Up to batch_size messages, or what arrived within the window.
  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.batching_window_seconds
  # file_lambda/events/consumer.py names the messages it could not record.
  function_response_types = ["ReportBatchItemFailures"]

  # Each concurrent batch holds one Postgres connection.
  scaling_config {
    maximum_concurrency = var.maximum_concurrency
  }

  depends_on = [aws_iam_role_policy.consume]
}
