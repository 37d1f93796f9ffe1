# CloudFront in front of the game: static assets from the S3 assets bucket (through an Origin
# Access Control), the API and websockets from the ALB.
#
# - Assets: the default behaviour, cached with the managed CachingOptimized policy. The bucket stays
#   private: CloudFront signs its requests (OAC, SigV4, always) and the bucket policy, which this
#   module owns while the distribution exists, lets only this distribution read. The objects are
#   SSE-KMS encrypted with the customer key, whose policy lets cloudfront.amazonaws.com decrypt for
#   this account (the kms unit cannot name this distribution: it is created long before it).
# - API and websockets (api_path_patterns, e.g. /api/* and /ws/*): the ALB, over HTTPS only, never
#   cached (managed CachingDisabled), every viewer header, cookie and query string forwarded except
#   Host (managed AllViewerExceptHostHeader), so Authorization headers and the websocket upgrade
#   reach the services. CloudFront connects to alb_origin_domain, a DNS name the customer points at
#   the ALB (see the origin_dns_record output) and that the ALB certificate covers: CloudFront
#   verifies the origin certificate against that name, which the ALB's own *.elb.amazonaws.com name
#   could never satisfy.
# - Read-only API paths (read_only_path_patterns, listed before the API behaviours so they take
#   precedence): the same, but only GET, HEAD and OPTIONS (CloudFront answers other methods 403).
# - Warm standby (standby_alb_origin_domain set): a second ALB origin, the standby region's ALB under
#   its own name (its certificate must cover that name), and an origin group "alb-failover" with the
#   primary ALB first. The read-only behaviours use the group: CloudFront retries a request on the
#   standby when the primary ALB returns one of origin_failover_status_codes or cannot be reached
#   (connection error or timeout). Origin groups only serve behaviours limited to GET, HEAD and
#   OPTIONS (CloudFront rejects POST/PUT/PATCH/DELETE there and never fails those over), so the API
#   behaviours stay on alb_origin_domain, a name Route 53 fails over to the standby ALB by health
#   check (the dns_records unit; the standby certificate must cover that name too).
# - Access logs: CloudFront standard logging v2 (CloudWatch Logs vended log delivery, in us-east-1)
#   to the log bucket below log_prefix. Chosen over standard logging (legacy), which writes with
#   ACLs and would force ACLs back on in the log bucket; v2 is granted by the log bucket's policy.
# - Security headers: one response headers policy on every behaviour (assets, API, websockets):
#   HSTS, X-Content-Type-Options: nosniff, X-Frame-Options, Referrer-Policy, X-XSS-Protection: 0 and,
#   when given, a Content-Security-Policy. CloudFront overrides what the origin sends, so a service
#   cannot weaken them.

data "aws_cloudfront_cache_policy" "caching_optimized" {
  name = "Managed-CachingOptimized"
}

data "aws_cloudfront_cache_policy" "caching_disabled" {
  name = "Managed-CachingDisabled"
}

data "aws_cloudfront_origin_request_policy" "all_viewer_except_host" {
  name = "Managed-AllViewerExceptHostHeader"
}

locals {
  assets_origin_id      = "assets"
  alb_origin_id         = "alb"
  standby_alb_origin_id = "alb-standby"
  failover_group_id     = "alb-failover"
  has_standby           = var.standby_alb_origin_domain != null
  alb_origins = merge(
    { (local.alb_origin_id) = var.alb_origin_domain },
    local.has_standby ? { (local.standby_alb_origin_id) = var.standby_alb_origin_domain } : {},
  )
  # the read-only paths go to the failover group with a standby (the ALB otherwise); the API paths
  # to the ALB's origin name, every method
  alb_behaviours = concat(
    [for pattern in var.read_only_path_patterns : {
      path_pattern     = pattern
      target_origin_id = local.has_standby ? local.failover_group_id : local.alb_origin_id
      allowed_methods  = ["GET", "HEAD", "OPTIONS"]
    }],
    [for pattern in var.api_path_patterns : {
      path_pattern     = pattern
      target_origin_id = local.alb_origin_id
      allowed_methods  = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
    }],
  )
}

resource "aws_cloudfront_origin_access_control" "assets" {
  name                              = "${var.name}-assets"
  description                       = "Signed requests from ${var.name} to its assets bucket"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

# X-XSS-Protection: 0 turns the legacy XSS auditor off, as OWASP and MDN recommend: current browsers
# have removed it, and where it still runs its filtering could be abused to leak data from a page.
# The CSP is the customer's (cdn.security_headers.content_security_policy): a game's web client
# loads scripts, fonts and websockets from origins only its team knows; null sends none.
resource "aws_cloudfront_response_headers_policy" "security" {
  name    = "${var.name}-security-headers"
  comment = "Security headers of ${var.name}"

  security_headers_config {
    strict_transport_security {
      access_control_max_age_sec = var.hsts_max_age_seconds
      include_subdomains         = var.hsts_include_subdomains
      preload                    = var.hsts_preload
      override                   = true
    }

    content_type_options {
      override = true
    }

    frame_options {
      frame_option = var.frame_options
      override     = true
    }

    referrer_policy {
      referrer_policy = var.referrer_policy
      override        = true
    }

    xss_protection {
      protection = false
      override   = true
    }

    dynamic "content_security_policy" {
      for_each = var.content_security_policy == null ? [] : [var.content_security_policy]

      content {
        content_security_policy = content_security_policy.value
        override                = true
      }
    }
  }
}

resource "aws_cloudfront_distribution" "this" {
  # checkov:skip=CKV_AWS_86:access logs are delivered by CloudFront standard logging v2 (aws_cloudwatch_log_delivery below) to the log bucket; checkov only recognises the legacy logging_config, which would need ACLs on the log bucket
  # checkov:skip=CKV_AWS_310:an origin group needs a second copy of an origin: with a warm standby the read-only API paths fail over to the standby ALB (origin_group below); the assets bucket has no second origin, and the read-write API cannot use a group (GET/HEAD/OPTIONS only) and fails over by Route 53 instead
  enabled             = true
  comment             = var.comment
  aliases             = var.aliases
  price_class         = var.price_class
  http_version        = "http2and3"
  is_ipv6_enabled     = true
  default_root_object = var.default_root_object
  web_acl_id          = var.web_acl_arn

  origin {
    origin_id                = local.assets_origin_id
    domain_name              = var.assets_bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.assets.id
  }

  # the ALB origins, both reached the same way: the primary's, and the standby's when there is one
  dynamic "origin" {
    for_each = local.alb_origins

    content {
      origin_id   = origin.key
      domain_name = origin.value

      custom_origin_config {
        http_port                = 80
        https_port               = 443
        origin_protocol_policy   = "https-only"
        origin_ssl_protocols     = ["TLSv1.2"]
        origin_read_timeout      = var.alb_origin_read_timeout
        origin_keepalive_timeout = 60
      }
    }
  }

  dynamic "origin_group" {
    for_each = local.has_standby ? [local.failover_group_id] : []

    content {
      origin_id = origin_group.value

      failover_criteria {
        status_codes = var.origin_failover_status_codes
      }

      member {
        origin_id = local.alb_origin_id
      }

      member {
        origin_id = local.standby_alb_origin_id
      }
    }
  }

  default_cache_behavior {
    target_origin_id           = local.assets_origin_id
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD", "OPTIONS"]
    cached_methods             = ["GET", "HEAD"]
    cache_policy_id            = data.aws_cloudfront_cache_policy.caching_optimized.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.security.id
    compress                   = true
  }

  # read-only paths first: CloudFront matches behaviours in order, and they fall under an API pattern
  dynamic "ordered_cache_behavior" {
    for_each = local.alb_behaviours

    content {
      path_pattern               = ordered_cache_behavior.value.path_pattern
      target_origin_id           = ordered_cache_behavior.value.target_origin_id
      viewer_protocol_policy     = "https-only"
      allowed_methods            = ordered_cache_behavior.value.allowed_methods
      cached_methods             = ["GET", "HEAD"]
      cache_policy_id            = data.aws_cloudfront_cache_policy.caching_disabled.id
      origin_request_policy_id   = data.aws_cloudfront_origin_request_policy.all_viewer_except_host.id
      response_headers_policy_id = aws_cloudfront_response_headers_policy.security.id
      compress                   = true
    }
  }

  dynamic "custom_error_response" {
    for_each = var.custom_error_responses

    content {
      error_code            = custom_error_response.value.error_code
      response_code         = custom_error_response.value.response_code
      response_page_path    = custom_error_response.value.response_page_path
      error_caching_min_ttl = custom_error_response.value.ttl
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = var.geo_restriction_type
      locations        = var.geo_restriction_locations
    }
  }

  viewer_certificate {
    acm_certificate_arn      = var.acm_certificate_arn
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }

  tags = {
    Name = var.name
  }
}

# The assets bucket's whole policy (the s3_assets module leaves it out while a CDN exists).
resource "aws_s3_bucket_policy" "assets" {
  bucket = var.assets_bucket_name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [var.assets_bucket_arn, "${var.assets_bucket_arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        Sid       = "CloudFrontOriginAccessControl"
        Effect    = "Allow"
        Principal = { Service = "cloudfront.amazonaws.com" }
        Action    = "s3:GetObject"
        Resource  = "${var.assets_bucket_arn}/*"
        Condition = { StringEquals = { "AWS:SourceArn" = aws_cloudfront_distribution.this.arn } }
      },
    ]
  })
}

# --- access logs: CloudFront standard logging v2, delivered by CloudWatch Logs from us-east-1 ---

resource "aws_cloudwatch_log_delivery_source" "access_logs" {
  provider = aws.us_east_1

  name         = "${var.name}-cdn-access"
  log_type     = "ACCESS_LOGS"
  resource_arn = aws_cloudfront_distribution.this.arn
}

resource "aws_cloudwatch_log_delivery_destination" "access_logs" {
  provider = aws.us_east_1

  name          = "${var.name}-cdn-access-s3"
  output_format = var.log_output_format

  delivery_destination_configuration {
    destination_resource_arn = "${var.log_bucket_arn}/${var.log_prefix}"
  }
}

resource "aws_cloudwatch_log_delivery" "access_logs" {
  provider = aws.us_east_1

  delivery_source_name     = aws_cloudwatch_log_delivery_source.access_logs.name
  delivery_destination_arn = aws_cloudwatch_log_delivery_destination.access_logs.arn
}
