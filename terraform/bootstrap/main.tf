# Day zero, applied once by a person with administrator credentials, before
# any workflow runs: what the main root and its workflows need to exist
# first. The state bucket (S3-native locking, no DynamoDB table), the
# account's GitHub OIDC provider, and the two roles of the Terraform workflow:
# plan (read-only; pull requests and main) and apply (the protected
# environment only). The deploy role is the main root's: it names resources
# that only exist after the main apply.
#
# This root keeps its own state locally (it creates the bucket remote state
# would need); DEPLOYMENT.md copies that file into the bucket afterwards.

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = local.tags
  }
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  name = "${var.project}-${var.environment}"

  tags = merge(
    {
      Project     = var.project
      Environment = var.environment
      ManagedBy   = "terraform-bootstrap"
    },
    var.tags,
  )

  github_oidc_host = "token.actions.githubusercontent.com"
  partition        = data.aws_partition.current.partition

  # The token subjects each role trusts, after repo:<owner/name>:.
  plan_subjects  = ["pull_request", "ref:refs/heads/main"]
  apply_subjects = ["environment:${var.apply_environment}"]
}

################################################################################
# State bucket: versioned, encrypted, private, TLS only (modules/bucket).
# Locking is a lock object next to the state (use_lockfile), so no DynamoDB
# table.
################################################################################

resource "aws_s3_bucket" "state" {
  #checkov:skip=CKV_AWS_144: State is small and versioned; a second region's copy is not needed to recover it (versions are).
  #checkov:skip=CKV_AWS_145: SSE-S3 (AES256); the state holds no secret values (secrets are put out of band).
  #checkov:skip=CKV2_AWS_62: Nothing consumes events of the state bucket.
  #checkov:skip=CKV_AWS_18: Access logging of the state bucket would need a second bucket here; CloudTrail records the API calls.
  bucket = var.state_bucket_name
}

module "state_hardening" {
  source = "../modules/bucket"

  bucket     = aws_s3_bucket.state.id
  bucket_arn = aws_s3_bucket.state.arn
}

resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    id     = "old-state-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.state_noncurrent_version_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [module.state_hardening] # versioning first
}

################################################################################
# GitHub Actions OIDC: one provider per account and URL. No thumbprint is
# pinned: AWS validates token.actions.githubusercontent.com against its own
# trusted CAs (the provider accepts an empty list). The main root looks this
# provider up by URL instead of creating it.
################################################################################

resource "aws_iam_openid_connect_provider" "github" {
  url            = "https://${local.github_oidc_host}"
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_policy_document" "assume_plan" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc_host}:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc_host}:sub"
      values   = [for s in local.plan_subjects : "repo:${var.github_repository}:${s}"]
    }
  }
}

data "aws_iam_policy_document" "assume_apply" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc_host}:aud"
      values   = ["sts.amazonaws.com"]
    }

    # Only jobs in the protected environment: its reviewers are the gate.
    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc_host}:sub"
      values   = [for s in local.apply_subjects : "repo:${var.github_repository}:${s}"]
    }
  }
}

################################################################################
# Plan role: reads everything Terraform refreshes, reads the state, writes
# nothing. A pull request runs its own Terraform with it (data sources
# included), so it may not read tenants' files or secret values.
################################################################################

resource "aws_iam_role" "plan" {
  name                 = "${local.name}-terraform-plan"
  description          = "terraform plan from GitHub Actions of ${var.github_repository} (pull requests and main): read-only"
  assume_role_policy   = data.aws_iam_policy_document.assume_plan.json
  max_session_duration = 3600
}

resource "aws_iam_role_policy_attachment" "plan_read_only" {
  role       = aws_iam_role.plan.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/ReadOnlyAccess"
}

data "aws_iam_policy_document" "plan" {
  statement {
    sid       = "StateList"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.state.arn]
  }

  statement {
    sid       = "StateRead"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.state.arn}/*"]
  }

  # ReadOnlyAccess reads objects of every bucket; a branch's data source
  # could print tenants' files into a public log. The patterns cover the
  # uploads, their access logs and the replica (snsd-file-uploads-*).
  statement {
    sid       = "NoTenantData"
    effect    = "Deny"
    actions   = ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAttributes", "s3:GetObjectTorrent"]
    resources = [for p in var.protected_bucket_patterns : "arn:${local.partition}:s3:::${p}/*"]
  }

  statement {
    sid       = "NoSecretValues"
    effect    = "Deny"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue", "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"]
    resources = ["*"]
  }

  # ReadOnlyAccess has sqs:Receive*: a received bucket change counts toward
  # its maxReceiveCount and hides from the consumer for a visibility timeout,
  # so a pull request could push changes toward the dead-letter queue.
  # Terraform reads queues with GetQueueAttributes, GetQueueUrl and
  # ListQueueTags only.
  statement {
    sid       = "NoQueueMessages"
    effect    = "Deny"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"]
    resources = ["*"]
  }

  # Application logs and traces carry tenants' ids, file names and request
  # paths; Terraform reads log groups with DescribeLogGroups and
  # ListTagsForResource, never their events, and manages no X-Ray resource.
  statement {
    sid    = "NoLogsOrTraces"
    effect = "Deny"
    actions = [
      "logs:GetLogEvents",
      "logs:FilterLogEvents",
      "logs:StartQuery",
      "logs:GetQueryResults",
      "logs:StartLiveTail",
      "logs:GetLogRecord",
      "logs:Unmask",
      "xray:BatchGetTraces",
      "xray:GetTraceSummaries",
      "xray:GetTraceGraph",
      "xray:StartTraceRetrieval",
      "xray:ListRetrievedTraces",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "plan" {
  name   = "state-read-no-data"
  role   = aws_iam_role.plan.id
  policy = data.aws_iam_policy_document.plan.json
}

################################################################################
# Apply role: creates and changes the whole platform, IAM roles included, so
# it is an administrator; the protected environment's reviewers are what
# guard it.
################################################################################

resource "aws_iam_role" "apply" {
  #checkov:skip=CKV_AWS_274: The apply role creates IAM roles and policies for the whole platform; anything less than administrator can escalate to it anyway. Only the protected environment's jobs may assume it.
  name                 = "${local.name}-terraform-apply"
  description          = "terraform apply from the ${var.apply_environment} environment of ${var.github_repository}"
  assume_role_policy   = data.aws_iam_policy_document.assume_apply.json
  max_session_duration = 3600
}

resource "aws_iam_role_policy_attachment" "apply_admin" {
  #checkov:skip=CKV_AWS_274: See the role: the apply role is an administrator on purpose.
  role       = aws_iam_role.apply.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AdministratorAccess"
}
