# The zone is the registered domain's public zone and outlives this stack
# (the domain is bought and hosted in Route53 first), so it is looked up.
data "aws_route53_zone" "this" {
  name         = var.zone_name
  private_zone = false
}

locals {
  fqdn            = "${var.record_name}.${var.zone_name}"
  create_cert     = var.certificate_arn == null
  certificate_arn = local.create_cert ? (var.create_certificate_validation ? aws_acm_certificate_validation.this[0].certificate_arn : aws_acm_certificate.this[0].arn) : var.certificate_arn
}

resource "aws_acm_certificate" "this" {
  count = local.create_cert ? 1 : 0

  domain_name               = var.certificate_domain_name
  subject_alternative_names = var.subject_alternative_names
  validation_method         = "DNS"
  tags                      = var.tags

  lifecycle {
    # The listener must always have a certificate, also while this one is
    # replaced.
    create_before_destroy = true

    precondition {
      condition     = var.certificate_domain_name != null
      error_message = "Set certificate_domain_name, or pass an existing certificate_arn."
    }
  }
}

# The DNS records ACM checks; they stay in place so renewals are automatic.
resource "aws_route53_record" "validation" {
  for_each = local.create_cert && var.create_certificate_validation ? {
    for dvo in aws_acm_certificate.this[0].domain_validation_options : dvo.domain_name => {
      name   = dvo.resource_record_name
      type   = dvo.resource_record_type
      record = dvo.resource_record_value
    }
  } : {}

  zone_id         = data.aws_route53_zone.this.zone_id
  name            = each.value.name
  type            = each.value.type
  records         = [each.value.record]
  ttl             = 300
  allow_overwrite = true # *.zone and zone share one validation record
}

# Waits until ACM has issued the certificate, so the HTTPS listener never
# gets a pending one.
resource "aws_acm_certificate_validation" "this" {
  count = local.create_cert && var.create_certificate_validation ? 1 : 0

  certificate_arn         = aws_acm_certificate.this[0].arn
  validation_record_fqdns = [for r in aws_route53_record.validation : r.fqdn]
}

resource "aws_route53_record" "api" {
  zone_id = data.aws_route53_zone.this.zone_id
  name    = local.fqdn
  type    = "A"

  alias {
    name                   = var.alb_dns_name
    zone_id                = var.alb_zone_id
    evaluate_target_health = true
  }
}
