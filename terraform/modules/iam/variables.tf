variable "name" {
  description = "Name prefix of the roles, e.g. snsd-production."
  type        = string

  validation {
    # Leaves room for the longest suffix (-github-deploy) within 64 characters.
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,50}$", var.name))
    error_message = "Use 1 to 50 characters valid in IAM role names."
  }
}

variable "uploads_bucket_arn" {
  description = "ARN of the uploads bucket."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9.-]+$", var.uploads_bucket_arn))
    error_message = "Must be an S3 bucket ARN."
  }
}

variable "tenant_prefix" {
  description = "Key prefix under which all tenants' objects live; the app roles get nothing outside it."
  type        = string
  default     = "tenants/"

  validation {
    condition     = endswith(var.tenant_prefix, "/") && !startswith(var.tenant_prefix, "/") && length(var.tenant_prefix) > 1
    error_message = "Must be a non-empty prefix ending in / without a leading /."
  }
}

variable "secret_arn" {
  description = "ARN of the app secret the task execution role and the Lambda may read."
  type        = string
}

variable "ecr_repository_arn" {
  description = "ARN of the image repository."
  type        = string
}

variable "ecs_log_group_arn" {
  description = "ARN of the containers' log group."
  type        = string
}

variable "ecs_cluster_arn" {
  description = "ARN of the ECS cluster the deploy role may run the migration task in."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:cluster/[A-Za-z0-9_-]+$", var.ecs_cluster_arn))
    error_message = "Must be an ECS cluster ARN."
  }
}

variable "ecs_service_arn" {
  description = "ARN of the ECS service the deploy role may roll."
  type        = string
}

variable "ecs_task_definition_arn" {
  description = "ARN of a revision of the service's task definition; the deploy role may register and tag revisions of its family."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:task-definition/[A-Za-z0-9_-]+:[0-9]+$", var.ecs_task_definition_arn))
    error_message = "Must be a task definition revision ARN."
  }
}

variable "ecs_migration_task_definition_arn" {
  description = "ARN of a revision of the migration's task definition (a family of its own, carrying only the database URL); the only family the deploy role may run one-off tasks of."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:task-definition/[A-Za-z0-9_-]+:[0-9]+$", var.ecs_migration_task_definition_arn))
    error_message = "Must be a task definition revision ARN."
  }
}

variable "lambda_function_arn" {
  description = "Unqualified ARN of the file Lambda the deploy role may release."
  type        = string
}

variable "webhook_function_arn" {
  description = "Unqualified ARN of the webhooks' delivery function, which the deploy role ships the file API's package to; null while webhooks are off."
  type        = string
  default     = null
}

variable "job_function_arn" {
  description = "Unqualified ARN of the job function (modules/jobs), which the deploy role ships the file API's package to; null while jobs are off."
  type        = string
  default     = null
}

variable "lambda_log_group_arn" {
  description = "ARN of the file Lambda's log group."
  type        = string
}

variable "lambda_xray_tracing" {
  description = "Let the Lambda write X-Ray traces (needed when its tracing mode is Active)."
  type        = bool
  default     = true
}

variable "github_repository" {
  description = "GitHub repository (owner/name) whose workflows may assume the deploy role."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "Must be owner/name."
  }
}

variable "github_environment" {
  description = "GitHub environment of the deploy jobs; the deploy role trusts exactly repo:<github_repository>:environment:<this>."
  type        = string
  default     = "production"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+$", var.github_environment))
    error_message = "Use letters, digits, dots, hyphens and underscores."
  }
}

variable "github_oidc_provider_arn" {
  description = "ARN of the account's GitHub Actions OIDC provider (created by terraform/bootstrap)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/token\\.actions\\.githubusercontent\\.com$", var.github_oidc_provider_arn))
    error_message = "Must be the ARN of the token.actions.githubusercontent.com OIDC provider."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "ses_identity_arn" {
  description = "ARN of the SES identity the core service sends invitation mails through."
  type        = string
}

variable "ses_configuration_set_arn" {
  description = "ARN of the SES configuration set the core service's mails name."
  type        = string
}

variable "ses_sender" {
  description = "The one address the core service may send from (IAM's ses:FromAddress)."
  type        = string
}
