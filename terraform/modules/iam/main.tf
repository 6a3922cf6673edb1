locals {
  # Everything a tenant owns lives below this prefix; no role may touch the
  # rest of the bucket.
  tenant_objects_arn = "${var.uploads_bucket_arn}/${var.tenant_prefix}*"

  # Every revision of the service's task definition family, and of the
  # migration's.
  task_definition_family_arn = replace(var.ecs_task_definition_arn, "/:[0-9]+$/", ":*")
  migration_family_arn       = replace(var.ecs_migration_task_definition_arn, "/:[0-9]+$/", ":*")

  # Tasks of the one cluster: arn:...:cluster/<name> -> arn:...:task/<name>/*
  cluster_tasks_arn = "${replace(var.ecs_cluster_arn, ":cluster/", ":task/")}/*"

  github_oidc_host = "token.actions.githubusercontent.com"
}

data "aws_iam_policy_document" "assume_ecs_tasks" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

################################################################################
# ECS task execution role: what ECS itself needs to start a task
################################################################################

resource "aws_iam_role" "ecs_execution" {
  name               = "${var.name}-ecs-execution"
  description        = "Pulls the image, writes container logs and reads the app secret when ECS starts a task"
  assume_role_policy = data.aws_iam_policy_document.assume_ecs_tasks.json
  tags               = var.tags
}

data "aws_iam_policy_document" "ecs_execution" {
  statement {
    sid = "EcrAuth"
    # GetAuthorizationToken has no resource-level permissions.
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid = "EcrPull"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:GetDownloadUrlForLayer",
    ]
    resources = [var.ecr_repository_arn]
  }

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${var.ecs_log_group_arn}:*"]
  }

  statement {
    sid       = "AppSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.secret_arn]
  }
}

resource "aws_iam_role_policy" "ecs_execution" {
  name   = "least-privilege"
  role   = aws_iam_role.ecs_execution.id
  policy = data.aws_iam_policy_document.ecs_execution.json
}

################################################################################
# ECS task role: what the core service itself may do
################################################################################

# No CloudWatch Logs permissions here: the awslogs driver ships stdout with
# the execution role, and the app writes nowhere else. The core service keeps
# its data in Supabase Postgres; its only S3 call is the /ready probe
# (core_service/readiness.py: ListObjectsV2, Prefix "tenants/", MaxKeys 1).
# Files are the file Lambda's job, so this role may list that one prefix and
# never read, write or delete a tenant's object: a compromised task cannot take
# or destroy tenants' files. modules/jobs adds its own inline policy here
# (start-jobs): sqs:SendMessage on the job queue and s3:GetObject on jobs/*,
# the exports the core presigns, never tenants/.
resource "aws_iam_role" "ecs_task" {
  name               = "${var.name}-ecs-task"
  description        = "Core service: lists the ${var.tenant_prefix} prefix of the uploads bucket for readiness and sends invitation mails through SES, nothing else"
  assume_role_policy = data.aws_iam_policy_document.assume_ecs_tasks.json
  tags               = var.tags
}

data "aws_iam_policy_document" "ecs_task" {
  statement {
    sid       = "ReadinessList"
    actions   = ["s3:ListBucket"]
    resources = [var.uploads_bucket_arn]

    # Exactly the prefix the probe sends (StringLike tenants/* would allow any
    # deeper prefix too, which the probe never asks for). A listing shows key
    # names, never contents.
    condition {
      test     = "StringEquals"
      variable = "s3:prefix"
      values   = [var.tenant_prefix]
    }
  }

  # Invitation mails (core_service/mail.py): SendEmail through the domain's
  # identity and its configuration set (SES authorises both when a mail names
  # a configuration set), from the one sender address.
  statement {
    sid       = "SendInvitationMail"
    actions   = ["ses:SendEmail"]
    resources = [var.ses_identity_arn, var.ses_configuration_set_arn]

    condition {
      test     = "StringEquals"
      variable = "ses:FromAddress"
      values   = [var.ses_sender]
    }
  }
}

resource "aws_iam_role_policy" "ecs_task" {
  name   = "least-privilege"
  role   = aws_iam_role.ecs_task.id
  policy = data.aws_iam_policy_document.ecs_task.json
}

################################################################################
# File Lambda role
################################################################################

data "aws_iam_policy_document" "assume_lambda" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "lambda" {
  name               = "${var.name}-file-lambda"
  description        = "File API: tenants' objects, the app secret and its own logs"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
  tags               = var.tags
}

data "aws_iam_policy_document" "lambda" {
  # Presigned URLs are signed with these credentials, so this list is also
  # the ceiling of what a browser can do with one.
  statement {
    sid = "TenantObjects"
    actions = [
      "s3:GetObject",
      "s3:GetObjectVersion",
      "s3:PutObject",
      "s3:DeleteObject",
      "s3:AbortMultipartUpload",
      "s3:ListMultipartUploadParts",
      # Versions and trash (file_lambda/history.py): remove a delete marker or
      # purge a version for good, thaw an archived version. The queue's
      # consumer (same role) removes a version over the quota no reservation
      # covered (file_lambda/events/consumer.py).
      "s3:DeleteObjectVersion",
      "s3:RestoreObject",
    ]
    resources = [local.tenant_objects_arn]
  }

  statement {
    sid       = "ListTenantPrefixes"
    actions   = ["s3:ListBucket", "s3:ListBucketVersions"]
    resources = [var.uploads_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.tenant_prefix}*"]
    }
  }

  statement {
    sid       = "AppSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.secret_arn]
  }

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${var.lambda_log_group_arn}:*"]
  }

  dynamic "statement" {
    for_each = var.lambda_xray_tracing ? [1] : []
    content {
      sid = "XRay"
      # X-Ray has no resource-level permissions for writing traces.
      actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      resources = ["*"]
    }
  }
}

resource "aws_iam_role_policy" "lambda" {
  name   = "least-privilege"
  role   = aws_iam_role.lambda.id
  policy = data.aws_iam_policy_document.lambda.json
}

################################################################################
# GitHub Actions: OIDC federation and the deploy role
################################################################################

# The account's GitHub OIDC provider is the bootstrap root's
# (terraform/bootstrap): it must exist before the first CI apply, and one
# account has one provider per URL. This module only trusts it.

data "aws_iam_policy_document" "assume_github" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [var.github_oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc_host}:aud"
      values   = ["sts.amazonaws.com"]
    }

    # Only jobs of the named repository that run in the protected deploy
    # environment (its deployment branches: main only). Exact match, no
    # wildcard, no branch subject.
    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc_host}:sub"
      values   = ["repo:${var.github_repository}:environment:${var.github_environment}"]
    }
  }
}

resource "aws_iam_role" "github_deploy" {
  name                 = "${var.name}-github-deploy"
  description          = "Assumed by GitHub Actions of ${var.github_repository} to ship images and Lambda code"
  assume_role_policy   = data.aws_iam_policy_document.assume_github.json
  max_session_duration = 3600
  tags                 = var.tags
}

# Deploys only: push the image, register a revision with it and roll the
# service, publish Lambda code and move its alias. Infrastructure changes go
# through terraform apply, not this role.
data "aws_iam_policy_document" "github_deploy" {
  statement {
    sid       = "EcrAuth"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid = "EcrPush"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:GetDownloadUrlForLayer",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    resources = [var.ecr_repository_arn]
  }

  statement {
    sid       = "EcrSkipBuiltImages"
    actions   = ["ecr:DescribeImages"]
    resources = [var.ecr_repository_arn]
  }

  statement {
    sid       = "EcsRollout"
    actions   = ["ecs:UpdateService", "ecs:DescribeServices"]
    resources = [var.ecs_service_arn]
  }

  statement {
    sid = "EcsTaskDefinitions"
    # Neither action supports resource-level permissions.
    actions   = ["ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"]
    resources = ["*"]
  }

  # A new revision keeps the tags of the one it copies.
  statement {
    sid       = "EcsTagNewRevisions"
    actions   = ["ecs:TagResource"]
    resources = [local.task_definition_family_arn, local.migration_family_arn]

    condition {
      test     = "StringEquals"
      variable = "ecs:CreateAction"
      values   = ["RegisterTaskDefinition"]
    }
  }

  # The migration: a one-off task of the migration's family (its container
  # gets only the database URL), in this cluster only, before the service
  # rolls; the deploy waits for it and reads its exit code. Never the
  # service's family: a one-off task of it with a command override would
  # print every secret the service gets.
  statement {
    sid       = "EcsRunMigration"
    actions   = ["ecs:RunTask"]
    resources = [local.migration_family_arn]

    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [var.ecs_cluster_arn]
    }
  }

  statement {
    sid       = "EcsWatchMigration"
    actions   = ["ecs:DescribeTasks"]
    resources = [local.cluster_tasks_arn]
  }

  statement {
    sid     = "PassTaskRoles"
    actions = ["iam:PassRole"]
    resources = [
      aws_iam_role.ecs_execution.arn,
      aws_iam_role.ecs_task.arn,
    ]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }

  statement {
    sid = "LambdaRelease"
    actions = [
      "lambda:GetAlias",
      "lambda:GetFunction",
      "lambda:GetFunctionConfiguration",
      "lambda:PublishVersion",
      "lambda:UpdateAlias",
      "lambda:UpdateFunctionCode",
    ]
    resources = [
      var.lambda_function_arn,
      "${var.lambda_function_arn}:*",
    ]
  }

  # The same package to the webhooks' delivery function's $LATEST (no version, no alias).
  dynamic "statement" {
    for_each = var.webhook_function_arn == null ? [] : [var.webhook_function_arn]
    content {
      sid = "WebhookFunctionCode"
      # GetFunction: what the wait for the update to finish calls (function_updated_v2).
      actions = [
        "lambda:GetFunction",
        "lambda:UpdateFunctionCode",
      ]
      resources = [statement.value]
    }
  }

  # The same package to the job function's $LATEST (no version, no alias).
  dynamic "statement" {
    for_each = var.job_function_arn == null ? [] : [var.job_function_arn]
    content {
      sid = "JobFunctionCode"
      # GetFunction: what the wait for the update to finish calls (function_updated_v2).
      actions = [
        "lambda:GetFunction",
        "lambda:UpdateFunctionCode",
      ]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "github_deploy" {
  name   = "deploy"
  role   = aws_iam_role.github_deploy.id
  policy = data.aws_iam_policy_document.github_deploy.json
}
