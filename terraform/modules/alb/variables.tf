variable "name" {
  description = "Name of the load balancer and prefix of its target groups, e.g. snsd-production (at most 26 characters, target group names add a suffix)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9-]{0,24}[A-Za-z0-9]$", var.name))
    error_message = "Use 2 to 26 letters, digits and hyphens, not starting or ending with a hyphen."
  }
}

variable "vpc_id" {
  description = "VPC of the load balancer."
  type        = string
}

variable "subnet_ids" {
  description = "Public subnets of the load balancer, in at least two availability zones."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "An ALB needs subnets in at least two availability zones."
  }
}

variable "certificate_arn" {
  description = "ACM certificate of the HTTPS listener."
  type        = string
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener: TLS 1.3 and 1.2 only, forward-secret ciphers."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"

  validation {
    condition     = startswith(var.ssl_policy, "ELBSecurityPolicy-TLS13-")
    error_message = "Use a TLS 1.3 policy (ELBSecurityPolicy-TLS13-*)."
  }
}

variable "target_port" {
  description = "Port of the Fargate tasks."
  type        = number
  default     = 8000

  validation {
    condition     = var.target_port >= 1 && var.target_port <= 65535
    error_message = "Must be a TCP port."
  }
}

variable "target_security_group_id" {
  description = "Security group of the Fargate tasks, the only egress destination."
  type        = string
}

variable "health_check_path" {
  description = "Path the load balancer polls on the tasks; must answer 200 without touching dependencies."
  type        = string
  default     = "/health"

  validation {
    condition     = startswith(var.health_check_path, "/")
    error_message = "Must start with /."
  }
}

variable "deregistration_delay" {
  description = "Seconds a draining task keeps serving in-flight requests."
  type        = number
  default     = 30

  validation {
    condition     = var.deregistration_delay >= 0 && var.deregistration_delay <= 3600
    error_message = "Must be between 0 and 3600."
  }
}

variable "idle_timeout" {
  description = "Seconds a connection may idle."
  type        = number
  default     = 60

  validation {
    condition     = var.idle_timeout >= 1 && var.idle_timeout <= 4000
    error_message = "Must be between 1 and 4000."
  }
}

variable "lambda_function_name" {
  description = "Name of the file Lambda."
  type        = string
}

variable "lambda_alias_name" {
  description = "Alias of the file Lambda the load balancer invokes."
  type        = string
}

variable "lambda_alias_arn" {
  description = "Qualified ARN of that alias, registered as the target."
  type        = string
}

variable "lambda_path_patterns" {
  description = "Path patterns the HTTPS listener sends to the Lambda; everything else goes to the tasks."
  type        = list(string)
  default     = ["/files/*"]

  validation {
    condition     = length(var.lambda_path_patterns) >= 1 && length(var.lambda_path_patterns) <= 5
    error_message = "Give 1 to 5 patterns (a listener rule condition takes at most 5)."
  }
}

variable "access_logs_bucket" {
  description = "S3 bucket for access logs, with a policy that lets Elastic Load Balancing write; null disables access logs."
  type        = string
  default     = null
}

variable "access_logs_prefix" {
  description = "Key prefix of the access logs in that bucket."
  type        = string
  default     = "alb"
}

variable "enable_deletion_protection" {
  description = "Refuse to delete the load balancer until this is turned off."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
