variable "name" {
  description = "Name of the secret, e.g. snsd-production-secrets."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9/_+=.@-]{1,512}$", var.name))
    error_message = "Must be 1 to 512 characters of letters, digits and /_+=.@-."
  }
}

variable "description" {
  description = "Description shown in the console."
  type        = string
  default     = "Runtime configuration of the SnSD backend. Values are set with put-secret-value, never by Terraform."
}

variable "keys" {
  description = "JSON keys the secret value must hold. Documented here and passed to the consumers; Terraform never sets the values."
  type        = list(string)

  validation {
    condition     = length(var.keys) > 0 && alltrue([for k in var.keys : can(regex("^[A-Z][A-Z0-9_]*$", k))])
    error_message = "Give at least one key, each an UPPER_SNAKE_CASE environment variable name."
  }
}

variable "kms_key_id" {
  description = "KMS key to encrypt the secret with; null uses the AWS-managed aws/secretsmanager key."
  type        = string
  default     = null
}

variable "recovery_window_in_days" {
  description = "Days a deleted secret can still be restored: 0 (delete at once) or 7 to 30."
  type        = number
  default     = 30

  validation {
    condition     = var.recovery_window_in_days == 0 || (var.recovery_window_in_days >= 7 && var.recovery_window_in_days <= 30)
    error_message = "Must be 0 or between 7 and 30."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
