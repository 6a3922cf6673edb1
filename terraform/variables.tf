################################################################################
# Naming and placement
################################################################################

variable "aws_region" {
  description = "Region of the platform. The ACM certificate must be in the load balancer's region."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "Must be an AWS region name, e.g. us-east-1."
  }
}

variable "project" {
  description = "Project name, the first part of every resource name."
  type        = string
  default     = "snsd"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,11}$", var.project))
    error_message = "Use 2 to 12 lowercase letters and digits, starting with a letter."
  }
}

variable "environment" {
  description = "Environment name, the second part of every resource name (snsd-production-cluster)."
  type        = string
  default     = "production"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,11}$", var.environment))
    error_message = "Use 2 to 12 lowercase letters and digits, starting with a letter."
  }
}

variable "tags" {
  description = "Extra tags for every resource (Project, Environment and ManagedBy are always set)."
  type        = map(string)
  default     = {}
}

################################################################################
# Domain and TLS
################################################################################

variable "domain_name" {
  description = "Registered domain with an existing public Route53 hosted zone."
  type        = string
  default     = "snsdconsultant.com"

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]*[a-z0-9])?\\.)+[a-z]{2,}$", var.domain_name))
    error_message = "Must be a lowercase domain name without trailing dot."
  }
}

variable "api_subdomain" {
  description = "Label of the API's A record in the zone (api gives api.snsdconsultant.com)."
  type        = string
  default     = "api"

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", var.api_subdomain))
    error_message = "Must be a single lowercase DNS label."
  }
}

variable "certificate_arn" {
  description = "ARN of an already issued ACM certificate for *.<domain_name> in aws_region; null requests one and validates it through Route53."
  type        = string
  default     = null

  validation {
    condition     = var.certificate_arn == null ? true : can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$", var.certificate_arn))
    error_message = "Must be an ACM certificate ARN."
  }
}

variable "create_certificate_validation" {
  description = "Validate the requested certificate through Route53 and wait until it is issued. Leave true; only emulators that cannot issue certificates need false."
  type        = bool
  default     = true
}

################################################################################
# Network
################################################################################

variable "vpc_cidr" {
  description = "CIDR block of the VPC."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0))
    error_message = "Must be a valid IPv4 CIDR block."
  }
}

# Named, not looked up: the platform must not move or grow when AWS opens
# another zone in the region.
variable "availability_zones" {
  description = "Availability zones of the platform, in aws_region; one public and one private subnet in each."
  type        = list(string)
  default     = ["us-east-1a", "us-east-1b"]

  validation {
    condition     = length(var.availability_zones) >= 2 && length(distinct(var.availability_zones)) == length(var.availability_zones)
    error_message = "Give at least two distinct availability zones (an ALB needs two)."
  }
}

variable "public_subnet_cidrs" {
  description = "Public subnets (load balancer, NAT gateways), one per availability zone; their count sets how many zones are used."
  type        = list(string)
  default     = ["10.0.1.0/24", "10.0.2.0/24"]

  validation {
    condition     = length(var.public_subnet_cidrs) >= 2 && alltrue([for c in var.public_subnet_cidrs : can(cidrhost(c, 0))])
    error_message = "Give at least two valid IPv4 CIDR blocks."
  }
}

variable "private_subnet_cidrs" {
  description = "Private subnets (Fargate tasks), one per availability zone, same count as public_subnet_cidrs."
  type        = list(string)
  default     = ["10.0.11.0/24", "10.0.12.0/24"]

  validation {
    condition     = length(var.private_subnet_cidrs) >= 2 && alltrue([for c in var.private_subnet_cidrs : can(cidrhost(c, 0))])
    error_message = "Give at least two valid IPv4 CIDR blocks."
  }
}

variable "single_nat_gateway" {
  description = "Cost option: one NAT gateway instead of one per zone saves about $32/month, but the private subnets lose the internet when that zone fails."
  type        = bool
  default     = false
}

################################################################################
# Core service (ECS Fargate)
################################################################################

variable "container_port" {
  description = "Port the core service listens on (PORT in the secret must say the same)."
  type        = number
  default     = 8000

  validation {
    condition     = var.container_port >= 1024 && var.container_port <= 65535
    error_message = "Must be an unprivileged TCP port (1024 to 65535)."
  }
}

variable "task_cpu" {
  description = "Fargate task CPU units (256 = 0.25 vCPU)."
  type        = number
  default     = 256

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096], var.task_cpu)
    error_message = "Must be 256, 512, 1024, 2048 or 4096."
  }
}

variable "task_memory" {
  description = "Fargate task memory in MiB; must be a pair Fargate accepts with task_cpu (256 CPU: 512, 1024 or 2048)."
  type        = number
  default     = 512

  # The CPU/memory combinations Fargate accepts (AWS, "Task CPU and memory").
  validation {
    condition = (
      var.task_cpu == 256 ? contains([512, 1024, 2048], var.task_memory) :
      var.task_cpu == 512 ? var.task_memory >= 1024 && var.task_memory <= 4096 && var.task_memory % 1024 == 0 :
      var.task_cpu == 1024 ? var.task_memory >= 2048 && var.task_memory <= 8192 && var.task_memory % 1024 == 0 :
      var.task_cpu == 2048 ? var.task_memory >= 4096 && var.task_memory <= 16384 && var.task_memory % 1024 == 0 :
      var.task_cpu == 4096 ? var.task_memory >= 8192 && var.task_memory <= 30720 && var.task_memory % 1024 == 0 :
      var.task_cpu == 8192 ? var.task_memory >= 16384 && var.task_memory <= 61440 && var.task_memory % 4096 == 0 :
      var.task_cpu == 16384 ? var.task_memory >= 32768 && var.task_memory <= 122880 && var.task_memory % 8192 == 0 :
      false
    )
    error_message = "Not a Fargate CPU/memory pair: 256 takes 512, 1024 or 2048 MiB; 512 takes 1-4 GiB; 1024 takes 2-8 GiB; 2048 takes 4-16 GiB; 4096 takes 8-30 GiB (1 GiB steps)."
  }
}

variable "enable_autoscaling" {
  description = "Autoscale the service on CPU and memory. Leave true: false exists only for the emulator test (moto lacks Application Auto Scaling tagging)."
  type        = bool
  default     = true
}

variable "autoscaling_min_capacity" {
  description = "Fewest running tasks."
  type        = number
  default     = 1

  validation {
    condition     = var.autoscaling_min_capacity >= 1
    error_message = "Keep at least one task running."
  }
}

variable "autoscaling_max_capacity" {
  description = "Most running tasks."
  type        = number
  default     = 4

  validation {
    condition     = var.autoscaling_max_capacity >= 1 && var.autoscaling_max_capacity <= 100
    error_message = "Must be between 1 and 100."
  }
}

variable "log_retention_in_days" {
  description = "Days CloudWatch keeps the service's and the Lambda's logs (7 is the seed's cheaper option)."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "Must be a retention period CloudWatch Logs accepts."
  }
}

################################################################################
# File API (Lambda)
################################################################################

variable "lambda_package_path" {
  description = "Zip to create the file Lambda with; null uses the committed placeholder. CI deploys the real code afterwards, and Terraform ignores code changes."
  type        = string
  default     = null
}

variable "lambda_architecture" {
  description = "Instruction set of the Lambda package CI builds: x86_64 or arm64."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.lambda_architecture)
    error_message = "Must be x86_64 or arm64."
  }
}

variable "lambda_memory_size" {
  description = "Memory of the file Lambda in MB."
  type        = number
  default     = 512

  validation {
    condition     = var.lambda_memory_size >= 128 && var.lambda_memory_size <= 10240
    error_message = "Must be between 128 and 10240 MB."
  }
}

variable "lambda_timeout" {
  description = "Seconds a file API request may run (kept under the load balancer's idle timeout)."
  type        = number
  default     = 30

  validation {
    condition     = var.lambda_timeout >= 1 && var.lambda_timeout <= 59
    error_message = "Must be between 1 and 59 seconds, below the 60 s idle timeout."
  }
}

variable "lambda_log_level" {
  description = "Powertools log level of the file Lambda."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], var.lambda_log_level)
    error_message = "Must be DEBUG, INFO, WARNING, ERROR or CRITICAL."
  }
}

################################################################################
# Application settings
################################################################################

variable "cors_allowed_origins" {
  description = "Browser origins (scheme://host[:port]) allowed to call the API and to post to the uploads bucket, e.g. the web app's origin."
  type        = list(string)

  validation {
    condition     = length(var.cors_allowed_origins) > 0 && alltrue([for o in var.cors_allowed_origins : can(regex("^https?://[^/*,\\s]+$", o))])
    error_message = "Give at least one origin, each scheme://host[:port] without path, comma or wildcard."
  }
}

variable "lambda_snap_start" {
  description = "Lambda SnapStart for the file API's published versions (cold starts resume a snapshot of the initialised function)."
  type        = bool
  default     = true
}

variable "trash_retention_days" {
  description = "Days the file API's trash and old versions are kept after a file is deleted or replaced; then S3 removes them for good. Old versions tier to IA and Glacier only when kept longer than 30 and 90 days."
  type        = number
  default     = 30

  validation {
    condition     = var.trash_retention_days >= 1
    error_message = "At least 1 day."
  }
}

variable "multipart_abort_days" {
  description = "Days after which an unfinished multipart upload is aborted and its parts removed (the bucket's lifecycle rule and the file API's MULTIPART_ABORT_DAYS)."
  type        = number
  default     = 7

  validation {
    condition     = var.multipart_abort_days >= 1
    error_message = "At least 1 day."
  }
}

variable "secret_keys" {
  description = "JSON keys of the app secret; each reaches the core service as an environment variable, and the file Lambda reads SUPABASE_URL, SUPABASE_JWT_SECRET and SUPABASE_DB_URL from it by ARN. Values are put out of band."
  type        = list(string)
  default = [
    "SUPABASE_URL",
    "SUPABASE_ANON_KEY",
    "SUPABASE_SERVICE_ROLE_KEY",
    "SUPABASE_JWT_SECRET",
    "SUPABASE_DB_URL",
    "PORT",
  ]

  validation {
    condition     = alltrue([for k in var.secret_keys : can(regex("^[A-Z][A-Z0-9_]*$", k))])
    error_message = "Every key must be an UPPER_SNAKE_CASE environment variable name."
  }

  # Both deployables need the database: the core for its data, the file Lambda
  # to check memberships (it fails closed with 503 without it).
  validation {
    condition     = contains(var.secret_keys, "SUPABASE_DB_URL")
    error_message = "The secret must hold SUPABASE_DB_URL."
  }
}

variable "secret_recovery_window_in_days" {
  description = "Days a deleted app secret can be restored: 0 or 7 to 30."
  type        = number
  default     = 30

  validation {
    condition     = var.secret_recovery_window_in_days == 0 || (var.secret_recovery_window_in_days >= 7 && var.secret_recovery_window_in_days <= 30)
    error_message = "Must be 0 or between 7 and 30."
  }
}

################################################################################
# CI/CD (GitHub Actions OIDC)
################################################################################

variable "github_repository" {
  description = "GitHub repository (owner/name) whose workflows may assume the deploy role."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "Must be owner/name."
  }
}

variable "github_environment" {
  description = "GitHub environment the deploy jobs run in (protected: main only); the deploy role trusts exactly this environment's token subject."
  type        = string
  default     = "production"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+$", var.github_environment))
    error_message = "Use letters, digits, dots, hyphens and underscores."
  }
}

################################################################################
# Operations
################################################################################

variable "alarm_email_addresses" {
  description = "Email addresses subscribed to the alarm topic (alarms and the cost budget); production needs at least one."
  type        = list(string)
  default     = []

  # A topic without subscribers swallows every alarm and budget alert.
  validation {
    condition     = var.environment != "production" || length(var.alarm_email_addresses) > 0
    error_message = "Production needs at least one alarm_email_addresses entry: without a subscriber no alarm or budget alert reaches anyone."
  }
}

variable "response_time_threshold_seconds" {
  description = "p95 response time of the core service's target group, in seconds, that raises its high-response-time alarm."
  type        = number
  default     = 1

  validation {
    condition     = var.response_time_threshold_seconds > 0
    error_message = "Must be above 0."
  }
}

variable "files_response_time_threshold_seconds" {
  description = "p95 response time of the file API's target group (the Lambda, cold starts included), in seconds, that raises its own alarm."
  type        = number
  default     = 3

  validation {
    condition     = var.files_response_time_threshold_seconds > 0
    error_message = "Must be above 0."
  }
}

variable "elb_5xx_threshold" {
  description = "5xx answers a minute from the load balancer itself (502 when the Lambda fails, 503 without healthy targets, 504 on timeouts) that raise the alarm."
  type        = number
  default     = 5

  validation {
    condition     = var.elb_5xx_threshold >= 0
    error_message = "Must not be negative."
  }
}

variable "monthly_budget_usd" {
  description = "Monthly cost budget of the account in USD, set from the idle month's estimate (about $137, docs/operations.md) so that the 80 % alert means usage grew; AWS Budgets notifies the alarm topic at 80 % actual and 100 % forecast. null: no budget."
  type        = number
  default     = 200

  validation {
    condition     = var.monthly_budget_usd == null ? true : var.monthly_budget_usd > 0
    error_message = "Must be above 0, or null."
  }
}

variable "enable_waf" {
  description = "Put AWS WAF in front of the load balancer: a rate limit per client IP and AWS managed rule groups, tuned for the file API's uploads and downloads (modules/waf)."
  type        = bool
  default     = true
}

variable "waf_rate_limit_per_5_minutes" {
  description = "Requests a client IP may send in 5 minutes before WAF blocks it (file bytes go straight to S3 and do not count)."
  type        = number
  default     = 2000

  validation {
    condition     = var.waf_rate_limit_per_5_minutes >= 10
    error_message = "AWS WAF's minimum is 10."
  }
}

variable "enable_malware_scanning" {
  description = "Scan every new file with GuardDuty Malware Protection for S3 (modules/malware_scanning). Leave true: without it no file is ever scanned and the file API keeps new versions pending. false exists only for the emulator test (moto has no GuardDuty Malware Protection)."
  type        = bool
  default     = true
}

variable "enable_webhooks" {
  description = "Deliver webhooks (modules/webhooks): the delivery queue, its function and the sweep. Turn on once WEBHOOK_SECRETS_KEY is in the app secret and in secret_keys; the deploy workflow then ships the file API's package to the function (DEPLOYMENT.md)."
  type        = bool
  default     = false

  validation {
    condition     = !var.enable_webhooks || contains(var.secret_keys, "WEBHOOK_SECRETS_KEY")
    error_message = "enable_webhooks needs WEBHOOK_SECRETS_KEY in secret_keys (and its value in the app secret)."
  }
}

variable "enable_jobs" {
  description = "Run jobs (modules/jobs): folder archives, tenant exports and tenant purges, with their queue, function and sweep. On: tenant deletion depends on them. The purge signs its record with DELETION_SIGNING_KEY from the app secret (DEPLOYMENT.md)."
  type        = bool
  default     = true
}

variable "job_memory_size" {
  description = "Memory of the job function in MB: a part buffered while it uploads, and Lambda's CPU share (CRC-32 of the bytes read) grows with it."
  type        = number
  default     = 1024

  validation {
    condition     = var.job_memory_size >= 512 && var.job_memory_size <= 10240
    error_message = "Must lie between 512 and 10240 MB."
  }
}

variable "job_maximum_concurrency" {
  description = "Most job steps at once (each one Postgres connection)."
  type        = number
  default     = 5

  validation {
    condition     = var.job_maximum_concurrency >= 2 && var.job_maximum_concurrency <= 1000
    error_message = "Must lie between 2 and 1000 (SQS event source mappings)."
  }
}

variable "tenant_deletion_grace_days" {
  description = "Days a deleted tenant can be restored by an owner before its purge starts (the core's DELETION_GRACE_DAYS)."
  type        = number
  default     = 30

  validation {
    condition     = var.tenant_deletion_grace_days >= 1 && var.tenant_deletion_grace_days <= 90
    error_message = "Must lie between 1 and 90 days."
  }
}

variable "enable_file_replication" {
  description = "Back the tenants' files up by replicating them to a versioned bucket in file_replica_region (deletes arrive as delete markers; old versions expire there after trash_retention_days, as here). Supabase's own backups cover the database, not these files."
  type        = bool
  default     = false
}

variable "file_replica_region" {
  description = "Region of the files' backup bucket, other than aws_region."
  type        = string
  default     = "us-west-2"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.file_replica_region)) && var.file_replica_region != var.aws_region
    error_message = "Must be an AWS region name other than aws_region, e.g. us-west-2."
  }
}

variable "allow_destroy_with_data" {
  description = "Let terraform destroy delete the buckets with every file in them and the image repository with its images. Off: a destroy stops at the first non-empty bucket. Turn on (and apply) only to tear the platform down on purpose."
  type        = bool
  default     = false
}

variable "enable_deletion_protection" {
  description = "Protect the load balancer from deletion. Turn off only to tear the platform down."
  type        = bool
  default     = true
}

# -- invitation mails (modules/email) ------------------------------------------

variable "mail_sender" {
  description = "The address the core sends invitation mails from (an address of domain_name); null: invitations@<domain_name>."
  type        = string
  default     = null
}

variable "invite_url_base" {
  description = "The web app's invitation page; a mail links to <invite_url_base>/<invitation id>. null: <first of cors_allowed_origins>/invitations."
  type        = string
  default     = null

  validation {
    condition     = var.invite_url_base == null || can(regex("^https://[^\\s]+[^/]$", var.invite_url_base))
    error_message = "An https URL without a trailing slash."
  }
}

variable "enable_ses_identity" {
  description = "Create the SES identity of domain_name, its DKIM records and the configuration set (modules/email). Leave true: without them no invitation is mailed. false exists only for the emulator test (moto's SES v2 answers in shapes the provider cannot read)."
  type        = bool
  default     = true
}
