variable "bucket" {
  description = "Name of the bucket to harden (the caller's aws_s3_bucket id)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket))
    error_message = "Must be a valid S3 bucket name."
  }
}

variable "bucket_arn" {
  description = "ARN of the same bucket (the caller's aws_s3_bucket arn), for the TLS-only statement."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9.-]+$", var.bucket_arn))
    error_message = "Must be an S3 bucket ARN."
  }
}

variable "policy_documents" {
  description = "The bucket's own policy statements (JSON policy documents, e.g. from aws_iam_policy_document), merged after the TLS-only statement; their Sids must not be DenyInsecureTransport."
  type        = list(string)
  default     = []
}

variable "malware_scanner" {
  description = "The role GuardDuty Malware Protection scans and tags this bucket's objects with ({ role_arn }); set, the policy denies everyone else reading an object tagged GuardDutyMalwareScanStatus = THREATS_FOUND and changing or deleting any object's tags. null: neither (buckets that are not scanned). An object, so that whether it is set is known when planning, before the role's ARN is."
  type = object({
    role_arn = string
  })
  default = null
}
