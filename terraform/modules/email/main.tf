# Amazon SES for the core's invitation mails (issue 29): the domain's identity
# with Easy DKIM, the configuration set every mail names, and the DKIM records
# in the domain's Route 53 zone, which the platform already hosts (modules/dns
# looks it up). The core task role's permission to send (ses:SendEmail on this
# identity and configuration set, from the one sender address) is in
# modules/iam, with the rest of what the core may do.

locals {
  # Easy DKIM gives three tokens; each is published as
  # <token>._domainkey.<domain> CNAME <token>.dkim.amazonses.com.
  dkim_records = [
    for token in aws_sesv2_email_identity.this.dkim_signing_attributes[0].tokens : {
      name  = "${token}._domainkey.${var.domain}"
      type  = "CNAME"
      value = "${token}.dkim.amazonses.com"
    }
  ]
}

resource "aws_sesv2_configuration_set" "this" {
  configuration_set_name = var.configuration_set_name

  delivery_options {
    # Invitations carry links to a tenant: never in clear text between servers.
    tls_policy = "REQUIRE"
  }

  reputation_options {
    reputation_metrics_enabled = true
  }

  sending_options {
    sending_enabled = true
  }

  suppression_options {
    # Addresses that bounced or complained are not mailed again.
    suppressed_reasons = ["BOUNCE", "COMPLAINT"]
  }

  tags = var.tags
}

resource "aws_sesv2_email_identity" "this" {
  email_identity         = var.domain
  configuration_set_name = aws_sesv2_configuration_set.this.configuration_set_name

  # Easy DKIM: SES keeps the keys and rotates them; DNS holds CNAMEs to them.
  dkim_signing_attributes {
    next_signing_key_length = "RSA_2048_BIT"
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = endswith(var.sender, "@${var.domain}")
      error_message = "The sender must be an address of the domain."
    }
  }
}

# The DKIM records, in the zone; SES verifies the domain once it sees them.
resource "aws_route53_record" "dkim" {
  count = var.zone_id == null ? 0 : 3

  zone_id = var.zone_id
  name    = "${aws_sesv2_email_identity.this.dkim_signing_attributes[0].tokens[count.index]}._domainkey.${var.domain}"
  type    = "CNAME"
  ttl     = 600
  records = ["${aws_sesv2_email_identity.this.dkim_signing_attributes[0].tokens[count.index]}.dkim.amazonses.com"]
}
