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
  # Versions are the release script's alone (scripts/lambda_release.py). A
  # version published here would carry whatever code $LATEST holds, which
  # after a rollback is the rejected release's.
  publish = false

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
  name          = var.alias_name
  description   = "Version the load balancer invokes; only scripts/lambda_release.py moves it, after a smoke-tested release."
  function_name = aws_lambda_function.this.function_name
  # At creation the function has no published version and `version` reads
  # $LATEST (the placeholder): the load balancer has a target from the first
  # apply, and the first release pins it as a version before replacing it.
  function_version = aws_lambda_function.this.version

  lifecycle {
    # The release script owns the alias: no plan moves it, not even to the
    # newest version (a rolled-back release is the newest version), and no
    # plan rewrites the routing the script sets (all traffic to one version).
    ignore_changes = [function_version, routing_config]
  }
}
