mock_provider "aws" {
  mock_data "aws_cloudfront_cache_policy" {
    defaults = {
      id = "658327ea-f89d-4fab-a63d-7e88639e58f6"
    }
  }

  mock_data "aws_cloudfront_origin_request_policy" {
    defaults = {
      id = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
    }
  }

  mock_resource "aws_cloudfront_distribution" {
    defaults = {
      arn = "arn:aws:cloudfront::111111111111:distribution/E2MOCKDIST"
    }
  }
}

mock_provider "aws" {
  alias = "us_east_1"

  mock_resource "aws_cloudwatch_log_delivery_destination" {
    defaults = {
      arn = "arn:aws:logs:us-east-1:111111111111:delivery-destination:acme-dev-cdn-access-s3"
    }
  }
}

variables {
  name                               = "acme-dev"
  comment                            = "Acme (dev)"
  aliases                            = ["dev.acme.example.com"]
  acm_certificate_arn                = "arn:aws:acm:us-east-1:111111111111:certificate/2f3e4d5c-6b7a-4899-8a1b-2c3d4e5f6a7b"
  price_class                        = "PriceClass_100"
  default_root_object                = "index.html"
  assets_bucket_name                 = "acme-dev-assets-111111111111"
  assets_bucket_arn                  = "arn:aws:s3:::acme-dev-assets-111111111111"
  assets_bucket_regional_domain_name = "acme-dev-assets-111111111111.s3.eu-west-1.amazonaws.com"
  alb_origin_domain                  = "origin.dev.acme.example.com"
  alb_dns_name                       = "acme-dev-123456789.eu-west-1.elb.amazonaws.com"
  api_path_patterns                  = ["/api/*", "/ws/*"]
  web_acl_arn                        = null
  log_bucket_arn                     = "arn:aws:s3:::acme-dev-logs-111111111111"
}

run "dev_like" {
  command = plan

  assert {
    condition     = aws_cloudfront_distribution.this.viewer_certificate[0].minimum_protocol_version == "TLSv1.2_2021" && aws_cloudfront_distribution.this.viewer_certificate[0].ssl_support_method == "sni-only"
    error_message = "viewers need TLS 1.2+ (TLSv1.2_2021) over SNI"
  }

  assert {
    condition     = aws_cloudfront_distribution.this.http_version == "http2and3" && aws_cloudfront_distribution.this.price_class == "PriceClass_100"
    error_message = "HTTP/2 and 3, price class from the input"
  }

  assert {
    condition     = aws_cloudfront_distribution.this.web_acl_id == null
    error_message = "no web ACL without WAF"
  }

  assert {
    condition     = aws_cloudfront_origin_access_control.assets.signing_behavior == "always" && aws_cloudfront_origin_access_control.assets.signing_protocol == "sigv4" && aws_cloudfront_origin_access_control.assets.origin_access_control_origin_type == "s3"
    error_message = "the assets origin is reached through a SigV4 OAC that always signs"
  }

  assert {
    condition = one([
      for o in aws_cloudfront_distribution.this.origin : o.custom_origin_config[0].origin_protocol_policy
      if o.origin_id == "alb"
    ]) == "https-only"
    error_message = "CloudFront reaches the ALB over HTTPS only"
  }

  assert {
    condition = one([
      for o in aws_cloudfront_distribution.this.origin : o.custom_origin_config[0].origin_ssl_protocols
      if o.origin_id == "alb"
    ]) == toset(["TLSv1.2"])
    error_message = "TLS 1.2 to the origin"
  }

  assert {
    condition = one([
      for o in aws_cloudfront_distribution.this.origin : o.domain_name if o.origin_id == "alb"
    ]) == "origin.dev.acme.example.com"
    error_message = "the ALB is reached through the origin domain its certificate covers"
  }

  assert {
    condition     = [for b in aws_cloudfront_distribution.this.ordered_cache_behavior : b.path_pattern] == ["/api/*", "/ws/*"]
    error_message = "API and websocket paths go to the ALB"
  }

  assert {
    condition     = alltrue([for b in aws_cloudfront_distribution.this.ordered_cache_behavior : b.target_origin_id == "alb" && b.viewer_protocol_policy == "https-only" && b.compress && contains(b.allowed_methods, "POST")])
    error_message = "API behaviours accept every method over HTTPS"
  }

  assert {
    condition     = aws_cloudfront_distribution.this.default_cache_behavior[0].target_origin_id == "assets" && aws_cloudfront_distribution.this.default_cache_behavior[0].compress && aws_cloudfront_distribution.this.default_cache_behavior[0].viewer_protocol_policy == "redirect-to-https"
    error_message = "everything else comes from the assets bucket, compressed, HTTPS"
  }

  assert {
    condition     = aws_cloudfront_distribution.this.restrictions[0].geo_restriction[0].restriction_type == "none"
    error_message = "no geo restriction by default"
  }

  assert {
    condition     = aws_cloudwatch_log_delivery_source.access_logs.log_type == "ACCESS_LOGS"
    error_message = "access logs are delivered (standard logging v2)"
  }

  assert {
    condition     = aws_cloudwatch_log_delivery_destination.access_logs.delivery_destination_configuration[0].destination_resource_arn == "arn:aws:s3:::acme-dev-logs-111111111111/cloudfront"
    error_message = "access logs land in the log bucket below cloudfront/"
  }

  assert {
    condition     = output.origin_dns_record == { name = "origin.dev.acme.example.com", type = "CNAME", value = "acme-dev-123456789.eu-west-1.elb.amazonaws.com" }
    error_message = "the origin DNS record the customer needs is reported"
  }
}

run "prod_like" {
  command = apply

  variables {
    name                      = "acme-prod"
    aliases                   = ["acme.example.com", "www.acme.example.com"]
    price_class               = "PriceClass_All"
    web_acl_arn               = "arn:aws:wafv2:us-east-1:222222222222:global/webacl/acme-prod-cloudfront/11111111-2222-3333-4444-555555555555"
    geo_restriction_type      = "blacklist"
    geo_restriction_locations = ["KP"]
    custom_error_responses = [
      { error_code = 503, response_code = 503, response_page_path = "/errors/503.html", ttl = 10 },
    ]
  }

  assert {
    condition     = aws_cloudfront_distribution.this.web_acl_id == "arn:aws:wafv2:us-east-1:222222222222:global/webacl/acme-prod-cloudfront/11111111-2222-3333-4444-555555555555"
    error_message = "the CLOUDFRONT web ACL protects the distribution"
  }

  assert {
    condition     = aws_cloudfront_distribution.this.price_class == "PriceClass_All" && toset(aws_cloudfront_distribution.this.aliases) == toset(["acme.example.com", "www.acme.example.com"])
    error_message = "price class and aliases from the inputs"
  }

  assert {
    condition     = one(aws_cloudfront_distribution.this.custom_error_response[*].response_page_path) == "/errors/503.html" && one(aws_cloudfront_distribution.this.custom_error_response[*].error_caching_min_ttl) == 10
    error_message = "custom error responses from the inputs"
  }

  assert {
    condition     = aws_cloudfront_distribution.this.restrictions[0].geo_restriction[0].restriction_type == "blacklist" && aws_cloudfront_distribution.this.restrictions[0].geo_restriction[0].locations == toset(["KP"])
    error_message = "geo restriction from the inputs"
  }

  assert {
    condition = one([
      for s in jsondecode(aws_s3_bucket_policy.assets.policy).Statement : s.Condition.StringEquals["AWS:SourceArn"]
      if s.Sid == "CloudFrontOriginAccessControl" && s.Principal == { Service = "cloudfront.amazonaws.com" } && s.Action == "s3:GetObject"
    ]) == "arn:aws:cloudfront::111111111111:distribution/E2MOCKDIST"
    error_message = "only this distribution may read the assets"
  }

  assert {
    condition = one([
      for s in jsondecode(aws_s3_bucket_policy.assets.policy).Statement : s.Condition.Bool["aws:SecureTransport"]
      if s.Sid == "DenyInsecureTransport" && s.Effect == "Deny"
    ]) == "false"
    error_message = "the assets bucket still refuses plain HTTP"
  }

  assert {
    condition     = aws_cloudwatch_log_delivery.access_logs.delivery_destination_arn == "arn:aws:logs:us-east-1:111111111111:delivery-destination:acme-dev-cdn-access-s3"
    error_message = "the delivery joins the source and the S3 destination"
  }
}

run "refuses_a_certificate_outside_us_east_1" {
  command = plan

  variables {
    acm_certificate_arn = "arn:aws:acm:eu-west-1:111111111111:certificate/2f3e4d5c-6b7a-4899-8a1b-2c3d4e5f6a7b"
  }

  expect_failures = [var.acm_certificate_arn]
}

run "refuses_a_regional_web_acl" {
  command = plan

  variables {
    web_acl_arn = "arn:aws:wafv2:eu-west-1:111111111111:regional/webacl/acme-dev-regional/11111111-2222-3333-4444-555555555555"
  }

  expect_failures = [var.web_acl_arn]
}

run "security_headers_on_every_behaviour" {
  command = apply

  assert {
    condition = alltrue(concat(
      [aws_cloudfront_distribution.this.default_cache_behavior[0].response_headers_policy_id == aws_cloudfront_response_headers_policy.security.id],
      [for b in aws_cloudfront_distribution.this.ordered_cache_behavior : b.response_headers_policy_id == aws_cloudfront_response_headers_policy.security.id],
    )) && length(aws_cloudfront_distribution.this.ordered_cache_behavior) == 2
    error_message = "the assets, API and websocket behaviours all send the security headers"
  }

  assert {
    condition = (
      aws_cloudfront_response_headers_policy.security.security_headers_config[0].strict_transport_security[0].access_control_max_age_sec == 31536000 &&
      aws_cloudfront_response_headers_policy.security.security_headers_config[0].strict_transport_security[0].include_subdomains &&
      !aws_cloudfront_response_headers_policy.security.security_headers_config[0].strict_transport_security[0].preload &&
      aws_cloudfront_response_headers_policy.security.security_headers_config[0].strict_transport_security[0].override
    )
    error_message = "HSTS for a year with includeSubDomains, overriding the origin, no preload unless asked"
  }

  assert {
    condition = (
      aws_cloudfront_response_headers_policy.security.security_headers_config[0].content_type_options[0].override &&
      aws_cloudfront_response_headers_policy.security.security_headers_config[0].frame_options[0].frame_option == "DENY" &&
      aws_cloudfront_response_headers_policy.security.security_headers_config[0].referrer_policy[0].referrer_policy == "strict-origin-when-cross-origin" &&
      !aws_cloudfront_response_headers_policy.security.security_headers_config[0].xss_protection[0].protection &&
      length(aws_cloudfront_response_headers_policy.security.security_headers_config[0].content_security_policy) == 0
    )
    error_message = "nosniff, frame DENY, strict-origin-when-cross-origin, X-XSS-Protection 0 and no CSP by default"
  }
}

run "security_headers_from_the_inputs" {
  command = plan

  variables {
    hsts_max_age_seconds    = 63072000
    hsts_preload            = true
    frame_options           = "SAMEORIGIN"
    referrer_policy         = "no-referrer"
    content_security_policy = "default-src 'self'; connect-src 'self' wss://dev.acme.example.com; frame-ancestors 'self'"
  }

  assert {
    condition = (
      aws_cloudfront_response_headers_policy.security.security_headers_config[0].strict_transport_security[0].access_control_max_age_sec == 63072000 &&
      aws_cloudfront_response_headers_policy.security.security_headers_config[0].strict_transport_security[0].preload &&
      aws_cloudfront_response_headers_policy.security.security_headers_config[0].frame_options[0].frame_option == "SAMEORIGIN" &&
      aws_cloudfront_response_headers_policy.security.security_headers_config[0].referrer_policy[0].referrer_policy == "no-referrer"
    )
    error_message = "max-age, preload, frame options and referrer policy come from the inputs"
  }

  assert {
    condition = (
      aws_cloudfront_response_headers_policy.security.security_headers_config[0].content_security_policy[0].content_security_policy == "default-src 'self'; connect-src 'self' wss://dev.acme.example.com; frame-ancestors 'self'" &&
      aws_cloudfront_response_headers_policy.security.security_headers_config[0].content_security_policy[0].override
    )
    error_message = "a given CSP is sent, overriding the origin's"
  }
}

run "refuses_an_hsts_max_age_below_a_year" {
  command = plan

  variables {
    hsts_max_age_seconds = 86400
  }

  expect_failures = [var.hsts_max_age_seconds]
}

run "refuses_an_unknown_frame_option" {
  command = plan

  variables {
    frame_options = "ALLOW-FROM https://example.com"
  }

  expect_failures = [var.frame_options]
}

run "no_origin_group_without_a_standby" {
  command = plan

  assert {
    condition     = length(aws_cloudfront_distribution.this.origin_group) == 0 && length(aws_cloudfront_distribution.this.origin) == 2
    error_message = "without a standby: the assets bucket and the ALB, no origin group"
  }

  assert {
    condition     = output.standby_origin_dns_record == null
    error_message = "no standby record to create without a standby"
  }
}

run "read_only_paths_without_a_standby" {
  command = plan

  variables {
    read_only_path_patterns = ["/api/leaderboard/*"]
  }

  assert {
    condition     = [for b in aws_cloudfront_distribution.this.ordered_cache_behavior : b.path_pattern] == ["/api/leaderboard/*", "/api/*", "/ws/*"]
    error_message = "read-only paths come before the API patterns they fall under"
  }

  assert {
    condition     = aws_cloudfront_distribution.this.ordered_cache_behavior[0].target_origin_id == "alb" && toset(aws_cloudfront_distribution.this.ordered_cache_behavior[0].allowed_methods) == toset(["GET", "HEAD", "OPTIONS"])
    error_message = "without a standby the read-only paths go to the ALB, GET/HEAD/OPTIONS only"
  }
}

run "warm_standby_origin_group" {
  command = plan

  variables {
    read_only_path_patterns   = ["/api/leaderboard/*"]
    standby_alb_origin_domain = "standby-origin.dev.acme.example.com"
    standby_alb_dns_name      = "acme-dev-standby-987654321.eu-central-1.elb.amazonaws.com"
  }

  assert {
    condition     = [for m in one(aws_cloudfront_distribution.this.origin_group).member : m.origin_id] == ["alb", "alb-standby"]
    error_message = "the origin group lists the primary ALB first, the standby's second"
  }

  assert {
    condition     = toset(one(one(aws_cloudfront_distribution.this.origin_group).failover_criteria).status_codes) == toset([500, 502, 503, 504])
    error_message = "the group fails over on 500, 502, 503 and 504 by default"
  }

  assert {
    condition = one([
      for o in aws_cloudfront_distribution.this.origin : o.domain_name
      if o.origin_id == "alb-standby" && try(o.custom_origin_config[0].origin_protocol_policy == "https-only" && o.custom_origin_config[0].origin_ssl_protocols == toset(["TLSv1.2"]), false)
    ]) == "standby-origin.dev.acme.example.com"
    error_message = "the standby ALB is reached over HTTPS (TLS 1.2) by its own name"
  }

  assert {
    condition     = aws_cloudfront_distribution.this.ordered_cache_behavior[0].target_origin_id == "alb-failover" && alltrue([for b in slice(aws_cloudfront_distribution.this.ordered_cache_behavior, 1, 3) : b.target_origin_id == "alb"])
    error_message = "only the read-only paths use the origin group; the read-write API stays on the origin name"
  }

  assert {
    condition     = output.standby_origin_dns_record == { name = "standby-origin.dev.acme.example.com", type = "CNAME", value = "acme-dev-standby-987654321.eu-central-1.elb.amazonaws.com" }
    error_message = "the standby origin DNS record the customer needs is reported"
  }
}

run "refuses_the_origin_name_for_the_standby" {
  command = plan

  variables {
    standby_alb_origin_domain = "origin.dev.acme.example.com"
  }

  expect_failures = [var.standby_alb_origin_domain]
}

run "refuses_a_read_only_pattern_that_is_read_write" {
  command = plan

  variables {
    read_only_path_patterns = ["/api/*"]
  }

  expect_failures = [var.read_only_path_patterns]
}

run "refuses_a_status_code_cloudfront_cannot_fail_over_on" {
  command = plan

  variables {
    standby_alb_origin_domain    = "standby-origin.dev.acme.example.com"
    origin_failover_status_codes = [501]
  }

  expect_failures = [var.origin_failover_status_codes]
}
