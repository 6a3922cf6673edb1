variable "bucket_name" {
  description = "Name of the replica bucket, in the provider's (second) region, e.g. snsd-file-uploads-production-replica."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "Must be a valid S3 bucket name."
  }
}

variable "transition_to_glacier_days" {
  description = "Days after which replicated files (stored as Standard-IA) move to Glacier Flexible Retrieval."
  type        = number
  default     = 90

  validation {
    condition     = var.transition_to_glacier_days >= 30
    error_message = "Standard-IA objects must stay 30 days before Glacier."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days replaced or deleted versions are kept in the replica; the source's trash retention, so the replica keeps what the source keeps. null keeps them."
  type        = number
  default     = 365

  validation {
    condition     = var.noncurrent_version_expiration_days == null ? true : var.noncurrent_version_expiration_days >= 1
    error_message = "Must be at least 1 day, or null."
  }
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which an unfinished multipart upload is aborted; the primary's figure (multipart_abort_days)."
  type        = number
  default     = 7

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1
    error_message = "At least 1 day."
  }
}

variable "force_destroy" {
  description = "Let terraform destroy delete the replica while it still holds files."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
