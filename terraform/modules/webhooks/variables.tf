variable "name" {
  description = "Name of the delivery queue; the dead-letter queue is name-dlq, the sweep's rule name-sweep."
  type        = string
}

variable "function_name" {
  description = "Name of the delivery function."
  type        = string
}

variable "package_path" {
  description = "The file API's package (the same artifact, another handler); null: the placeholder until CI deploys."
  type        = string
  default     = null
}

variable "architecture" {
  description = "The function's architecture, the file API's."
  type        = string
  default     = "arm64"
}

variable "memory_size" {
  description = "The function's memory (MB). An attempt waits on its receiver; 256 MB holds ten threads and one Postgres connection."
  type        = number
  default     = 256
}

variable "function_timeout" {
  description = "The function's timeout in seconds: a batch's parallel attempts (10 s each at most) and their records; the queue's visibility timeout is six times it."
  type        = number
  default     = 30

  validation {
    condition     = var.function_timeout >= 15 && var.function_timeout <= 900
    error_message = "function_timeout must lie between 15 (an attempt's 10 s and its record) and 900 seconds."
  }
}

variable "reserved_concurrent_executions" {
  description = "Executions reserved for the function; null (the default) reserves none, since a new account's unreserved minimum may refuse it. maximum_concurrency bounds the queue's share anyway."
  type        = number
  default     = null
}

variable "message_retention_seconds" {
  description = "How long a delivery's message may live: above the schedule's 27 h 35 min from the first attempt, with margin."
  type        = number
  default     = 345600

  validation {
    condition     = var.message_retention_seconds > 27 * 3600 + 35 * 60 && var.message_retention_seconds <= 1209600
    error_message = "message_retention_seconds must exceed 27 h 35 min (the retry schedule) and be at most 14 days."
  }
}

variable "max_receive_count" {
  description = "Receives before the dead-letter queue: retries, rate-limited put-backs and early duplicates all count, so far above the 8 attempts."
  type        = number
  default     = 1000

  validation {
    condition     = var.max_receive_count >= 100 && var.max_receive_count <= 1000
    error_message = "max_receive_count must lie between 100 and 1000."
  }
}

variable "batch_size" {
  description = "Messages per invocation; attempted in parallel threads."
  type        = number
  default     = 10

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10
    error_message = "batch_size must lie between 1 and 10 (one thread each)."
  }
}

variable "batching_window_seconds" {
  description = "Longest wait to fill a batch."
  type        = number
  default     = 1
}

variable "maximum_concurrency" {
  description = "Most batches at once, each holding one Postgres connection (SQS event source mappings allow 2 to 1000)."
  type        = number
  default     = 5

  validation {
    condition     = var.maximum_concurrency >= 2 && var.maximum_concurrency <= 1000
    error_message = "maximum_concurrency must lie between 2 and 1000."
  }
}

variable "vpc_id" {
  description = "The VPC whose private subnets the function runs in (egress through the NAT gateways)."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets with a route to a NAT gateway."
  type        = list(string)
}

variable "egress_ports" {
  description = "TCP ports the function may reach: https and http receivers, Supabase's session (5432) and transaction (6543) poolers."
  type        = list(number)
  default     = [443, 80, 5432, 6543]
}

variable "secret_arn" {
  description = "The app secret: SUPABASE_DB_URL and WEBHOOK_SECRETS_KEY."
  type        = string
}

variable "sender_role_names" {
  description = "Roles that relay to the queue (sqs:SendMessage): the file API's and the core task's."
  type        = list(string)
  default     = []
}

variable "alarm_topic_arn" {
  description = "The SNS topic of the platform's alarms."
  type        = string
}

variable "oldest_message_alarm_seconds" {
  description = "Age of the oldest message that raises an alarm: beyond the schedule's 27 h 35 min, with margin."
  type        = number
  default     = 108000
}

variable "log_retention_in_days" {
  description = "Retention of the function's logs."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
