data "aws_region" "current" {}

locals {
  # What the service's container and the migration's share: the same image,
  # a read-only root filesystem with a task-scoped scratch volume for the one
  # place Python and its libraries expect to write, keys of the JSON secret
  # as variables (resolved by the execution role when the task starts), and
  # the log group, each with its stream prefix.
  container = {
    name                   = var.container_name
    image                  = var.image
    essential              = true
    readonlyRootFilesystem = true
    mountPoints = [
      {
        sourceVolume  = "tmp"
        containerPath = "/tmp"
        readOnly      = false
      }
    ]
  }
  secrets_of = { for family, keys in { service = var.secret_keys, migrate = var.migration_secret_keys } :
    family => [for k in keys : { name = k, valueFrom = "${var.secret_arn}:${k}::" }]
  }
  logs_to = { for prefix in ["ecs", "migrate"] : prefix => {
    logDriver = "awslogs"
    options = {
      awslogs-group         = aws_cloudwatch_log_group.this.name
      awslogs-region        = data.aws_region.current.name
      awslogs-stream-prefix = prefix
    }
  } }

  # Autoscaling addresses the service by name, not ARN.
  scaling_resource_id = "service/${aws_ecs_cluster.this.name}/${aws_ecs_service.this.name}"

  # The placeholder's whole server: 200 on the health check, 503 elsewhere.
  placeholder_server = <<-PY
    import http.server as h
    class H(h.BaseHTTPRequestHandler):
        def do_GET(self):
            ok = self.path == "${var.health_check_path}"
            body = b'{"status":"ok"}' if ok else b'{"status":"placeholder: nothing deployed yet"}'
            self.send_response(200 if ok else 503)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
    h.HTTPServer(("", ${var.container_port}), H).serve_forever()
  PY

  scaling_policies = {
    cpu = {
      metric = "ECSServiceAverageCPUUtilization"
      target = var.cpu_target_percent
    }
    memory = {
      metric = "ECSServiceAverageMemoryUtilization"
      target = var.memory_target_percent
    }
  }
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158: Log data is encrypted by CloudWatch Logs by default; a customer-managed key adds cost and nothing secret is logged.
  #checkov:skip=CKV_AWS_338: Retention is specified as 30 days for cost; raise log_retention_in_days if compliance needs a year.
  name              = var.log_group_name
  retention_in_days = var.log_retention_in_days
  tags              = var.tags
}

resource "aws_ecs_cluster" "this" {
  name = var.cluster_name

  setting {
    name  = "containerInsights"
    value = var.container_insights ? "enabled" : "disabled"
  }

  tags = var.tags
}

# The application's task definition: everything but the image is Terraform's.
# Its image is a tag that never exists (var.image): each deploy takes the
# family's latest revision, changes that image and nothing else, and
# registers the result (scripts/ecs_deploy.py render). So a change
# here (environment, secrets, CPU, memory) reaches the service with the deploy
# that follows every apply.
resource "aws_ecs_task_definition" "this" {
  family                   = var.service_name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = var.execution_role_arn
  task_role_arn            = var.task_role_arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  # A read-only root filesystem, with a task-scoped scratch volume for the
  # one place Python and its libraries expect to write.
  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([
    merge(local.container, {
      portMappings = [
        {
          containerPort = var.container_port
          protocol      = "tcp"
        }
      ]
      environment      = [for k, v in var.environment : { name = k, value = v }]
      secrets          = local.secrets_of.service
      logConfiguration = local.logs_to.ecs
    })
  ])

  tags = var.tags
}

# The database migration: a one-off task of its own family, never of the
# service's. The same image as the service (each deploy re-images this
# family's latest revision and runs it: scripts/ecs_deploy.py migrate), a
# fixed command, and of the secret only the database URL. The deploy role may
# run tasks of this family only (modules/iam): a one-off task, even with a
# command override, gets no other secret into its environment.
resource "aws_ecs_task_definition" "migrate" {
  family                   = var.migration_family
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = var.execution_role_arn
  # No task role: the migration talks to Postgres only, never to an AWS API.

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([
    merge(local.container, {
      command          = var.migration_command
      secrets          = local.secrets_of.migrate
      logConfiguration = local.logs_to.migrate
    })
  ])

  tags = var.tags

  lifecycle {
    precondition {
      condition     = length(setsubtract(var.migration_secret_keys, var.secret_keys)) == 0
      error_message = "migration_secret_keys must be keys of the secret (secret_keys)."
    }
  }
}

# What the service runs from the first apply until the first deploy: a public
# Python image (no pull credentials, nothing in ECR yet) answering 200 on the
# health check path and 503 elsewhere, without secrets (their values are put
# after the first apply). A family of its own, so no deploy ever builds on it.
resource "aws_ecs_task_definition" "placeholder" {
  family                   = "${var.service_name}-placeholder"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = var.execution_role_arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  container_definitions = jsonencode([
    {
      name      = var.container_name
      image     = var.placeholder_image
      essential = true
      command   = ["python", "-c", local.placeholder_server]

      portMappings = [
        {
          containerPort = var.container_port
          protocol      = "tcp"
        }
      ]

      readonlyRootFilesystem = true

      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.this.name
          awslogs-region        = data.aws_region.current.name
          awslogs-stream-prefix = "placeholder"
        }
      }
    }
  ])

  tags = var.tags
}

resource "aws_security_group" "this" {
  name_prefix = "${var.service_name}-tasks-"
  description = "Fargate tasks of ${var.service_name}: reachable from the load balancer only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.service_name}-tasks" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "from_alb" {
  security_group_id            = aws_security_group.this.id
  description                  = "App port from the load balancer"
  referenced_security_group_id = var.alb_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
}

# Outbound only where the service must go: HTTPS (ECR, Secrets Manager,
# CloudWatch Logs, S3, Supabase APIs) and the Supabase Postgres ports.
resource "aws_vpc_security_group_egress_rule" "this" {
  for_each = toset([for p in var.egress_tcp_ports : tostring(p)])

  security_group_id = aws_security_group.this.id
  description       = "Outbound TCP ${each.value}"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = tonumber(each.value)
  to_port           = tonumber(each.value)
}

resource "aws_ecs_service" "this" {
  name    = var.service_name
  cluster = aws_ecs_cluster.this.id
  # Only at creation: the placeholder answers the health check until the
  # first deploy; from then on deploys own the running revision.
  task_definition  = aws_ecs_task_definition.placeholder.arn
  desired_count    = var.min_capacity
  launch_type      = "FARGATE"
  platform_version = "LATEST"

  # Rolling deployment: never below the current capacity, roll back on its own
  # when new tasks keep failing their health checks.
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = var.health_check_grace_period_seconds

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.this.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = var.target_group_arn
    container_name   = var.container_name
    container_port   = var.container_port
  }

  enable_ecs_managed_tags = true
  propagate_tags          = "SERVICE"
  tags                    = var.tags

  lifecycle {
    # Autoscaling owns the task count. Deploys own the running revision: each
    # one registers the family's latest revision with the new image and rolls
    # the service (.github/workflows/deploy.yml, after every apply).
    ignore_changes = [desired_count, task_definition]
  }
}

resource "aws_appautoscaling_target" "this" {
  count = var.enable_autoscaling ? 1 : 0

  service_namespace  = "ecs"
  resource_id        = local.scaling_resource_id
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.min_capacity
  max_capacity       = var.max_capacity

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.min_capacity <= var.max_capacity
      error_message = "min_capacity must not exceed max_capacity."
    }
  }
}

# Target tracking on both metrics: the service scales out when either one is
# above its target and scales in only when both are below.
resource "aws_appautoscaling_policy" "this" {
  for_each = var.enable_autoscaling ? local.scaling_policies : {}

  name               = "${var.service_name}-${each.key}"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[0].service_namespace
  resource_id        = aws_appautoscaling_target.this[0].resource_id
  scalable_dimension = aws_appautoscaling_target.this[0].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = each.value.target
    scale_out_cooldown = var.scale_out_cooldown
    scale_in_cooldown  = var.scale_in_cooldown

    predefined_metric_specification {
      predefined_metric_type = each.value.metric
    }
  }
}
