variable "cluster_name" {
  description = "Name of the ECS cluster, e.g. snsd-production-cluster."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,255}$", var.cluster_name))
    error_message = "Use 1 to 255 letters, digits, hyphens and underscores."
  }
}

variable "service_name" {
  description = "Name of the ECS service, also the task definition family, e.g. snsd-production-service."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,255}$", var.service_name))
    error_message = "Use 1 to 255 letters, digits, hyphens and underscores."
  }
}

variable "container_name" {
  description = "Name of the application container in the task definition."
  type        = string
  default     = "app"
}

variable "image" {
  description = "Image of the application's task definition as Terraform writes it: a tag of the repository that deploys replace (never :latest)."
  type        = string

  validation {
    condition     = !endswith(var.image, ":latest") && can(regex(":[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image))
    error_message = "Give repository:tag with an explicit tag other than latest."
  }
}

variable "placeholder_image" {
  description = "Public image with Python that the service runs until the first deploy (a stand-in answering the health check)."
  type        = string
  default     = "public.ecr.aws/docker/library/python:3.12-slim"

  validation {
    condition     = !endswith(var.placeholder_image, ":latest") && can(regex(":[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.placeholder_image))
    error_message = "Give repository:tag with an explicit tag other than latest."
  }
}

variable "health_check_path" {
  description = "Path the load balancer checks; the placeholder answers 200 there."
  type        = string
  default     = "/health"

  validation {
    condition     = startswith(var.health_check_path, "/")
    error_message = "Must start with /."
  }
}

variable "cpu" {
  description = "Task CPU units (256 = 0.25 vCPU)."
  type        = number
  default     = 256

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.cpu)
    error_message = "Must be a Fargate CPU size: 256, 512, 1024, 2048, 4096, 8192 or 16384."
  }
}

variable "memory" {
  description = "Task memory in MiB; must be a valid Fargate pairing with cpu."
  type        = number
  default     = 512

  # The CPU/memory combinations Fargate accepts (AWS, "Task CPU and memory").
  validation {
    condition = (
      var.cpu == 256 ? contains([512, 1024, 2048], var.memory) :
      var.cpu == 512 ? var.memory >= 1024 && var.memory <= 4096 && var.memory % 1024 == 0 :
      var.cpu == 1024 ? var.memory >= 2048 && var.memory <= 8192 && var.memory % 1024 == 0 :
      var.cpu == 2048 ? var.memory >= 4096 && var.memory <= 16384 && var.memory % 1024 == 0 :
      var.cpu == 4096 ? var.memory >= 8192 && var.memory <= 30720 && var.memory % 1024 == 0 :
      var.cpu == 8192 ? var.memory >= 16384 && var.memory <= 61440 && var.memory % 4096 == 0 :
      var.cpu == 16384 ? var.memory >= 32768 && var.memory <= 122880 && var.memory % 8192 == 0 :
      false
    )
    error_message = "Not a Fargate CPU/memory pair: 256 takes 512, 1024 or 2048 MiB; 512 takes 1-4 GiB; 1024 takes 2-8 GiB; 2048 takes 4-16 GiB; 4096 takes 8-30 GiB; 8192 takes 16-60 GiB (4 GiB steps); 16384 takes 32-120 GiB (8 GiB steps)."
  }
}

variable "cpu_architecture" {
  description = "CPU architecture of the image: X86_64 or ARM64."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "Must be X86_64 or ARM64."
  }
}

variable "container_port" {
  description = "Port the application listens on."
  type        = number
  default     = 8000

  validation {
    condition     = var.container_port >= 1 && var.container_port <= 65535
    error_message = "Must be a TCP port."
  }
}

variable "environment" {
  description = "Plain environment variables of the container. Secret values never go here."
  type        = map(string)
  default     = {}
}

variable "secret_arn" {
  description = "ARN of the Secrets Manager secret whose JSON keys are injected as environment variables."
  type        = string
}

variable "secret_keys" {
  description = "Keys of the JSON secret to inject, each as the environment variable of the same name."
  type        = list(string)
}

variable "migration_family" {
  description = "Task definition family of the database migration (a one-off task per deploy), e.g. snsd-production-migrate. Must differ from service_name: the deploy role may run tasks of this family only."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,255}$", var.migration_family))
    error_message = "Use 1 to 255 letters, digits, hyphens and underscores."
  }
}

variable "migration_command" {
  description = "Command of the migration container; it reads the database URL from its environment."
  type        = list(string)
  default     = ["python", "-m", "core_service.migrate"]

  validation {
    condition     = length(var.migration_command) > 0
    error_message = "Give the command as a non-empty list."
  }
}

variable "migration_secret_keys" {
  description = "Keys of the JSON secret the migration gets, each as the environment variable of the same name: the database URL and nothing else."
  type        = list(string)
  default     = ["SUPABASE_DB_URL"]

  validation {
    condition     = length(var.migration_secret_keys) > 0
    error_message = "The migration needs at least the database URL."
  }
}

variable "execution_role_arn" {
  description = "Role ECS uses to pull the image, write logs and read the secret."
  type        = string
}

variable "task_role_arn" {
  description = "Role the application runs as."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the tasks."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets the tasks run in."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "Give at least two subnets, in different availability zones."
  }
}

variable "alb_security_group_id" {
  description = "Security group of the load balancer, the only source allowed to reach the tasks."
  type        = string
}

variable "egress_tcp_ports" {
  description = "TCP ports the tasks may reach on the internet: 443 for AWS APIs and Supabase, 5432/6543 for Supabase Postgres (direct and pooler)."
  type        = list(number)
  default     = [443, 5432, 6543]

  validation {
    condition     = alltrue([for p in var.egress_tcp_ports : p >= 1 && p <= 65535])
    error_message = "Every entry must be a TCP port."
  }
}

variable "target_group_arn" {
  description = "Target group the load balancer sends the service's traffic to."
  type        = string
}

variable "health_check_grace_period_seconds" {
  description = "Seconds ECS ignores failing load balancer health checks after a task starts."
  type        = number
  default     = 60

  validation {
    condition     = var.health_check_grace_period_seconds >= 0 && var.health_check_grace_period_seconds <= 2147483647
    error_message = "Must not be negative."
  }
}

variable "enable_autoscaling" {
  description = "Scale the service between min_capacity and max_capacity on CPU and memory. Leave true; false exists for emulators without Application Auto Scaling tagging."
  type        = bool
  default     = true
}

variable "min_capacity" {
  description = "Fewest running tasks (also the initial desired count)."
  type        = number
  default     = 1

  validation {
    condition     = var.min_capacity >= 1
    error_message = "Keep at least one task running."
  }
}

variable "max_capacity" {
  description = "Most running tasks autoscaling may start."
  type        = number
  default     = 4

  validation {
    condition     = var.max_capacity >= 1
    error_message = "Must be at least 1."
  }
}

variable "cpu_target_percent" {
  description = "Average service CPU utilisation that autoscaling keeps the service at."
  type        = number
  default     = 70

  validation {
    condition     = var.cpu_target_percent > 0 && var.cpu_target_percent <= 100
    error_message = "Must be a percentage above 0."
  }
}

variable "memory_target_percent" {
  description = "Average service memory utilisation that autoscaling keeps the service at."
  type        = number
  default     = 80

  validation {
    condition     = var.memory_target_percent > 0 && var.memory_target_percent <= 100
    error_message = "Must be a percentage above 0."
  }
}

variable "scale_out_cooldown" {
  description = "Seconds after a scale-out before another scale-out."
  type        = number
  default     = 60

  validation {
    condition     = var.scale_out_cooldown >= 0
    error_message = "Must not be negative."
  }
}

variable "scale_in_cooldown" {
  description = "Seconds after a scaling activity before a scale-in."
  type        = number
  default     = 300

  validation {
    condition     = var.scale_in_cooldown >= 0
    error_message = "Must not be negative."
  }
}

variable "log_group_name" {
  description = "CloudWatch log group of the containers, e.g. /ecs/snsd-production."
  type        = string
}

variable "log_retention_in_days" {
  description = "Days CloudWatch keeps the container logs."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "Must be a retention period CloudWatch Logs accepts."
  }
}

variable "container_insights" {
  description = "Enable Container Insights metrics on the cluster."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
