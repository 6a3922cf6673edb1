variable "name" {
  description = "Name of the web ACL and prefix of its metrics, e.g. snsd-production."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,100}$", var.name))
    error_message = "Use 1 to 100 letters, digits, hyphens and underscores."
  }
}

variable "alb_arn" {
  description = "ARN of the load balancer the web ACL protects."
  type        = string
}

variable "rate_limit_per_5_minutes" {
  description = "Requests one client IP may send in any 5 minutes before its further requests are blocked (AWS WAF's minimum is 10). Browsers upload and download files straight to and from S3 with presigned URLs, so file bytes do not count here."
  type        = number
  default     = 2000

  validation {
    condition     = var.rate_limit_per_5_minutes >= 10 && var.rate_limit_per_5_minutes <= 2000000000
    error_message = "Must be between 10 and 2,000,000,000."
  }
}

variable "public_link_rate_limit_per_5_minutes" {
  description = "Requests one client IP may send in any 5 minutes to the routes of share links and file requests (/files/public/, /files/s/, /files/r/) before its further ones there are blocked; below rate_limit_per_5_minutes, which counts them too. A 1 GiB file sent through a request signs about 205 parts: 500 lets one such upload through in 5 minutes."
  type        = number
  default     = 500

  validation {
    condition     = var.public_link_rate_limit_per_5_minutes >= 10 && var.public_link_rate_limit_per_5_minutes < var.rate_limit_per_5_minutes
    error_message = "Must be at least 10 (AWS WAF's minimum) and below rate_limit_per_5_minutes."
  }
}

variable "upload_path_prefix" {
  description = "Path prefix of the inline upload routes (/files/upload, /files/upload-multiple): multipart bodies of any file's bytes, which the common rule set's body rules would misread, so it does not inspect them."
  type        = string
  default     = "/files/upload"

  validation {
    condition     = startswith(var.upload_path_prefix, "/")
    error_message = "Must start with /."
  }
}

variable "file_api_path_prefix" {
  description = "Path prefix the load balancer sends to the file API (/files/); every other path is the core service's, whose bodies core_max_body_bytes bounds."
  type        = string
  default     = "/files/"

  validation {
    condition     = startswith(var.file_api_path_prefix, "/")
    error_message = "Must start with /."
  }
}

variable "core_max_body_bytes" {
  description = "Largest request body WAF lets through to the core service's paths (core_service/bodies.py's MAX_BODY_BYTES); at most 8192, all that WAF inspects of a body behind a load balancer."
  type        = number
  default     = 8192

  validation {
    condition     = var.core_max_body_bytes >= 1 && var.core_max_body_bytes <= 8192
    error_message = "Must be between 1 and 8192."
  }
}

variable "common_rules_counted" {
  description = "Rules of AWSManagedRulesCommonRuleSet that only count instead of blocking: bodies above 8 KB are normal here (JSON lists of keys, inline uploads up to the Lambda's 1 MB), and tenants' file names may end in .ini, .log or .bak."
  type        = list(string)
  default     = ["SizeRestrictions_BODY", "RestrictedExtensions_URIPATH"]
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
