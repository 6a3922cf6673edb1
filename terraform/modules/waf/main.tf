# AWS WAF in front of the load balancer: a per-IP rate limit and three AWS
# managed rule groups, tuned so that the file API's flows pass: inline
# multipart uploads (not inspected by the common rule set's body rules),
# downloads (file names are paths), presigned flows (browser <-> S3 directly,
# never through here).
locals {
  # A link's JSON API, a share link's page, a file request's page.
  public_link_path_prefixes = ["/files/public/", "/files/s/", "/files/r/"]
}

resource "aws_wafv2_web_acl" "this" {
  #checkov:skip=CKV2_AWS_31: WAF logging (a Firehose or an aws-waf-logs-* log group) is not set up: the rules' CloudWatch metrics and sampled requests are on; add logging when an investigation needs full request logs.
  name        = var.name
  description = "${var.name}: rate limit per IP and AWS managed rules"
  scope       = "REGIONAL"

  default_action {
    allow {}
  }

  rule {
    name     = "rate-limit-per-ip"
    priority = 0

    action {
      block {}
    }

    statement {
      rate_based_statement {
        limit              = var.rate_limit_per_5_minutes
        aggregate_key_type = "IP"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-rate-limit-per-ip"
      sampled_requests_enabled   = true
    }
  }

  # The routes of share links and file requests (file_lambda/public_links.py's
  # PUBLIC_PREFIXES) take no account: one client address gets far fewer of
  # their requests than of the API's, before the function's own counters
  # (unknown tokens and passwords per address) are reached at all.
  rule {
    name     = "rate-limit-public-links"
    priority = 1

    action {
      block {}
    }

    statement {
      rate_based_statement {
        limit              = var.public_link_rate_limit_per_5_minutes
        aggregate_key_type = "IP"

        scope_down_statement {
          or_statement {
            dynamic "statement" {
              for_each = local.public_link_path_prefixes
              content {
                byte_match_statement {
                  search_string         = statement.value
                  positional_constraint = "STARTS_WITH"

                  field_to_match {
                    uri_path {}
                  }

                  text_transformation {
                    priority = 0
                    type     = "NONE"
                  }
                }
              }
            }
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-rate-limit-public-links"
      sampled_requests_enabled   = true
    }
  }

  # The core service reads at most core_max_body_bytes of a body
  # (core_service/bodies.py), and behind a load balancer WAF inspects only
  # the first 8 KiB of one: a longer body to any path the core serves is
  # blocked here, before a byte of it reaches the service (oversize_handling
  # MATCH: a body WAF cannot see whole counts as too large).
  rule {
    name     = "core-body-size"
    priority = 5

    action {
      block {
        custom_response {
          response_code            = 413
          custom_response_body_key = "payload-too-large"
        }
      }
    }

    statement {
      and_statement {
        statement {
          not_statement {
            statement {
              byte_match_statement {
                search_string         = var.file_api_path_prefix
                positional_constraint = "STARTS_WITH"

                field_to_match {
                  uri_path {}
                }

                text_transformation {
                  priority = 0
                  type     = "NONE"
                }
              }
            }
          }
        }

        statement {
          size_constraint_statement {
            comparison_operator = "GT"
            size                = var.core_max_body_bytes

            field_to_match {
              body {
                oversize_handling = "MATCH"
              }
            }

            text_transformation {
              priority = 0
              type     = "NONE"
            }
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-core-body-size"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-common"
    priority = 10

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesCommonRuleSet"

        dynamic "rule_action_override" {
          for_each = var.common_rules_counted
          content {
            name = rule_action_override.value
            action_to_use {
              count {}
            }
          }
        }

        # Everything except the inline upload routes, whose bodies are
        # arbitrary file bytes.
        scope_down_statement {
          not_statement {
            statement {
              byte_match_statement {
                search_string         = var.upload_path_prefix
                positional_constraint = "STARTS_WITH"

                field_to_match {
                  uri_path {}
                }

                text_transformation {
                  priority = 0
                  type     = "NONE"
                }
              }
            }
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-aws-common"
      sampled_requests_enabled   = true
    }
  }

  # Log4j and other known exploit patterns, on every path, uploads included.
  rule {
    name     = "aws-known-bad-inputs"
    priority = 20

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesKnownBadInputsRuleSet"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-aws-known-bad-inputs"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-ip-reputation"
    priority = 30

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesAmazonIpReputationList"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-aws-ip-reputation"
      sampled_requests_enabled   = true
    }
  }

  # The core's own answer to the same request, as far as WAF can give it
  # (no request id; WAF offers no problem+json content type).
  custom_response_body {
    key          = "payload-too-large"
    content_type = "APPLICATION_JSON"
    content = jsonencode({
      type   = "about:blank"
      title  = "Request Entity Too Large"
      status = 413
      code   = "payload_too_large"
      detail = "A request body of the core service holds at most ${var.core_max_body_bytes} bytes"
    })
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = var.name
    sampled_requests_enabled   = true
  }

  tags = var.tags
}

resource "aws_wafv2_web_acl_association" "this" {
  resource_arn = var.alb_arn
  web_acl_arn  = aws_wafv2_web_acl.this.arn
}
