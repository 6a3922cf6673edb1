locals {
  # The real package is built and deployed by CI (update-function-code,
  # publish, move the alias). Terraform only needs something valid to create
  # the function with: a committed placeholder that answers 503.
  package_path = coalesce(var.package_path, "${path.module}/placeholder/placeholder.zip")
}

# Created before the function so Lambda never makes it itself, without a
# retention period.
resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158: Log data is encrypted by CloudWatch Logs by default; a customer-managed key adds cost and nothing secret is logged.
  #checkov:skip=CKV_AWS_338: Retention is specified as 30 days for cost; raise log_retention_in_days if compliance needs a year.
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_in_days
  tags              = var.tags
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_117: The function only calls S3, Secrets Manager and Supabase Postgres (external) over public endpoints; a VPC would add NAT cost and cold-start latency and protect nothing.
  #checkov:skip=CKV_AWS_116: The load balancer invokes synchronously; a dead-letter queue only applies to asynchronous invocations.
  #checkov:skip=CKV_AWS_173: The environment holds no secret (only the secret's ARN and plain settings), so the default Lambda key is enough.
  #checkov:skip=CKV_AWS_272: Code signing is not set up; the package is built and deployed by the CI role only.
  #checkov:skip=CKV_AWS_115: Reserved concurrency is optional (reserved_concurrent_executions); on a new account it would fail below the 10-execution unreserved minimum.
  function_name = var.function_name
  description   = var.description
  role          = var.role_arn
  handler       = var.handler
  runtime       = var.runtime
  architectures = [var.architecture]
  memory_size   = var.memory_size
  timeout       = var.timeout

  filename         = local.package_path
  source_code_hash = filebase64sha256(local.package_path)
  # Every apply of new code yields a version the alias can point at.
  publish = true

  reserved_concurrent_executions = var.reserved_concurrent_executions

  environment {
    variables = var.environment
  }

  tracing_config {
    mode = var.tracing_mode
  }

  # Each published version's init runs once and is snapshotted; cold starts
  # resume it (file_lambda/snapstart.py holds the runtime hooks).
  dynamic "snap_start" {
    for_each = var.snap_start ? [1] : []
    content {
      apply_on = "PublishedVersions"
    }
  }

  tags = var.tags

  lifecycle {
    # CI owns the code; Terraform must not roll it back to the placeholder.
    ignore_changes = [filename, source_code_hash, s3_bucket, s3_key, s3_object_version]
  }

  depends_on = [aws_cloudwatch_log_group.this]
}

resource "aws_lambda_alias" "this" {
  name             = var.alias_name
  description      = "Version the load balancer invokes: the latest published one (CI's release or Terraform's configuration change)."
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version

  # The function's `version` is read back as its latest published version:
  # the one CI's release just published (so a plan does not move the alias
  # back), or the one Terraform publishes when it changes the configuration
  # (publish = true), which carries CI's current code. So a Terraform change
  # of the configuration reaches the alias in the same apply.
}
