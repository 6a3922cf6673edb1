output "state_bucket_name" {
  description = "Bucket of the Terraform state (bucket in terraform/production.s3.tfbackend)."
  value       = aws_s3_bucket.state.id
}

output "backend_config" {
  description = "The main root's backend file, terraform/production.s3.tfbackend, as it must read."
  value       = <<-EOT
    bucket       = "${aws_s3_bucket.state.id}"
    key          = "${var.state_key}"
    region       = "${var.aws_region}"
  EOT
}

output "github_oidc_provider_arn" {
  description = "ARN of the account's GitHub Actions OIDC provider (the main root finds it by URL)."
  value       = aws_iam_openid_connect_provider.github.arn
}

output "plan_role_arn" {
  description = "Read-only role of terraform plan (repository variable AWS_TERRAFORM_PLAN_ROLE_ARN)."
  value       = aws_iam_role.plan.arn
}

output "apply_role_arn" {
  description = "Role of terraform apply in the protected environment (repository variable AWS_TERRAFORM_ROLE_ARN)."
  value       = aws_iam_role.apply.arn
}

output "github_variables" {
  description = "Repository variables to set (Settings, Secrets and variables, Actions, Variables)."
  value = {
    AWS_REGION                  = var.aws_region
    AWS_TERRAFORM_PLAN_ROLE_ARN = aws_iam_role.plan.arn
    AWS_TERRAFORM_ROLE_ARN      = aws_iam_role.apply.arn
  }
}
