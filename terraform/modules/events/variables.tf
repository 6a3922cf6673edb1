variable "name" {
  description = "Name of the queue; the dead-letter queue is name-dlq."
  type        = string
}

variable "bucket_id" {
  description = "Name of the uploads bucket whose changes are sent."
  type        = string
}

variable "bucket_arn" {
  description = "ARN of the uploads bucket: the only sender the queue accepts."
  type        = string
}

variable "tenant_prefix" {
  description = "Key prefix of the tenants' objects; changes elsewhere are not sent."
  type        = string
  default     = "tenants/"
}

variable "function_alias_arn" {
  description = "ARN of the function alias that consumes the queue (the file API's live alias)."
  type        = string
}

variable "function_role_name" {
  description = "Name of the function's execution role, given the right to consume the queue."
  type        = string
}

variable "function_timeout" {
  description = "The function's timeout in seconds; the queue's visibility timeout is six times it."
  type        = number

  validation {
    condition     = var.function_timeout >= 1 && var.function_timeout <= 900
    error_message = "function_timeout must lie between 1 and 900 seconds."
  }
}

variable "max_receive_count" {
  description = "Attempts before a message moves to the dead-letter queue; with the visibility timeout it bounds the database outage the queue rides out."
  type        = number
  default     = 1000

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000
    error_message = "max_receive_count must lie between 1 and 1000."
  }
}

variable "batch_size" {
  description = "Most messages handed to one invocation."
  type        = number
  default     = 100

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10000
    error_message = "batch_size must lie between 1 and 10000."
  }
}

variable "batching_window_seconds" {
  description = "Longest wait to fill a batch; required above 10 messages a batch."
  type        = number
  default     = 5

  validation {
    condition     = var.batching_window_seconds >= 0 && var.batching_window_seconds <= 300
    error_message = "batching_window_seconds must lie between 0 and 300."
  }
}

variable "maximum_concurrency" {
  description = "Most batches handled at once (each holds one Postgres connection)."
  type        = number
  default     = 2

  validation {
    condition     = var.maximum_concurrency >= 2 && var.maximum_concurrency <= 1000
    error_message = "maximum_concurrency must lie between 2 and 1000 (SQS event source mappings)."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
