variable "bucket_name" {
  description = "Name of the uploads bucket; the logs bucket is named <bucket_name>-logs."
  type        = string

  validation {
    # 58, not 63: the "-logs" suffix must still fit.
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,56}[a-z0-9]$", var.bucket_name))
    error_message = "Use 3 to 58 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit."
  }
}

variable "cors_allowed_origins" {
  description = "Browser origins allowed to post to and read from the uploads bucket (scheme://host[:port], no wildcard)."
  type        = list(string)

  validation {
    condition     = length(var.cors_allowed_origins) > 0 && alltrue([for o in var.cors_allowed_origins : can(regex("^https?://[^/*\\s]+$", o))])
    error_message = "Give at least one origin, each scheme://host[:port] without path or wildcard."
  }
}

variable "cors_max_age_seconds" {
  description = "How long browsers may cache the bucket's CORS preflight answer."
  type        = number
  default     = 3000

  validation {
    condition     = var.cors_max_age_seconds >= 0
    error_message = "Must not be negative."
  }
}

variable "transition_to_ia_days" {
  description = "Days after creation when objects move to Standard-IA."
  type        = number
  default     = 30

  validation {
    # S3 refuses Standard-IA transitions earlier than 30 days.
    condition     = var.transition_to_ia_days >= 30
    error_message = "S3 needs at least 30 days before a Standard-IA transition."
  }
}

variable "transition_to_glacier_days" {
  description = "Days after creation when uploads move to Glacier Instant Retrieval and access logs to Glacier Flexible Retrieval."
  type        = number
  default     = 90

  validation {
    condition     = var.transition_to_glacier_days >= 60
    error_message = "Objects must spend 30 days in Standard-IA first, so at least 60 days."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which replaced or deleted versions of uploads (old versions and the file API's trash) are removed for good; null keeps them."
  type        = number
  default     = null

  validation {
    condition     = var.noncurrent_version_expiration_days == null ? true : var.noncurrent_version_expiration_days >= 1
    error_message = "Must be at least 1 day, or null."
  }
}

variable "log_expiration_days" {
  description = "Days after which access logs are deleted; null keeps them."
  type        = number
  default     = 365

  validation {
    condition     = var.log_expiration_days == null ? true : var.log_expiration_days >= 91
    error_message = "Must be null or longer than the Glacier transition (more than 90 days)."
  }
}

variable "alb_access_logs_prefix" {
  description = "Prefix under which the load balancer writes its access logs in the logs bucket."
  type        = string
  default     = "alb"

  validation {
    condition     = can(regex("^[a-zA-Z0-9!_.*'()-]+(/[a-zA-Z0-9!_.*'()-]+)*$", var.alb_access_logs_prefix))
    error_message = "Must be a key prefix without leading or trailing slash."
  }
}

variable "force_destroy" {
  description = "Let terraform destroy delete the buckets while they still hold objects. Leave false in production."
  type        = bool
  default     = false
}

variable "malware_scanner" {
  description = "The role GuardDuty Malware Protection scans and tags the uploads with ({ role_arn }, modules/malware_scanning): the uploads bucket's policy then denies reading objects found infected and changing their tags to everyone else. null: no such statements. The logs bucket is not scanned."
  type = object({
    role_arn = string
  })
  default = null
}

variable "enable_replication" {
  description = "Replicate new files under replication_prefix to replica_bucket_arn (a versioned bucket in another region), as a backup."
  type        = bool
  default     = false
}

variable "replica_bucket_arn" {
  description = "ARN of the backup bucket, when enable_replication is true."
  type        = string
  default     = null

  validation {
    condition     = var.replica_bucket_arn == null ? true : can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9.-]+$", var.replica_bucket_arn))
    error_message = "Must be an S3 bucket ARN."
  }
}

variable "replication_prefix" {
  description = "Key prefix that is replicated: the tenants' files."
  type        = string
  default     = "tenants/"

  validation {
    condition     = endswith(var.replication_prefix, "/")
    error_message = "Must end with /."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which S3 aborts an unfinished multipart upload and removes its parts; the file API's MULTIPART_ABORT_DAYS must match."
  type        = number
  default     = 7

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1
    error_message = "At least 1 day."
  }
}

variable "job_prefix" {
  description = "Where the jobs' outputs (archives, exports) live, expired by their own rule; outside replication_prefix, so not replicated."
  type        = string
  default     = "jobs/"

  validation {
    condition     = endswith(var.job_prefix, "/")
    error_message = "Must end with /."
  }
}

variable "job_output_expiration_days" {
  description = "Days after which S3 deletes a job's output the sweep left (the longest expiry is 7 days, an export's)."
  type        = number
  default     = 8

  validation {
    condition     = var.job_output_expiration_days >= 8
    error_message = "At least 8 days: an export is downloadable for 7."
  }
}

variable "job_output_noncurrent_days" {
  description = "Days after which a deleted job output's data is removed for good."
  type        = number
  default     = 1

  validation {
    condition     = var.job_output_noncurrent_days >= 1
    error_message = "At least 1 day."
  }
}
