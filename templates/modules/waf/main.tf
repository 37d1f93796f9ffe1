# AWS WAF for the edge: a CLOUDFRONT-scope web ACL (in us-east-1, attached by the cdn unit through
# the distribution's web_acl_id) and a REGIONAL web ACL associated with the ALB (which the internet
# may reach directly unless alb.ingress is "cloudfront").
#
# Both ACLs run the same rules, in this order (fixed priorities, so switching a rule off never
# renumbers the others):
#   0  geo-block             block requests from blocked_countries (only when the list is not empty)
#   10 ip-reputation         AWSManagedRulesAmazonIpReputationList
#   20 anonymous-ip          AWSManagedRulesAnonymousIpList (optional: VPNs, Tor, hosting providers)
#   30 rate-limit-per-ip     more than rate_limit requests per client IP in the window -> 429
#   40 rate-limit-login      the same for login_paths, with login_rate_limit -> 429
#   50 common                AWSManagedRulesCommonRuleSet
#   60 known-bad-inputs      AWSManagedRulesKnownBadInputsRuleSet
#   70 sqli                  AWSManagedRulesSQLiRuleSet
# Managed groups keep their own actions (override_action none). Every rule and both ACLs publish
# CloudWatch metrics and sampled requests.
#
# Logs: every request goes to a CloudWatch log group named aws-waf-logs-<name>-<scope> (WAF requires
# the prefix), KMS-encrypted, kept log_retention_days, with the Authorization and Cookie headers
# redacted. The regional group uses the customer key; the CLOUDFRONT group must live in us-east-1,
# where the customer key does not exist, so it gets a small key of its own there (or the customer
# key when the environment's region is us-east-1). Each region gets a CloudWatch Logs resource
# policy that lets log delivery write to exactly that group (WAF would otherwise try to add a broad
# one itself, and an account holds at most 10 per region).

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  # id is the region name in provider 5 and 6 (name is deprecated in 6)
  region = data.aws_region.current.id

  regional_name   = "${var.name}-regional"
  cloudfront_name = "${var.name}-cloudfront"

  # every rule carries every attribute so that the list has one element type
  rules = concat(
    length(var.blocked_countries) == 0 ? [] : [
      { name = "geo-block", priority = 0, kind = "geo", group = null, limit = null },
    ],
    [
      { name = "ip-reputation", priority = 10, kind = "managed", group = "AWSManagedRulesAmazonIpReputationList", limit = null },
    ],
    var.anonymous_ip_list ? [
      { name = "anonymous-ip", priority = 20, kind = "managed", group = "AWSManagedRulesAnonymousIpList", limit = null },
    ] : [],
    [
      { name = "rate-limit-per-ip", priority = 30, kind = "rate", group = null, limit = var.rate_limit },
      { name = "rate-limit-login", priority = 40, kind = "login", group = null, limit = var.login_rate_limit },
      { name = "common", priority = 50, kind = "managed", group = "AWSManagedRulesCommonRuleSet", limit = null },
      { name = "known-bad-inputs", priority = 60, kind = "managed", group = "AWSManagedRulesKnownBadInputsRuleSet", limit = null },
      { name = "sqli", priority = 70, kind = "managed", group = "AWSManagedRulesSQLiRuleSet", limit = null },
    ],
  )

  # headers that carry credentials never reach the logs
  redacted_headers = ["authorization", "cookie"]
}

# --- REGIONAL web ACL (the ALB) -----------------------------------------------------------------

resource "aws_wafv2_web_acl" "regional" {
  # checkov:skip=CKV_AWS_192:the rules come from a dynamic block over local.rules, which checkov does not expand; that list always holds AWSManagedRulesKnownBadInputsRuleSet with its own actions (override_action none, no rule set to count), so Log4JRCE blocks
  name        = local.regional_name
  description = "Protects the ${var.name} load balancer"
  scope       = "REGIONAL"

  default_action {
    allow {}
  }

  dynamic "rule" {
    for_each = local.rules

    content {
      name     = rule.value.name
      priority = rule.value.priority

      dynamic "override_action" {
        for_each = rule.value.kind == "managed" ? [1] : []

        content {
          none {}
        }
      }

      dynamic "action" {
        for_each = rule.value.kind == "managed" ? [] : [rule.value.kind]

        content {
          block {
            dynamic "custom_response" {
              for_each = action.value == "geo" ? [] : [429]

              content {
                response_code = custom_response.value
              }
            }
          }
        }
      }

      statement {
        dynamic "managed_rule_group_statement" {
          for_each = rule.value.kind == "managed" ? [rule.value.group] : []

          content {
            name        = managed_rule_group_statement.value
            vendor_name = "AWS"
          }
        }

        dynamic "geo_match_statement" {
          for_each = rule.value.kind == "geo" ? [1] : []

          content {
            country_codes = var.blocked_countries
          }
        }

        dynamic "rate_based_statement" {
          for_each = contains(["rate", "login"], rule.value.kind) ? [rule.value] : []

          content {
            limit                 = rate_based_statement.value.limit
            aggregate_key_type    = "IP"
            evaluation_window_sec = var.rate_limit_window_sec

            dynamic "scope_down_statement" {
              for_each = rate_based_statement.value.kind == "login" ? [1] : []

              content {
                dynamic "byte_match_statement" {
                  for_each = length(var.login_paths) == 1 ? var.login_paths : []

                  content {
                    search_string         = lower(byte_match_statement.value)
                    positional_constraint = "STARTS_WITH"

                    field_to_match {
                      uri_path {}
                    }

                    text_transformation {
                      priority = 0
                      type     = "URL_DECODE"
                    }

                    text_transformation {
                      priority = 1
                      type     = "LOWERCASE"
                    }
                  }
                }

                dynamic "or_statement" {
                  for_each = length(var.login_paths) > 1 ? [1] : []

                  content {
                    dynamic "statement" {
                      for_each = var.login_paths

                      content {
                        byte_match_statement {
                          search_string         = lower(statement.value)
                          positional_constraint = "STARTS_WITH"

                          field_to_match {
                            uri_path {}
                          }

                          text_transformation {
                            priority = 0
                            type     = "URL_DECODE"
                          }

                          text_transformation {
                            priority = 1
                            type     = "LOWERCASE"
                          }
                        }
                      }
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
        metric_name                = "${local.regional_name}-${rule.value.name}"
        sampled_requests_enabled   = true
      }
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = local.regional_name
    sampled_requests_enabled   = true
  }

  tags = {
    Name = local.regional_name
  }
}

resource "aws_wafv2_web_acl_association" "alb" {
  resource_arn = var.alb_arn
  web_acl_arn  = aws_wafv2_web_acl.regional.arn
}

resource "aws_cloudwatch_log_group" "regional" {
  name              = "aws-waf-logs-${local.regional_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_cloudwatch_log_resource_policy" "regional" {
  policy_name = "${local.regional_name}-waf-logs"
  policy_document = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "WafLogDelivery"
        Effect    = "Allow"
        Principal = { Service = "delivery.logs.amazonaws.com" }
        Action    = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource  = "${aws_cloudwatch_log_group.regional.arn}:*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
          ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:logs:${local.region}:${local.account_id}:*" }
        }
      },
    ]
  })
}

resource "aws_wafv2_web_acl_logging_configuration" "regional" {
  resource_arn            = aws_wafv2_web_acl.regional.arn
  log_destination_configs = [aws_cloudwatch_log_group.regional.arn]

  dynamic "redacted_fields" {
    for_each = local.redacted_headers

    content {
      single_header {
        name = redacted_fields.value
      }
    }
  }

  depends_on = [aws_cloudwatch_log_resource_policy.regional]
}

# --- CLOUDFRONT web ACL (us-east-1) ---------------------------------------------------------------

resource "aws_wafv2_web_acl" "cloudfront" {
  # checkov:skip=CKV_AWS_192:the rules come from a dynamic block over local.rules, which checkov does not expand; that list always holds AWSManagedRulesKnownBadInputsRuleSet with its own actions (override_action none, no rule set to count), so Log4JRCE blocks
  count    = var.create_cloudfront_acl ? 1 : 0
  provider = aws.us_east_1

  name        = local.cloudfront_name
  description = "Protects the ${var.name} CloudFront distribution"
  scope       = "CLOUDFRONT"

  default_action {
    allow {}
  }

  dynamic "rule" {
    for_each = local.rules

    content {
      name     = rule.value.name
      priority = rule.value.priority

      dynamic "override_action" {
        for_each = rule.value.kind == "managed" ? [1] : []

        content {
          none {}
        }
      }

      dynamic "action" {
        for_each = rule.value.kind == "managed" ? [] : [rule.value.kind]

        content {
          block {
            dynamic "custom_response" {
              for_each = action.value == "geo" ? [] : [429]

              content {
                response_code = custom_response.value
              }
            }
          }
        }
      }

      statement {
        dynamic "managed_rule_group_statement" {
          for_each = rule.value.kind == "managed" ? [rule.value.group] : []

          content {
            name        = managed_rule_group_statement.value
            vendor_name = "AWS"
          }
        }

        dynamic "geo_match_statement" {
          for_each = rule.value.kind == "geo" ? [1] : []

          content {
            country_codes = var.blocked_countries
          }
        }

        dynamic "rate_based_statement" {
          for_each = contains(["rate", "login"], rule.value.kind) ? [rule.value] : []

          content {
            limit                 = rate_based_statement.value.limit
            aggregate_key_type    = "IP"
            evaluation_window_sec = var.rate_limit_window_sec

            dynamic "scope_down_statement" {
              for_each = rate_based_statement.value.kind == "login" ? [1] : []

              content {
                dynamic "byte_match_statement" {
                  for_each = length(var.login_paths) == 1 ? var.login_paths : []

                  content {
                    search_string         = lower(byte_match_statement.value)
                    positional_constraint = "STARTS_WITH"

                    field_to_match {
                      uri_path {}
                    }

                    text_transformation {
                      priority = 0
                      type     = "URL_DECODE"
                    }

                    text_transformation {
                      priority = 1
                      type     = "LOWERCASE"
                    }
                  }
                }

                dynamic "or_statement" {
                  for_each = length(var.login_paths) > 1 ? [1] : []

                  content {
                    dynamic "statement" {
                      for_each = var.login_paths

                      content {
                        byte_match_statement {
                          search_string         = lower(statement.value)
                          positional_constraint = "STARTS_WITH"

                          field_to_match {
                            uri_path {}
                          }

                          text_transformation {
                            priority = 0
                            type     = "URL_DECODE"
                          }

                          text_transformation {
                            priority = 1
                            type     = "LOWERCASE"
                          }
                        }
                      }
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
        metric_name                = "${local.cloudfront_name}-${rule.value.name}"
        sampled_requests_enabled   = true
      }
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = local.cloudfront_name
    sampled_requests_enabled   = true
  }

  tags = {
    Name = local.cloudfront_name
  }
}

# The customer key lives in the environment's region; CloudWatch Logs in us-east-1 needs a key there.
resource "aws_kms_key" "cloudfront_logs" {
  count    = var.create_cloudfront_acl && var.cloudfront_log_kms_key_arn == null ? 1 : 0
  provider = aws.us_east_1

  description             = "Encrypts the ${var.name} CloudFront WAF logs in us-east-1"
  deletion_window_in_days = var.kms_deletion_window_in_days
  enable_key_rotation     = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministration"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchLogs"
        Effect    = "Allow"
        Principal = { Service = "logs.us-east-1.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = {
          ArnEquals = {
            "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:us-east-1:${local.account_id}:log-group:aws-waf-logs-${local.cloudfront_name}"
          }
        }
      },
    ]
  })
}

resource "aws_kms_alias" "cloudfront_logs" {
  count    = length(aws_kms_key.cloudfront_logs)
  provider = aws.us_east_1

  name          = "alias/${local.cloudfront_name}-waf-logs"
  target_key_id = aws_kms_key.cloudfront_logs[0].key_id
}

resource "aws_cloudwatch_log_group" "cloudfront" {
  count    = var.create_cloudfront_acl ? 1 : 0
  provider = aws.us_east_1

  name              = "aws-waf-logs-${local.cloudfront_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.cloudfront_log_kms_key_arn != null ? var.cloudfront_log_kms_key_arn : aws_kms_key.cloudfront_logs[0].arn
}

resource "aws_cloudwatch_log_resource_policy" "cloudfront" {
  count    = var.create_cloudfront_acl ? 1 : 0
  provider = aws.us_east_1

  policy_name = "${local.cloudfront_name}-waf-logs"
  policy_document = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "WafLogDelivery"
        Effect    = "Allow"
        Principal = { Service = "delivery.logs.amazonaws.com" }
        Action    = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource  = "${aws_cloudwatch_log_group.cloudfront[0].arn}:*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
          ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:logs:us-east-1:${local.account_id}:*" }
        }
      },
    ]
  })
}

resource "aws_wafv2_web_acl_logging_configuration" "cloudfront" {
  count    = var.create_cloudfront_acl ? 1 : 0
  provider = aws.us_east_1

  resource_arn            = aws_wafv2_web_acl.cloudfront[0].arn
  log_destination_configs = [aws_cloudwatch_log_group.cloudfront[0].arn]

  dynamic "redacted_fields" {
    for_each = local.redacted_headers

    content {
      single_header {
        name = redacted_fields.value
      }
    }
  }

  depends_on = [aws_cloudwatch_log_resource_policy.cloudfront]
}
