# One AWS WAF web ACL and its logging, in the region of the provider it is given: the waf module calls
# it for the REGIONAL scope (the ALB, environment region) and for the CLOUDFRONT scope (us-east-1).
# The rules, their fixed priorities and the log settings are described in ../../main.tf.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  # id is the region name in provider 5 and 6 (name is deprecated in 6)
  region = data.aws_region.current.id

  acl_name = "${var.name}-${lower(var.scope)}"

  # every rule carries every attribute so that the list has one element type
  rules = concat(
    length(var.rules.blocked_countries) == 0 ? [] : [
      { name = "geo-block", priority = 0, kind = "geo", group = null, limit = null },
    ],
    [
      { name = "ip-reputation", priority = 10, kind = "managed", group = "AWSManagedRulesAmazonIpReputationList", limit = null },
    ],
    var.rules.anonymous_ip_list ? [
      { name = "anonymous-ip", priority = 20, kind = "managed", group = "AWSManagedRulesAnonymousIpList", limit = null },
    ] : [],
    [
      { name = "rate-limit-per-ip", priority = 30, kind = "rate", group = null, limit = var.rules.rate_limit },
      { name = "rate-limit-login", priority = 40, kind = "login", group = null, limit = var.rules.login_rate_limit },
      { name = "common", priority = 50, kind = "managed", group = "AWSManagedRulesCommonRuleSet", limit = null },
      { name = "known-bad-inputs", priority = 60, kind = "managed", group = "AWSManagedRulesKnownBadInputsRuleSet", limit = null },
      { name = "sqli", priority = 70, kind = "managed", group = "AWSManagedRulesSQLiRuleSet", limit = null },
    ],
  )

  # headers that carry credentials never reach the logs
  redacted_headers = ["authorization", "cookie"]
}

resource "aws_wafv2_web_acl" "this" {
  # checkov:skip=CKV_AWS_192:the rules come from a dynamic block over local.rules, which checkov does not expand; that list always holds AWSManagedRulesKnownBadInputsRuleSet with its own actions (override_action none, no rule set to count), so Log4JRCE blocks
  name        = local.acl_name
  description = var.description
  scope       = var.scope

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
            country_codes = var.rules.blocked_countries
          }
        }

        dynamic "rate_based_statement" {
          for_each = contains(["rate", "login"], rule.value.kind) ? [rule.value] : []

          content {
            limit                 = rate_based_statement.value.limit
            aggregate_key_type    = "IP"
            evaluation_window_sec = var.rules.rate_limit_window_sec

            dynamic "scope_down_statement" {
              for_each = rate_based_statement.value.kind == "login" ? [1] : []

              content {
                dynamic "byte_match_statement" {
                  for_each = length(var.rules.login_paths) == 1 ? var.rules.login_paths : []

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
                  for_each = length(var.rules.login_paths) > 1 ? [1] : []

                  content {
                    dynamic "statement" {
                      for_each = var.rules.login_paths

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
        metric_name                = "${local.acl_name}-${rule.value.name}"
        sampled_requests_enabled   = true
      }
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = local.acl_name
    sampled_requests_enabled   = true
  }

  tags = {
    Name = local.acl_name
  }
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "aws-waf-logs-${local.acl_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_cloudwatch_log_resource_policy" "this" {
  policy_name = "${local.acl_name}-waf-logs"
  policy_document = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "WafLogDelivery"
        Effect    = "Allow"
        Principal = { Service = "delivery.logs.amazonaws.com" }
        Action    = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource  = "${aws_cloudwatch_log_group.this.arn}:*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
          ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:logs:${local.region}:${local.account_id}:*" }
        }
      },
    ]
  })
}

resource "aws_wafv2_web_acl_logging_configuration" "this" {
  resource_arn            = aws_wafv2_web_acl.this.arn
  log_destination_configs = [aws_cloudwatch_log_group.this.arn]

  dynamic "redacted_fields" {
    for_each = local.redacted_headers

    content {
      single_header {
        name = redacted_fields.value
      }
    }
  }

  depends_on = [aws_cloudwatch_log_resource_policy.this]
}
