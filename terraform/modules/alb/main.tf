resource "aws_security_group" "this" {
  # A prefix, not a name: create_before_destroy needs the replacement to
  # exist beside the old group.
  name_prefix = "${var.name}-alb-"
  description = "Load balancer of ${var.name}: HTTP and HTTPS from anywhere, out to the tasks only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-alb" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "this" {
  #checkov:skip=CKV_AWS_260: Port 80 is open on purpose: its listener only answers with a redirect to HTTPS.
  for_each = { http = 80, https = 443 }

  security_group_id = aws_security_group.this.id
  description       = "${upper(each.key)} from the internet"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = each.value
  to_port           = each.value
}

# Lambda targets are invoked through the Lambda API, not the network, so the
# only egress the load balancer needs is to the tasks.
resource "aws_vpc_security_group_egress_rule" "to_targets" {
  security_group_id            = aws_security_group.this.id
  description                  = "App port of the Fargate tasks"
  referenced_security_group_id = var.target_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = var.target_port
  to_port                      = var.target_port
}

resource "aws_lb" "this" {
  #checkov:skip=CKV2_AWS_28: The root's modules/waf associates the web ACL with this load balancer (enable_waf, on in production.tfvars); checkov does not follow an association made in another module.
  name                       = var.name
  load_balancer_type         = "application"
  internal                   = false
  security_groups            = [aws_security_group.this.id]
  subnets                    = var.subnet_ids
  idle_timeout               = var.idle_timeout
  drop_invalid_header_fields = true
  enable_deletion_protection = var.enable_deletion_protection

  dynamic "access_logs" {
    for_each = var.access_logs_bucket == null ? [] : [var.access_logs_bucket]
    content {
      bucket  = access_logs.value
      prefix  = var.access_logs_prefix
      enabled = true
    }
  }

  tags = var.tags
}

################################################################################
# Targets: Fargate tasks by IP, the file Lambda through its alias
################################################################################

resource "aws_lb_target_group" "ecs" {
  #checkov:skip=CKV_AWS_378: TLS ends at the load balancer; the hop to the tasks stays inside the VPC, limited by security groups.
  name                 = "${var.name}-ecs"
  target_type          = "ip" # awsvpc tasks register by IP
  port                 = var.target_port
  protocol             = "HTTP"
  vpc_id               = var.vpc_id
  deregistration_delay = var.deregistration_delay

  health_check {
    enabled             = true
    path                = var.health_check_path
    port                = "traffic-port"
    protocol            = "HTTP"
    matcher             = "200"
    interval            = 30
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = var.tags
}

resource "aws_lb_target_group" "lambda" {
  name        = "${var.name}-files"
  target_type = "lambda"
  # The file API reads repeated query parameters and headers.
  lambda_multi_value_headers_enabled = true

  tags = var.tags
}

# The load balancer invokes the alias, so a deploy moves traffic by moving the
# alias, without touching the target group.
resource "aws_lambda_permission" "alb" {
  statement_id  = "AllowExecutionFromALB"
  action        = "lambda:InvokeFunction"
  function_name = var.lambda_function_name
  qualifier     = var.lambda_alias_name
  principal     = "elasticloadbalancing.amazonaws.com"
  source_arn    = aws_lb_target_group.lambda.arn
}

resource "aws_lb_target_group_attachment" "lambda" {
  target_group_arn = aws_lb_target_group.lambda.arn
  target_id        = var.lambda_alias_arn

  depends_on = [aws_lambda_permission.alb]
}

################################################################################
# Listeners: 80 redirects, 443 routes /files/* to the Lambda, the rest to ECS
################################################################################

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }

  tags = var.tags
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.ecs.arn
  }

  tags = var.tags
}

resource "aws_lb_listener_rule" "files" {
  listener_arn = aws_lb_listener.https.arn
  priority     = 100

  condition {
    path_pattern {
      values = var.lambda_path_patterns
    }
  }

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.lambda.arn
  }

  tags = var.tags
}
