mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111111111111"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_region" {
    defaults = {
      id = "eu-west-1"
    }
  }

  mock_resource "aws_wafv2_web_acl" {
    defaults = {
      arn = "arn:aws:wafv2:eu-west-1:111111111111:regional/webacl/acme-dev-regional/11111111-2222-3333-4444-555555555555"
    }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:eu-west-1:111111111111:log-group:aws-waf-logs-acme-dev-regional"
    }
  }
}

mock_provider "aws" {
  alias = "us_east_1"

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111111111111"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_region" {
    defaults = {
      id = "us-east-1"
    }
  }

  mock_resource "aws_wafv2_web_acl" {
    defaults = {
      arn = "arn:aws:wafv2:us-east-1:111111111111:global/webacl/acme-dev-cloudfront/11111111-2222-3333-4444-555555555555"
    }
  }

  mock_resource "aws_kms_key" {
    defaults = {
      arn = "arn:aws:kms:us-east-1:111111111111:key/00000000-0000-0000-0000-000000000000"
    }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:us-east-1:111111111111:log-group:aws-waf-logs-acme-dev-cloudfront"
    }
  }
}

variables {
  name                  = "acme-dev"
  create_cloudfront_acl = true
  alb_arn               = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/acme-dev/0123456789abcdef"
  kms_key_arn           = "arn:aws:kms:eu-west-1:111111111111:key/11111111-1111-1111-1111-111111111111"
  log_retention_days    = 30
  rate_limit            = 2000
  login_rate_limit      = 100
  rate_limit_window_sec = 300
}

run "both_scopes" {
  command = plan

  assert {
    condition     = module.regional.web_acl.scope == "REGIONAL" && module.regional.web_acl.name == "acme-dev-regional"
    error_message = "the regional ACL is <name>-regional"
  }

  assert {
    condition     = module.cloudfront[0].web_acl.scope == "CLOUDFRONT" && module.cloudfront[0].web_acl.name == "acme-dev-cloudfront"
    error_message = "the CloudFront ACL is <name>-cloudfront"
  }

  assert {
    condition = toset([for r in module.regional.web_acl.rule : one(r.statement[0].managed_rule_group_statement[*].name) if length(r.statement[0].managed_rule_group_statement) > 0]) == toset([
      "AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesCommonRuleSet",
      "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet",
    ])
    error_message = "the AWS managed rule groups run (anonymous IP list off by default)"
  }

  assert {
    condition     = alltrue([for r in module.regional.web_acl.rule : length(r.override_action) == 1 && length(r.override_action[0].none) == 1 if length(r.statement[0].managed_rule_group_statement) > 0])
    error_message = "managed groups keep their own actions"
  }

  assert {
    condition = one([
      for r in module.regional.web_acl.rule : r.statement[0].rate_based_statement[0].limit if r.name == "rate-limit-per-ip"
    ]) == 2000
    error_message = "the per-IP rate rule has the manifest's limit"
  }

  assert {
    condition = one([
      for r in module.cloudfront[0].web_acl.rule : r.statement[0].rate_based_statement[0].aggregate_key_type if r.name == "rate-limit-per-ip"
      ]) == "IP" && one([
      for r in module.cloudfront[0].web_acl.rule : r.statement[0].rate_based_statement[0].evaluation_window_sec if r.name == "rate-limit-per-ip"
    ]) == 300
    error_message = "rates are counted per client IP over the window"
  }

  assert {
    condition = one([
      for r in module.regional.web_acl.rule : r.statement[0].rate_based_statement[0].scope_down_statement[0].byte_match_statement[0].search_string
      if r.name == "rate-limit-login"
    ]) == "/api/auth/login"
    error_message = "the login rate rule is scoped down to the login path"
  }

  assert {
    condition = one([
      for r in module.regional.web_acl.rule : r.statement[0].rate_based_statement[0].limit if r.name == "rate-limit-login"
    ]) == 100
    error_message = "the login rate rule has its stricter limit"
  }

  assert {
    condition     = alltrue([for r in module.regional.web_acl.rule : r.visibility_config[0].cloudwatch_metrics_enabled && r.visibility_config[0].sampled_requests_enabled]) && module.regional.web_acl.visibility_config[0].sampled_requests_enabled
    error_message = "metrics and sampled requests for the ACL and every rule"
  }

  assert {
    condition     = length([for r in module.regional.web_acl.rule : r if r.name == "geo-block"]) == 0
    error_message = "no geo blocking without countries"
  }

  assert {
    condition     = module.regional.log_group.name == "aws-waf-logs-acme-dev-regional" && module.cloudfront[0].log_group.name == "aws-waf-logs-acme-dev-cloudfront"
    error_message = "WAF log groups must be named aws-waf-logs-*"
  }

  assert {
    condition     = module.regional.log_group.retention_in_days == 30 && module.cloudfront[0].log_group.retention_in_days == 30
    error_message = "WAF logs are kept log_retention_days"
  }

  assert {
    condition     = module.regional.log_group.kms_key_id == "arn:aws:kms:eu-west-1:111111111111:key/11111111-1111-1111-1111-111111111111"
    error_message = "the regional log group uses the customer key"
  }

  assert {
    condition     = length(aws_kms_key.cloudfront_logs) == 1
    error_message = "the us-east-1 log group gets a key in us-east-1"
  }

  assert {
    condition     = aws_wafv2_web_acl_association.alb.resource_arn == "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/acme-dev/0123456789abcdef"
    error_message = "the regional ACL protects the ALB"
  }

  assert {
    condition     = toset(module.regional.redacted_headers) == toset(["authorization", "cookie"])
    error_message = "credentials are redacted from the logs"
  }
}

run "applied" {
  command = apply

  assert {
    condition     = module.cloudfront[0].log_group.kms_key_id == "arn:aws:kms:us-east-1:111111111111:key/00000000-0000-0000-0000-000000000000"
    error_message = "the CloudFront log group is encrypted with the us-east-1 key"
  }

  assert {
    condition     = jsondecode(module.regional.log_policy_document).Statement[0].Resource == "arn:aws:logs:eu-west-1:111111111111:log-group:aws-waf-logs-acme-dev-regional:*"
    error_message = "log delivery may write to the WAF log group only"
  }

  assert {
    condition     = jsondecode(module.cloudfront[0].log_policy_document).Statement[0].Resource == "arn:aws:logs:us-east-1:111111111111:log-group:aws-waf-logs-acme-dev-cloudfront:*" && jsondecode(module.cloudfront[0].log_policy_document).Statement[0].Condition.ArnLike["aws:SourceArn"] == "arn:aws:logs:us-east-1:111111111111:*"
    error_message = "log delivery in us-east-1 may write to the CloudFront WAF log group only"
  }

  assert {
    condition     = output.cloudfront_web_acl_arn == "arn:aws:wafv2:us-east-1:111111111111:global/webacl/acme-dev-cloudfront/11111111-2222-3333-4444-555555555555"
    error_message = "the CloudFront ACL ARN is an output"
  }
}

run "prod_like_geo_and_several_login_paths" {
  command = plan

  variables {
    name               = "acme-prod"
    anonymous_ip_list  = true
    blocked_countries  = ["KP", "IR"]
    login_paths        = ["/api/auth/login", "/api/auth/Token"]
    rate_limit         = 3000
    log_retention_days = 400
  }

  assert {
    condition     = one([for r in module.regional.web_acl.rule : r.statement[0].geo_match_statement[0].country_codes if r.name == "geo-block"]) == tolist(["KP", "IR"])
    error_message = "geo blocking from the input"
  }

  assert {
    condition     = contains([for r in module.cloudfront[0].web_acl.rule : r.name], "anonymous-ip")
    error_message = "the anonymous IP list is optional"
  }

  assert {
    condition = toset([
      for s in one([for r in module.regional.web_acl.rule : r.statement[0].rate_based_statement[0].scope_down_statement[0].or_statement[0].statement if r.name == "rate-limit-login"]) :
      s.byte_match_statement[0].search_string
    ]) == toset(["/api/auth/login", "/api/auth/token"])
    error_message = "several login paths are OR-ed (matched lower-cased)"
  }
}

run "without_cdn" {
  command = plan

  variables {
    create_cloudfront_acl = false
  }

  assert {
    condition     = length(module.cloudfront) == 0 && length(aws_kms_key.cloudfront_logs) == 0
    error_message = "no CloudFront ACL, log group or key without a CDN"
  }
}

run "customer_key_in_us_east_1" {
  command = plan

  variables {
    cloudfront_log_kms_key_arn  = "arn:aws:kms:us-east-1:111111111111:key/22222222-2222-2222-2222-222222222222"
    cloudfront_log_customer_key = true
  }

  assert {
    condition     = length(aws_kms_key.cloudfront_logs) == 0 && module.cloudfront[0].log_group.kms_key_id == "arn:aws:kms:us-east-1:111111111111:key/22222222-2222-2222-2222-222222222222"
    error_message = "in us-east-1 the customer key is used"
  }
}

run "refuses_a_low_rate_limit" {
  command = plan

  variables {
    rate_limit = 50
  }

  expect_failures = [var.rate_limit]
}

run "refuses_an_odd_window" {
  command = plan

  variables {
    rate_limit_window_sec = 100
  }

  expect_failures = [var.rate_limit_window_sec]
}
