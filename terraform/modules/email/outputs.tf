output "identity_arn" {
  description = "ARN of the domain's SES identity (what ses:SendEmail is allowed on)."
  value       = aws_sesv2_email_identity.this.arn
}

output "configuration_set_arn" {
  description = "ARN of the configuration set (SendEmail is authorised on it too when a mail names it)."
  value       = aws_sesv2_configuration_set.this.arn
}

output "configuration_set_name" {
  description = "Name of the configuration set: the core's SES_CONFIGURATION_SET."
  value       = aws_sesv2_configuration_set.this.configuration_set_name
}

output "sender" {
  description = "The bare sender address (IAM's ses:FromAddress)."
  value       = var.sender
}

output "mail_from" {
  description = "The From the core sends with: its MAIL_FROM, e.g. SnSD <invitations@snsdconsultant.com>."
  value       = "${var.sender_name} <${var.sender}>"
}

output "dkim_records" {
  description = "The DNS records Easy DKIM needs (name, type, value): published in zone_id when given, else by an operator."
  value       = local.dkim_records
}
