# Only the container: values are written out of band with
# `aws secretsmanager put-secret-value` (see README), so no secret value is
# ever in Terraform configuration, plans or state.
resource "aws_secretsmanager_secret" "this" {
  #checkov:skip=CKV_AWS_149: Encrypted at rest with the AWS-managed aws/secretsmanager key; a customer-managed key would add cost and key-policy upkeep with no extra consumer.
  #checkov:skip=CKV2_AWS_57: The values are Supabase keys rotated in Supabase, not by a Secrets Manager rotation Lambda.
  name                    = var.name
  description             = var.description
  kms_key_id              = var.kms_key_id
  recovery_window_in_days = var.recovery_window_in_days

  tags = var.tags
}
