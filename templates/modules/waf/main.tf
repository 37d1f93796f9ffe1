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

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  cloudfront_name = "${var.name}-cloudfront"

  # the same rules in both scopes (modules/acl builds them)
  rules = {
    blocked_countries     = var.blocked_countries
    anonymous_ip_list     = var.anonymous_ip_list
    rate_limit            = var.rate_limit
    login_rate_limit      = var.login_rate_limit
    rate_limit_window_sec = var.rate_limit_window_sec
    login_paths           = var.login_paths
  }
}

# --- REGIONAL web ACL (the ALB) -----------------------------------------------------------------

module "regional" {
  source = "./modules/acl"

  name               = var.name
  scope              = "REGIONAL"
  description        = "Protects the ${var.name} load balancer"
  rules              = local.rules
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
}

resource "aws_wafv2_web_acl_association" "alb" {
  resource_arn = var.alb_arn
  web_acl_arn  = module.regional.web_acl_arn
}

# --- CLOUDFRONT web ACL (us-east-1) ---------------------------------------------------------------

module "cloudfront" {
  source = "./modules/acl"
  count  = var.create_cloudfront_acl ? 1 : 0

  providers = {
    aws = aws.us_east_1
  }

  name               = var.name
  scope              = "CLOUDFRONT"
  description        = "Protects the ${var.name} CloudFront distribution"
  rules              = local.rules
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.cloudfront_log_customer_key ? var.cloudfront_log_kms_key_arn : aws_kms_key.cloudfront_logs[0].arn
}

# The customer key lives in the environment's region; CloudWatch Logs in us-east-1 needs a key there.
resource "aws_kms_key" "cloudfront_logs" {
  count    = var.create_cloudfront_acl && !var.cloudfront_log_customer_key ? 1 : 0
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

# --- state of the resources that moved into modules/acl --------------------------------------------

moved {
  from = aws_wafv2_web_acl.regional
  to   = module.regional.aws_wafv2_web_acl.this
}

moved {
  from = aws_cloudwatch_log_group.regional
  to   = module.regional.aws_cloudwatch_log_group.this
}

moved {
  from = aws_cloudwatch_log_resource_policy.regional
  to   = module.regional.aws_cloudwatch_log_resource_policy.this
}

moved {
  from = aws_wafv2_web_acl_logging_configuration.regional
  to   = module.regional.aws_wafv2_web_acl_logging_configuration.this
}

moved {
  from = aws_wafv2_web_acl.cloudfront[0]
  to   = module.cloudfront[0].aws_wafv2_web_acl.this
}

moved {
  from = aws_cloudwatch_log_group.cloudfront[0]
  to   = module.cloudfront[0].aws_cloudwatch_log_group.this
}

moved {
  from = aws_cloudwatch_log_resource_policy.cloudfront[0]
  to   = module.cloudfront[0].aws_cloudwatch_log_resource_policy.this
}

moved {
  from = aws_wafv2_web_acl_logging_configuration.cloudfront[0]
  to   = module.cloudfront[0].aws_wafv2_web_acl_logging_configuration.this
}
