output "arn" {
  description = "ARN of the load balancer."
  value       = aws_lb.this.arn
}

output "arn_suffix" {
  description = "ARN suffix of the load balancer, the LoadBalancer dimension of its CloudWatch metrics."
  value       = aws_lb.this.arn_suffix
}

output "dns_name" {
  description = "DNS name of the load balancer."
  value       = aws_lb.this.dns_name
}

output "zone_id" {
  description = "Route53 zone of the load balancer, for alias records."
  value       = aws_lb.this.zone_id
}

output "security_group_id" {
  description = "Security group of the load balancer."
  value       = aws_security_group.this.id
}

output "ecs_target_group_arn" {
  description = "ARN of the Fargate target group, available once a listener forwards to it."
  value       = aws_lb_target_group.ecs.arn

  # ECS refuses a target group that no listener uses yet.
  depends_on = [aws_lb_listener.https]
}

output "ecs_target_group_arn_suffix" {
  description = "ARN suffix of the Fargate target group, the TargetGroup dimension of its metrics."
  value       = aws_lb_target_group.ecs.arn_suffix
}

output "lambda_target_group_arn_suffix" {
  description = "ARN suffix of the Lambda target group, the TargetGroup dimension of its metrics."
  value       = aws_lb_target_group.lambda.arn_suffix
}

output "lambda_target_group_arn" {
  description = "ARN of the Lambda target group."
  value       = aws_lb_target_group.lambda.arn
}

output "http_listener_arn" {
  description = "ARN of the HTTP listener (redirect only)."
  value       = aws_lb_listener.http.arn
}

output "https_listener_arn" {
  description = "ARN of the HTTPS listener."
  value       = aws_lb_listener.https.arn
}
