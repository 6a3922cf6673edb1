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

variable "lambda_target_group_arn_suffix" {
  description = "ARN suffix of the Lambda target group (TargetGroup dimension)."
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

variable "dead_letter_queue_name" {
  description = "Name of the bucket changes' dead-letter queue; any message in it raises an alarm."
  type        = string
}

variable "bucket_changes_queue_name" {
  description = "Name of the bucket changes' queue; the age of its oldest message raises an alarm long before the dead-letter queue would."
  type        = string
}

variable "scan_results_rule_name" {
  description = "Name of the EventBridge rule that queues GuardDuty's scan results; any result it fails to deliver raises an alarm."
  type        = string
}

variable "replication" {
  description = "The backup replication whose failures raise an alarm (the metrics' SourceBucket, DestinationBucket and RuleId); null without replication."
  type = object({
    source_bucket      = string
    destination_bucket = string
    rule_id            = string
  })
  default = null
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

variable "files_response_time_threshold_seconds" {
  description = "p95 target response time of the file API's target group, in seconds, above which its alarm fires (cold starts included)."
  type        = number
  default     = 3

  validation {
    condition     = var.files_response_time_threshold_seconds > 0
    error_message = "Must be above 0."
  }
}

variable "elb_5xx_threshold" {
  description = "5xx responses a minute that the load balancer itself answers (502/503/504) above which the alarm fires."
  type        = number
  default     = 5

  validation {
    condition     = var.elb_5xx_threshold >= 0
    error_message = "Must not be negative."
  }
}

variable "target_5xx_threshold" {
  description = "5xx responses a minute from one target group's targets (the core's tasks, the file Lambda) above which its alarm fires."
  type        = number
  default     = 5

  validation {
    condition     = var.target_5xx_threshold >= 0
    error_message = "Must not be negative."
  }
}

variable "task_shortfall_minutes" {
  description = "Consecutive minutes the core service may run fewer tasks than desired (a task replaced, a scale-out starting) before its alarm fires."
  type        = number
  default     = 5

  validation {
    condition     = var.task_shortfall_minutes >= 1
    error_message = "Must be at least 1."
  }
}

variable "queue_age_threshold_seconds" {
  description = "Age, in seconds, of the oldest bucket change still queued above which its alarm fires; keep it far below the visibility timeout times maxReceiveCount, when the message would dead-letter."
  type        = number
  default     = 1800

  validation {
    condition     = var.queue_age_threshold_seconds >= 60
    error_message = "Must be at least 60 seconds."
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

variable "monthly_budget_usd" {
  description = "Monthly cost budget of the account in USD; AWS Budgets notifies the alarm topic. null: no budget."
  type        = number
  default     = null

  validation {
    condition     = var.monthly_budget_usd == null ? true : var.monthly_budget_usd > 0
    error_message = "Must be above 0, or null."
  }
}

variable "budget_warning_percent" {
  description = "Share of the monthly budget, in percent, whose actual spend notifies the topic (a forecast above 100 % always does)."
  type        = number
  default     = 80

  validation {
    condition     = var.budget_warning_percent > 0 && var.budget_warning_percent <= 100
    error_message = "Must be between 0 and 100."
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
