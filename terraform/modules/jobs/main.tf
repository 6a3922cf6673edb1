# Jobs (issue 30): folder archives, tenant exports and tenant purges, run a
# step at a time by one function (jobs/runner.py, file_lambda/job_function.py):
# the job queue (one message per step), the job function that consumes it
# (the file API's artifact, its own handler), the sweep each minute, the
# function's role, the grants to the roles that start jobs and presign their
# outputs, and the alarms.

locals {
  package_path = coalesce(var.package_path, "${path.module}/../lambda/placeholder/placeholder.zip")
  log_group    = "/aws/lambda/${var.function_name}"

  bucket_objects   = "${var.bucket_arn}/*"
  tenant_objects   = "${var.bucket_arn}/${var.tenant_prefix}*"
  job_objects      = "${var.bucket_arn}/${var.job_prefix}*"
  deletion_objects = "${var.bucket_arn}/${var.deletion_prefix}*"
  # The prefixes a job lists: a folder or a tenant to archive, export or purge
  # (tenants/{id}/...), and a tenant's outputs (jobs/{id}/...).
  listed_prefixes = ["${var.tenant_prefix}*", "${var.job_prefix}*"]

  replica_objects = var.replica == null ? [] : [
    "${var.replica.bucket_arn}/${var.tenant_prefix}*",
    "${var.replica.bucket_arn}/${var.job_prefix}*",
  ]

  environment = merge(
    {
      JOB_QUEUE_URL                = aws_sqs_queue.this.id
      S3_BUCKET_NAME               = var.bucket_id
      APP_SECRET_ARN               = var.secret_arn
      ARCHIVE_EXPIRY_HOURS         = tostring(var.archive_expiry_hours)
      EXPORT_EXPIRY_HOURS          = tostring(var.export_expiry_hours)
      POWERTOOLS_SERVICE_NAME      = "jobs"
      POWERTOOLS_METRICS_NAMESPACE = "SnSD"
    },
    var.replica == null ? {} : {
      REPLICA_BUCKET_NAME = var.replica.bucket_id
      REPLICA_REGION      = var.replica.region
    },
  )
}

# A message rests here after max_receive_count receives of the same message:
# a step that failed (or timed out) that many times. Each step sends the job a
# new message, so a long job's many steps do not count towards it; the sweep
# sends a job whose lease lapsed again (jobs/runner.py), so this queue is read
# for what failed, not redriven.
resource "aws_sqs_queue" "dead_letter" {
  name                      = "${var.name}-dlq"
  message_retention_seconds = 1209600 # 14 days, SQS's most
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

resource "aws_sqs_queue" "this" {
  name = var.name
  # Above the function's timeout, so that a step still running is never
  # handed to a second invocation; a step that dies returns its message after
  # this long (the job's lease guards against two steps at once anyway).
  visibility_timeout_seconds = var.function_timeout + var.visibility_margin_seconds
  message_retention_seconds  = var.message_retention_seconds
  sqs_managed_sse_enabled    = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter.arn
    maxReceiveCount     = var.max_receive_count
  })

  tags = var.tags
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
  description        = "Job function: archives, exports and purges under ${var.tenant_prefix} and ${var.job_prefix}, deletion records under ${var.deletion_prefix}"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

# Least privilege: by prefix, never the whole bucket. The buckets use SSE-S3
# (modules/bucket), so no KMS permission is needed.
data "aws_iam_policy_document" "function" {
  #checkov:skip=CKV_AWS_111: Only X-Ray's trace writes are on "*" (they have no resource-level permissions); the rest names its queue, prefixes, secret and log group.
  #checkov:skip=CKV_AWS_356: Same: X-Ray's trace writes.
  statement {
    sid = "JobQueue"
    actions = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
      # A step sends its job the next step; the sweep resends lost jobs.
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

  statement {
    sid       = "XRay"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  # Archives and exports read the tenants' files (a version exactly:
  # UploadPartCopy's x-amz-copy-source names it, and needs read on the source
  # and s3:PutObject on the destination). Tags: whether a version is infected
  # or not yet scanned, which archives leave out.
  statement {
    sid = "ReadTenantObjects"
    actions = [
      "s3:GetObject",
      "s3:GetObjectVersion",
      "s3:GetObjectTagging",
      "s3:GetObjectVersionTagging",
    ]
    resources = [local.tenant_objects]
  }

  # The purge: every version and delete marker under tenants/{id}/, and the
  # uploads never completed there.
  statement {
    sid = "PurgeTenantObjects"
    actions = [
      "s3:DeleteObject",
      "s3:DeleteObjectVersion",
      "s3:AbortMultipartUpload",
    ]
    resources = [local.tenant_objects]
  }

  # The outputs, jobs/{tenant_id}/{job_id}/...: written by multipart upload
  # (parts copied from the sources or uploaded), read back to resume, deleted
  # when they expire or when their tenant is purged.
  statement {
    sid = "JobOutputs"
    actions = [
      "s3:PutObject",
      "s3:GetObject",
      "s3:AbortMultipartUpload",
      "s3:ListMultipartUploadParts",
      "s3:DeleteObject",
      "s3:DeleteObjectVersion",
    ]
    resources = [local.job_objects]
  }

  # The signed deletion record, deletions/{tenant_id}.json, written once at
  # the end of a purge; read so that a purge resumed after writing it does
  # not write another.
  statement {
    sid       = "DeletionRecords"
    actions   = ["s3:PutObject", "s3:GetObject"]
    resources = [local.deletion_objects]
  }

  statement {
    sid       = "ListJobPrefixes"
    actions   = ["s3:ListBucket", "s3:ListBucketVersions"]
    resources = [var.bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = local.listed_prefixes
    }
  }

  # No prefix condition: whether s3:prefix applies to ListMultipartUploads
  # could not be checked offline, and a condition on a key the action does not
  # carry would refuse every call. It lists upload keys, never contents.
  statement {
    sid       = "ListUnfinishedUploads"
    actions   = ["s3:ListBucketMultipartUploads"]
    resources = [var.bucket_arn]
  }

  # The replica (another region): a purge removes there what S3 replication
  # never removes (a version deleted for good is not replicated).
  dynamic "statement" {
    for_each = var.replica == null ? [] : [var.replica]
    content {
      sid       = "ListReplicaPrefixes"
      actions   = ["s3:ListBucket", "s3:ListBucketVersions"]
      resources = [statement.value.bucket_arn]

      condition {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = local.listed_prefixes
      }
    }
  }

  dynamic "statement" {
    for_each = var.replica == null ? [] : [var.replica]
    content {
      sid       = "ListReplicaUnfinishedUploads"
      actions   = ["s3:ListBucketMultipartUploads"]
      resources = [statement.value.bucket_arn]
    }
  }

  dynamic "statement" {
    for_each = var.replica == null ? [] : [var.replica]
    content {
      sid = "PurgeReplicaObjects"
      actions = [
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:AbortMultipartUpload",
      ]
      resources = local.replica_objects
    }
  }
}

resource "aws_iam_role_policy" "function" {
  name   = "jobs"
  role   = aws_iam_role.function.id
  policy = data.aws_iam_policy_document.function.json
}

# Not in the VPC, as the file API: it reaches Supabase Postgres and S3 (both
# regions) over AWS's network, and an archive's gigabytes do not pass a NAT
# gateway (billed per GB processed).
resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116: An event source mapping and a schedule invoke it; the queue has its own dead-letter queue.
  #checkov:skip=CKV_AWS_117: Not in a VPC, as the file API: S3 and Supabase are reached without a NAT gateway, which would bill every archived GB.
  #checkov:skip=CKV_AWS_173: The environment holds no secret (names, the queue URL and the secret's ARN), so the default Lambda key is enough.
  #checkov:skip=CKV_AWS_272: Code signing is not set up; the package is built and deployed by the CI role only, as the file API's.
  #checkov:skip=CKV_AWS_115: Reserved concurrency is optional (reserved_concurrent_executions); the event source mapping's maximum_concurrency bounds it.
  function_name = var.function_name
  description   = "Jobs: folder archives, tenant exports and purges, a step per message, and their sweep"
  role          = aws_iam_role.function.arn
  handler       = "file_lambda.job_function.handler"
  runtime       = "python3.12"
  architectures = [var.architecture]
  memory_size   = var.memory_size
  timeout       = var.function_timeout

  filename         = local.package_path
  source_code_hash = filebase64sha256(local.package_path)
  publish          = false

  reserved_concurrent_executions = var.reserved_concurrent_executions

  environment {
    variables = local.environment
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
  # One step per invocation: a step uses the invocation's whole time.
  batch_size = 1
  # file_lambda/job_function.py names a failed step's message.
  function_response_types = ["ReportBatchItemFailures"]

  # Steps at once, each one Postgres connection and a share of the bucket's
  # request rate.
  scaling_config {
    maximum_concurrency = var.maximum_concurrency
  }
}

resource "aws_cloudwatch_event_rule" "sweep" {
  name                = "${var.name}-sweep"
  description         = "Resends lost jobs, expires outputs and starts due purges each minute"
  schedule_expression = "rate(1 minute)"
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "sweep" {
  rule      = aws_cloudwatch_event_rule.sweep.name
  target_id = "job-function"
  arn       = aws_lambda_function.this.arn
}

resource "aws_lambda_permission" "sweep" {
  statement_id  = "AllowTheSweepSchedule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.sweep.arn
}

# The roles that start jobs (the job's first message) and presign their
# outputs' downloads: the file API's (archives) and the core task's (exports;
# a presigned URL can do no more than the role that signs it).
data "aws_iam_policy_document" "starter" {
  statement {
    sid       = "StartJobs"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.this.arn]
  }

  statement {
    sid       = "PresignJobOutputs"
    actions   = ["s3:GetObject"]
    resources = [local.job_objects]
  }
}

resource "aws_iam_role_policy" "starter" {
  for_each = var.starter_role_names

  name   = "start-jobs"
  role   = each.value
  policy = data.aws_iam_policy_document.starter.json
}

# Any message in the dead-letter queue: a step failed max_receive_count times.
resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  alarm_name          = "${var.name}-dead-letters"
  alarm_description   = "Job steps in the dead-letter queue: a job step failed ${var.max_receive_count} times (docs/operations.md, \"Jobs\")"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dead_letter.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
  tags                = var.tags
}

# The function's own failures (Postgres away, a bad deploy, a timeout); a
# job that fails for its own reasons ends in state 'failed', not here.
resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name          = "${var.function_name}-errors"
  alarm_description   = "The job function failed invocations (a step or the sweep crashed or timed out)"
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
