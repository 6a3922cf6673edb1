output "fqdn" {
  description = "Name of the API record, e.g. api.snsdconsultant.com."
  value       = aws_route53_record.api.fqdn
}

output "zone_id" {
  description = "ID of the hosted zone."
  value       = data.aws_route53_zone.this.zone_id
}

output "certificate_arn" {
  description = "ARN of the certificate for the HTTPS listener (issued, unless validation is switched off)."
  value       = local.certificate_arn
}
