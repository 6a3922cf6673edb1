variable "aws_region" {
  description = "Region of the state bucket (and of the platform)."
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
  description = "Environment name, the second part of every resource name."
  type        = string
  default     = "production"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,11}$", var.environment))
    error_message = "Use 2 to 12 lowercase letters and digits, starting with a letter."
  }
}

variable "state_bucket_name" {
  description = "Bucket of the Terraform state (the seed's snsd-terraform-state); the main root's backend file names the same bucket."
  type        = string
  default     = "snsd-terraform-state"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket_name))
    error_message = "Must be a valid S3 bucket name."
  }
}

variable "state_key" {
  description = "Key of the main root's state in the bucket (production.s3.tfbackend says the same)."
  type        = string
  default     = "snsd-backend/production/terraform.tfstate"

  validation {
    condition     = endswith(var.state_key, ".tfstate") && !startswith(var.state_key, "/")
    error_message = "Must be a relative key ending in .tfstate."
  }
}

variable "github_repository" {
  description = "GitHub repository (owner/name) whose workflows may assume the plan and apply roles."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "Must be owner/name."
  }
}

variable "apply_environment" {
  description = "GitHub environment of the apply job (protect it with required reviewers and the main branch only); the only subject the apply role trusts."
  type        = string
  default     = "production-infrastructure"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+$", var.apply_environment))
    error_message = "Use letters, digits, dots, hyphens and underscores."
  }
}

variable "protected_bucket_patterns" {
  description = "Bucket name patterns whose objects the read-only plan role may never read (tenants' files, access logs), even though ReadOnlyAccess allows s3:GetObject."
  type        = list(string)
  default     = ["snsd-file-uploads-*"]

  validation {
    condition     = length(var.protected_bucket_patterns) > 0
    error_message = "Give at least one pattern."
  }
}

variable "state_noncurrent_version_days" {
  description = "Days old versions of state files are kept (every apply writes one)."
  type        = number
  default     = 90

  validation {
    condition     = var.state_noncurrent_version_days >= 1
    error_message = "Must be at least 1."
  }
}

variable "tags" {
  description = "Extra tags for every resource (Project, Environment and ManagedBy are always set)."
  type        = map(string)
  default     = {}
}
