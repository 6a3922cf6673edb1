variable "function_name" {
  description = "Name of the function, e.g. snsd-production-file-api."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "Use 1 to 64 letters, digits, hyphens and underscores."
  }
}

variable "description" {
  description = "Description of the function."
  type        = string
  default     = "SnSD file API (/files/*) behind the load balancer"
}

variable "handler" {
  description = "Entry point, module.function."
  type        = string
  default     = "file_lambda.handler.handler"
}

variable "runtime" {
  description = "Lambda runtime."
  type        = string
  default     = "python3.12"

  validation {
    condition     = can(regex("^python3\\.[0-9]+$", var.runtime))
    error_message = "The file API is Python: use a python3.x runtime."
  }
}

variable "architecture" {
  description = "Instruction set of the package: x86_64 or arm64 (must match the wheels CI bundles)."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "Must be x86_64 or arm64."
  }
}

variable "memory_size" {
  description = "Memory in MB (CPU scales with it)."
  type        = number
  default     = 512

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "Must be between 128 and 10240 MB."
  }
}

variable "timeout" {
  description = "Seconds an invocation may run."
  type        = number
  default     = 30

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900
    error_message = "Must be between 1 and 900 seconds."
  }
}

variable "package_path" {
  description = "Zip to create the function with; null uses the committed placeholder. Later code changes come from CI and are ignored by Terraform."
  type        = string
  default     = null
}

variable "role_arn" {
  description = "Execution role of the function."
  type        = string
}

variable "environment" {
  description = "Environment variables. Plain settings and the secret's ARN only, never secret values."
  type        = map(string)
  default     = {}
}

variable "alias_name" {
  description = "Alias the load balancer invokes."
  type        = string
  default     = "live"

  validation {
    condition     = can(regex("^[A-Za-z-_][A-Za-z0-9-_]{0,127}$", var.alias_name)) && !can(regex("^[0-9]+$", var.alias_name))
    error_message = "Must be a valid alias name (not a number)."
  }
}

variable "tracing_mode" {
  description = "X-Ray tracing: Active or PassThrough."
  type        = string
  default     = "Active"

  validation {
    condition     = contains(["Active", "PassThrough"], var.tracing_mode)
    error_message = "Must be Active or PassThrough."
  }
}

variable "reserved_concurrent_executions" {
  description = "Concurrency reserved for (and capping) the function; -1 leaves it unreserved."
  type        = number
  default     = -1

  validation {
    condition     = var.reserved_concurrent_executions >= -1
    error_message = "Must be -1 or more."
  }
}

variable "log_retention_in_days" {
  description = "Days CloudWatch keeps the function's logs."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "Must be a retention period CloudWatch Logs accepts."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "snap_start" {
  description = "Start published versions from a snapshot of their initialised environment (Lambda SnapStart; from the first release on, the alias invokes published versions only)."
  type        = bool
  default     = true
}
