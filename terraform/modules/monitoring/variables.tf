variable "name" {
  description = "Name prefix of the topic, alarms and dashboard, e.g. snsd-production."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,200}$", var.name))
    error_message = "Use letters, digits, hyphens and underscores."
  }
}

variable "region" {
  description = "Region of the metrics shown on the dashboard."
  type        = string
}

variable "alb_arn_suffix" {
  description = "ARN suffix of the load balancer (LoadBalancer dimension)."
  type        = string
}

variable "ecs_target_group_arn_suffix" {
  description = "ARN suffix of the Fargate target group (TargetGroup dimension)."
  type        = string
}

variable "ecs_cluster_name" {
  description = "Name of the ECS cluster."
  type        = string
}

variable "ecs_service_name" {
  description = "Name of the ECS service."
  type        = string
}

variable "lambda_function_name" {
  description = "Name of the file Lambda."
  type        = string
}

variable "response_time_threshold_seconds" {
  description = "p95 target response time, in seconds, above which the response-time alarm fires."
  type        = number
  default     = 1

  validation {
    condition     = var.response_time_threshold_seconds > 0
    error_message = "Must be above 0."
  }
}

variable "lambda_errors_threshold" {
  description = "Lambda errors per 5 minutes above which the errors alarm fires."
  type        = number
  default     = 0

  validation {
    condition     = var.lambda_errors_threshold >= 0
    error_message = "Must not be negative."
  }
}

variable "evaluation_periods" {
  description = "Consecutive one-minute periods a load balancer metric must breach before its alarm fires."
  type        = number
  default     = 3

  validation {
    condition     = var.evaluation_periods >= 1
    error_message = "Must be at least 1."
  }
}

variable "alarm_email_addresses" {
  description = "Addresses subscribed to the alarm topic (each must confirm by email)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.alarm_email_addresses : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "Every entry must be an email address."
  }
}

variable "extra_alarm_actions" {
  description = "Further ARNs (e.g. a chat integration's topic) notified on alarm and recovery."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
