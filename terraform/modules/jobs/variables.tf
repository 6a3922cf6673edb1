variable "name" {
  description = "Name of the job queue; the dead-letter queue is name-dlq, the sweep's rule name-sweep."
  type        = string
}

variable "function_name" {
  description = "Name of the job function."
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
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "Must be x86_64 or arm64."
  }
}

variable "memory_size" {
  description = "The function's memory (MB): a part buffered while its upload runs, a ZIP's central directory, a purge's pages of keys; Lambda's CPU share grows with memory, and CRC-32 of read bytes is CPU."
  type        = number
  default     = 1024

  validation {
    condition     = var.memory_size >= 512 && var.memory_size <= 10240
    error_message = "memory_size must lie between 512 and 10240 MB."
  }
}

variable "function_timeout" {
  description = "The function's timeout in seconds; a step works until 30 s before it, then checkpoints and sends itself the job again."
  type        = number
  default     = 900

  validation {
    condition     = var.function_timeout >= 120 && var.function_timeout <= 900
    error_message = "function_timeout must lie between 120 s (a step needs room beyond its 30 s margin) and 900 s, Lambda's most."
  }
}

variable "visibility_margin_seconds" {
  description = "The queue's visibility timeout is the function's timeout plus this: a step still running is never handed out twice."
  type        = number
  default     = 60

  validation {
    condition     = var.visibility_margin_seconds >= 30
    error_message = "visibility_margin_seconds must be at least 30."
  }
}

variable "message_retention_seconds" {
  description = "How long a step's message may wait; the sweep resends a job whose message was lost, so SQS's default 4 days is plenty."
  type        = number
  default     = 345600

  validation {
    condition     = var.message_retention_seconds >= 3600 && var.message_retention_seconds <= 1209600
    error_message = "message_retention_seconds must lie between 1 hour and 14 days."
  }
}

variable "max_receive_count" {
  description = "Receives of one step's message before the dead-letter queue: the same step failed this many times (each step sends a new message)."
  type        = number
  default     = 10

  validation {
    condition     = var.max_receive_count >= 3 && var.max_receive_count <= 100
    error_message = "max_receive_count must lie between 3 and 100."
  }
}

variable "maximum_concurrency" {
  description = "Most steps at once (SQS event source mappings allow 2 to 1000): each holds one Postgres connection and reads or deletes in the bucket at full speed."
  type        = number
  default     = 5

  validation {
    condition     = var.maximum_concurrency >= 2 && var.maximum_concurrency <= 1000
    error_message = "maximum_concurrency must lie between 2 and 1000."
  }
}

variable "reserved_concurrent_executions" {
  description = "Executions reserved for the function; null (the default) reserves none, since a new account's unreserved minimum may refuse it. maximum_concurrency bounds the queue's share anyway."
  type        = number
  default     = null
}

variable "bucket_id" {
  description = "The uploads bucket's name (S3_BUCKET_NAME)."
  type        = string
}

variable "bucket_arn" {
  description = "The uploads bucket's ARN."
  type        = string
}

variable "tenant_prefix" {
  description = "Where the tenants' files live: tenants/{tenant_id}/..."
  type        = string
  default     = "tenants/"

  validation {
    condition     = endswith(var.tenant_prefix, "/")
    error_message = "Must end with /."
  }
}

variable "job_prefix" {
  description = "Where the jobs' outputs live: jobs/{tenant_id}/{job_id}/..."
  type        = string
  default     = "jobs/"

  validation {
    condition     = endswith(var.job_prefix, "/")
    error_message = "Must end with /."
  }
}

variable "deletion_prefix" {
  description = "Where the signed deletion records live: deletions/{tenant_id}.json."
  type        = string
  default     = "deletions/"

  validation {
    condition     = endswith(var.deletion_prefix, "/")
    error_message = "Must end with /."
  }
}

variable "replica" {
  description = "The replica bucket a purge empties too (bucket_id, bucket_arn, region); null without replication."
  type = object({
    bucket_id  = string
    bucket_arn = string
    region     = string
  })
  default = null
}

variable "secret_arn" {
  description = "The app secret: SUPABASE_DB_URL and DELETION_SIGNING_KEY."
  type        = string
}

variable "archive_expiry_hours" {
  description = "Hours a folder archive can be downloaded before the sweep deletes it (ARCHIVE_EXPIRY_HOURS)."
  type        = number
  default     = 24

  validation {
    condition     = var.archive_expiry_hours >= 1 && var.archive_expiry_hours <= 168
    error_message = "archive_expiry_hours must lie between 1 and 168 (the bucket's jobs/ rule expires outputs after 8 days)."
  }
}

variable "export_expiry_hours" {
  description = "Hours a tenant export can be downloaded before the sweep deletes it (EXPORT_EXPIRY_HOURS)."
  type        = number
  default     = 168

  validation {
    condition     = var.export_expiry_hours >= 1 && var.export_expiry_hours <= 168
    error_message = "export_expiry_hours must lie between 1 and 168 (the bucket's jobs/ rule expires outputs after 8 days)."
  }
}

variable "starter_role_names" {
  description = "Roles that start jobs and presign their outputs (sqs:SendMessage on the queue, s3:GetObject on jobs/*), by a fixed key: the file API's and the core task's."
  type        = map(string)
  default     = {}
}

variable "alarm_topic_arn" {
  description = "The SNS topic of the platform's alarms."
  type        = string
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
