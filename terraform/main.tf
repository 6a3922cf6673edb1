provider "aws" {
  region = var.aws_region

  default_tags {
    tags = local.tags
  }
}

# The backup region of the tenants' files (enable_file_replication).
provider "aws" {
  alias  = "replica"
  region = var.file_replica_region

  default_tags {
    tags = local.tags
  }
}

locals {
  # Every name of the platform derives from these two, e.g. snsd-production.
  name = "${var.project}-${var.environment}"

  tags = merge(
    {
      Project     = var.project
      Environment = var.environment
      ManagedBy   = "terraform"
    },
    var.tags,
  )

  # Plain settings shared by both deployables (API.md, Configuration).
  app_environment = {
    S3_BUCKET_NAME       = module.s3.bucket_id
    CORS_ALLOWED_ORIGINS = join(",", var.cors_allowed_origins)
  }

  # Where clients reach the API: the origin of its URLs (the file API's PUBLIC_BASE_URL).
  public_base_url = "https://${var.api_subdomain}.${var.domain_name}"
  # The bucket's browsers: the app's origins and the API's own, whose share and request
  # pages PUT upload parts straight to the bucket and read their ETags.
  bucket_cors_origins = distinct(concat(var.cors_allowed_origins, [local.public_base_url]))

  # The role GuardDuty scans with, named here rather than read from
  # module.malware_scanning: the uploads bucket's policy names the role and the
  # role's permissions name the bucket, and checkov cannot follow two modules
  # that depend on each other (the emulator test checks that the two ARNs match).
  malware_scanner_role_name = "${local.name}-malware-protection"
  malware_scanner_role_arn  = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:role/${local.malware_scanner_role_name}"
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

# Created by terraform/bootstrap before the first apply (one per account).
data "aws_iam_openid_connect_provider" "github" {
  url = "https://token.actions.githubusercontent.com"
}

module "vpc" {
  source = "./modules/vpc"

  name               = local.name
  cidr               = var.vpc_cidr
  azs                = var.availability_zones
  public_subnets     = var.public_subnet_cidrs
  private_subnets    = var.private_subnet_cidrs
  single_nat_gateway = var.single_nat_gateway
  enable_s3_endpoint = true
}

module "ecr" {
  source = "./modules/ecr"

  name                       = local.name
  scan_on_push               = true
  releases_to_keep           = 10
  untagged_image_expiry_days = 7
  force_delete               = var.allow_destroy_with_data
}

module "s3" {
  source = "./modules/s3"

  bucket_name                = "${var.project}-file-uploads-${var.environment}"
  cors_allowed_origins       = local.bucket_cors_origins
  transition_to_ia_days      = 30
  transition_to_glacier_days = 90
  alb_access_logs_prefix     = "alb"
  force_destroy              = var.allow_destroy_with_data

  noncurrent_version_expiration_days     = var.trash_retention_days
  abort_incomplete_multipart_upload_days = var.multipart_abort_days

  enable_replication = var.enable_file_replication
  replica_bucket_arn = var.enable_file_replication ? module.file_replica[0].bucket_arn : null

  # Infected files unreadable, verdicts GuardDuty's alone (modules/bucket).
  malware_scanner = { role_arn = local.malware_scanner_role_arn }
}

# The backup of the tenants' files in a second region (modules/replica).
module "file_replica" {
  source = "./modules/replica"
  count  = var.enable_file_replication ? 1 : 0

  providers = {
    aws = aws.replica
  }

  bucket_name                = "${var.project}-file-uploads-${var.environment}-replica"
  transition_to_glacier_days = 90
  force_destroy              = var.allow_destroy_with_data

  # Deletes are replicated as markers; the data under them goes when the
  # source's trash would let it go. The replica's rules mirror the primary's
  # (modules/replica): same trash retention, same multipart abort.
  noncurrent_version_expiration_days     = var.trash_retention_days
  abort_incomplete_multipart_upload_days = var.multipart_abort_days
}

# The container only; values are put out of band (README), never in state.
module "secrets" {
  source = "./modules/secrets"

  name                    = "${local.name}-secrets"
  keys                    = var.secret_keys
  recovery_window_in_days = var.secret_recovery_window_in_days
}

module "iam" {
  source = "./modules/iam"

  name                    = local.name
  uploads_bucket_arn      = module.s3.bucket_arn
  tenant_prefix           = "tenants/"
  secret_arn              = module.secrets.secret_arn
  ecr_repository_arn      = module.ecr.repository_arn
  ecs_log_group_arn       = module.ecs.log_group_arn
  ecs_cluster_arn         = module.ecs.cluster_arn
  ecs_service_arn         = module.ecs.service_arn
  ecs_task_definition_arn = module.ecs.task_definition_arn
  lambda_function_arn     = module.lambda.function_arn
  lambda_log_group_arn    = module.lambda.log_group_arn
  webhook_function_arn    = var.enable_webhooks ? module.webhooks[0].function_arn : null
  job_function_arn        = var.enable_jobs ? module.jobs[0].function_arn : null
  lambda_xray_tracing     = true

  ecs_migration_task_definition_arn = module.ecs.migration_task_definition_arn

  ses_identity_arn          = local.ses_identity_arn
  ses_configuration_set_arn = local.ses_configuration_set_arn
  ses_sender                = local.mail_sender

  github_repository        = var.github_repository
  github_environment       = var.github_environment
  github_oidc_provider_arn = data.aws_iam_openid_connect_provider.github.arn
}

module "lambda" {
  source = "./modules/lambda"

  function_name         = "${local.name}-file-api"
  handler               = "file_lambda.handler.handler"
  runtime               = "python3.12"
  architecture          = var.lambda_architecture
  memory_size           = var.lambda_memory_size
  timeout               = var.lambda_timeout
  package_path          = var.lambda_package_path
  role_arn              = module.iam.lambda_role_arn
  alias_name            = "live"
  tracing_mode          = "Active"
  snap_start            = var.lambda_snap_start
  log_retention_in_days = var.log_retention_in_days

  # The secret's ARN, not its values: the function reads them once per
  # container, so nothing secret sits in the Lambda configuration or in state.
  environment = merge(local.app_environment, {
    APP_SECRET_ARN               = module.secrets.secret_arn
    PUBLIC_BASE_URL              = local.public_base_url
    POWERTOOLS_SERVICE_NAME      = "file-api"
    POWERTOOLS_METRICS_NAMESPACE = "SnSD"
    POWERTOOLS_LOG_LEVEL         = var.lambda_log_level
    MULTIPART_ABORT_DAYS         = tostring(var.multipart_abort_days)
  }, local.webhook_environment, local.job_environment)
}

# Every change to the tenants' objects, queued for the file API's function
# to record (usage, quotas, audit: file_lambda/events).
module "events" {
  source = "./modules/events"

  name               = "${local.name}-bucket-changes"
  bucket_id          = module.s3.bucket_id
  bucket_arn         = module.s3.bucket_arn
  tenant_prefix      = "tenants/"
  function_alias_arn = module.lambda.alias_arn
  function_role_name = module.iam.lambda_role_name
  function_timeout   = var.lambda_timeout
}

# GuardDuty Malware Protection scans each new version under tenants/ and tags
# it with its verdict; module.events queues the verdicts for the file API
# (docs/decisions/malware-scanning.md).
module "malware_scanning" {
  source = "./modules/malware_scanning"

  role_name     = local.malware_scanner_role_name
  bucket_id     = module.s3.bucket_id
  bucket_arn    = module.s3.bucket_arn
  tenant_prefix = "tenants/"
  enabled       = var.enable_malware_scanning
}

module "waf" {
  source = "./modules/waf"
  count  = var.enable_waf ? 1 : 0

  name                     = local.name
  alb_arn                  = module.alb.arn
  rate_limit_per_5_minutes = var.waf_rate_limit_per_5_minutes
  upload_path_prefix       = "/files/upload"
  file_api_path_prefix     = "/files/"
}

module "alb" {
  source = "./modules/alb"

  name                       = local.name
  vpc_id                     = module.vpc.vpc_id
  subnet_ids                 = module.vpc.public_subnet_ids
  certificate_arn            = module.dns.certificate_arn
  target_port                = var.container_port
  target_security_group_id   = module.ecs.security_group_id
  health_check_path          = "/health"
  enable_deletion_protection = var.enable_deletion_protection

  access_logs_bucket = module.s3.logs_bucket_id
  access_logs_prefix = module.s3.alb_access_logs_prefix

  lambda_function_name = module.lambda.function_name
  lambda_alias_name    = module.lambda.alias_name
  lambda_alias_arn     = module.lambda.alias_arn
  lambda_path_patterns = ["/files/*"]
}

module "ecs" {
  source = "./modules/ecs"

  cluster_name   = "${local.name}-cluster"
  service_name   = "${local.name}-service"
  container_name = "app"
  # Deploys replace this tag with the commit's image; the service runs the
  # placeholder until the first deploy (modules/ecs).
  image             = "${module.ecr.repository_url}:replaced-by-deploy"
  health_check_path = "/health"
  cpu               = var.task_cpu
  memory            = var.task_memory
  container_port    = var.container_port

  # PORT arrives with the secret, as the seed specifies; it must be 8000.
  environment = merge(local.app_environment, local.mail_environment, { AWS_REGION = var.aws_region }, local.webhook_environment, local.job_environment, {
    DELETION_GRACE_DAYS = tostring(var.tenant_deletion_grace_days)
  })
  secret_arn  = module.secrets.secret_arn
  secret_keys = module.secrets.keys

  # The migration's own family: only the database URL from the secret.
  migration_family      = "${local.name}-migrate"
  migration_secret_keys = ["SUPABASE_DB_URL"]

  execution_role_arn = module.iam.ecs_execution_role_arn
  task_role_arn      = module.iam.ecs_task_role_arn

  vpc_id                = module.vpc.vpc_id
  subnet_ids            = module.vpc.private_subnet_ids
  alb_security_group_id = module.alb.security_group_id
  target_group_arn      = module.alb.ecs_target_group_arn

  enable_autoscaling    = var.enable_autoscaling
  min_capacity          = var.autoscaling_min_capacity
  max_capacity          = var.autoscaling_max_capacity
  cpu_target_percent    = 70
  memory_target_percent = 80
  scale_out_cooldown    = 60
  scale_in_cooldown     = 300

  log_group_name        = "/ecs/${local.name}"
  log_retention_in_days = var.log_retention_in_days
}

module "dns" {
  source = "./modules/dns"

  zone_name                     = var.domain_name
  record_name                   = var.api_subdomain
  certificate_arn               = var.certificate_arn
  certificate_domain_name       = "*.${var.domain_name}"
  create_certificate_validation = var.create_certificate_validation
  alb_dns_name                  = module.alb.dns_name
  alb_zone_id                   = module.alb.zone_id
}

# Invitation mails: SES's identity for the domain, with its DKIM records in the
# domain's zone (issue 29; docs/operations.md, "Invitation e-mails").
module "email" {
  source = "./modules/email"
  count  = var.enable_ses_identity ? 1 : 0

  domain                 = var.domain_name
  sender                 = local.mail_sender
  configuration_set_name = local.mail_configuration_set
  zone_id                = module.dns.zone_id
}

locals {
  mail_sender            = coalesce(var.mail_sender, "invitations@${var.domain_name}")
  mail_configuration_set = "${local.name}-mail"
  # Named here rather than read from module.email, as the scanner's role is:
  # the task role's permission does not wait for (or disappear with) the module.
  ses_arn_prefix            = "arn:${data.aws_partition.current.partition}:ses:${var.aws_region}:${data.aws_caller_identity.current.account_id}"
  ses_identity_arn          = "${local.ses_arn_prefix}:identity/${var.domain_name}"
  ses_configuration_set_arn = "${local.ses_arn_prefix}:configuration-set/${local.mail_configuration_set}"

  # The core's mail settings (docs/configuration.md).
  mail_environment = {
    MAIL_FROM             = "SnSD <${local.mail_sender}>"
    SES_CONFIGURATION_SET = local.mail_configuration_set
    INVITE_URL_BASE       = coalesce(var.invite_url_base, "${var.cors_allowed_origins[0]}/invitations")
  }
}

module "monitoring" {
  source = "./modules/monitoring"

  name                                  = local.name
  region                                = var.aws_region
  alb_arn_suffix                        = module.alb.arn_suffix
  ecs_target_group_arn_suffix           = module.alb.ecs_target_group_arn_suffix
  lambda_target_group_arn_suffix        = module.alb.lambda_target_group_arn_suffix
  ecs_cluster_name                      = module.ecs.cluster_name
  ecs_service_name                      = module.ecs.service_name
  lambda_function_name                  = module.lambda.function_name
  dead_letter_queue_name                = module.events.dead_letter_queue_name
  bucket_changes_queue_name             = module.events.queue_name
  scan_results_rule_name                = module.events.scan_results_rule_name
  response_time_threshold_seconds       = var.response_time_threshold_seconds
  files_response_time_threshold_seconds = var.files_response_time_threshold_seconds
  elb_5xx_threshold                     = var.elb_5xx_threshold
  monthly_budget_usd                    = var.monthly_budget_usd
  alarm_email_addresses                 = var.alarm_email_addresses

  replication = var.enable_file_replication ? {
    source_bucket      = module.s3.bucket_id
    destination_bucket = module.file_replica[0].bucket_id
    rule_id            = module.s3.replication_rule_id
  } : null
}

################################################################################
# Webhooks (issue 29): the delivery queue, the delivery function, the sweep
# (modules/webhooks). Off until an operator has put WEBHOOK_SECRETS_KEY in the
# app secret and turns it on (enable_webhooks, DEPLOYMENT.md); on, both
# deployables relay to the queue right after their changes, and the deploy
# workflow ships the file API's package to the delivery function too.
################################################################################

locals {
  webhook_environment = var.enable_webhooks ? { WEBHOOK_QUEUE_URL = module.webhooks[0].queue_url } : {}
}

module "webhooks" {
  source = "./modules/webhooks"
  count  = var.enable_webhooks ? 1 : 0

  name                  = "${local.name}-webhook-deliveries"
  function_name         = "${local.name}-webhook-delivery"
  package_path          = var.lambda_package_path
  architecture          = var.lambda_architecture
  vpc_id                = module.vpc.vpc_id
  subnet_ids            = module.vpc.private_subnet_ids
  secret_arn            = module.secrets.secret_arn
  sender_role_names     = [module.iam.lambda_role_name, module.iam.ecs_task_role_name]
  alarm_topic_arn       = module.monitoring.sns_topic_arn
  log_retention_in_days = var.log_retention_in_days
}

################################################################################
# Jobs (issue 30): folder archives, tenant exports and tenant purges, a step per
# message of the job queue, and the sweep each minute (modules/jobs). On by
# default: tenant deletion depends on them. The file API starts archives and
# the core exports and deletions (JOB_QUEUE_URL); both presign the outputs
# under jobs/. The purge signs its deletion record with DELETION_SIGNING_KEY,
# which the function reads from the app secret (DEPLOYMENT.md, step 3).
################################################################################

locals {
  job_environment = var.enable_jobs ? { JOB_QUEUE_URL = module.jobs[0].queue_url } : {}
}

module "jobs" {
  source = "./modules/jobs"
  count  = var.enable_jobs ? 1 : 0

  name                  = "${local.name}-jobs"
  function_name         = "${local.name}-jobs"
  package_path          = var.lambda_package_path
  architecture          = var.lambda_architecture
  memory_size           = var.job_memory_size
  maximum_concurrency   = var.job_maximum_concurrency
  bucket_id             = module.s3.bucket_id
  bucket_arn            = module.s3.bucket_arn
  tenant_prefix         = "tenants/"
  job_prefix            = module.s3.job_prefix
  deletion_prefix       = "deletions/"
  secret_arn            = module.secrets.secret_arn
  archive_expiry_hours  = 24
  export_expiry_hours   = 168
  alarm_topic_arn       = module.monitoring.sns_topic_arn
  log_retention_in_days = var.log_retention_in_days

  replica = var.enable_file_replication ? {
    bucket_id  = module.file_replica[0].bucket_id
    bucket_arn = module.file_replica[0].bucket_arn
    region     = var.file_replica_region
  } : null

  starter_role_names = {
    file_api = module.iam.lambda_role_name
    core     = module.iam.ecs_task_role_name
  }
}
