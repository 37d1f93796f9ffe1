variable "name" {
  description = "Name prefix of the distribution's resources (<customer>-<env>)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,44}$", var.name))
    error_message = "name must be 2-45 lowercase letters, digits and hyphens."
  }
}

variable "comment" {
  description = "Comment shown on the distribution."
  type        = string
  default     = null

  validation {
    condition     = var.comment == null || try(length(var.comment) <= 128, false)
    error_message = "CloudFront comments are at most 128 characters."
  }
}

variable "aliases" {
  description = "Alternate domain names (CNAMEs) of the distribution; the certificate must cover each."
  type        = list(string)

  validation {
    condition     = length(var.aliases) >= 1 && alltrue([for a in var.aliases : can(regex("^(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", a))])
    error_message = "aliases must be at least one lowercase DNS name."
  }
}

variable "acm_certificate_arn" {
  description = "ACM certificate of the aliases; CloudFront only uses certificates in us-east-1."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:us-east-1:[0-9]{12}:certificate/[0-9a-f-]{36}$", var.acm_certificate_arn))
    error_message = "acm_certificate_arn must be an ACM certificate ARN in us-east-1."
  }
}

variable "price_class" {
  description = "Edge locations served: PriceClass_100 (NA, EU), PriceClass_200 (+ Asia, Middle East, Africa) or PriceClass_All."
  type        = string

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "default_root_object" {
  description = "Object returned for requests to the root URL (e.g. index.html); null for none."
  type        = string
  default     = null
}

variable "assets_bucket_name" {
  description = "Name of the assets bucket (this module writes its bucket policy)."
  type        = string
}

variable "assets_bucket_arn" {
  description = "ARN of the assets bucket."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:", var.assets_bucket_arn))
    error_message = "assets_bucket_arn must be an S3 bucket ARN."
  }
}

variable "assets_bucket_regional_domain_name" {
  description = "Regional domain name of the assets bucket (the S3 origin)."
  type        = string
}

variable "alb_origin_domain" {
  description = "DNS name CloudFront uses to reach the ALB over HTTPS; it must resolve to the ALB and be covered by the ALB's certificate."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.alb_origin_domain))
    error_message = "alb_origin_domain must be a lowercase DNS name."
  }
}

variable "alb_dns_name" {
  description = "The ALB's own DNS name (target of the alb_origin_domain record)."
  type        = string
}

variable "alb_origin_read_timeout" {
  description = "Seconds CloudFront waits for the ALB's response (1-60 without a quota increase)."
  type        = number
  default     = 60

  validation {
    condition     = var.alb_origin_read_timeout >= 1 && var.alb_origin_read_timeout <= 60
    error_message = "alb_origin_read_timeout must be between 1 and 60 seconds."
  }
}

variable "api_path_patterns" {
  description = "Path patterns routed to the ALB uncached (API, websockets); everything else is served from the assets bucket."
  type        = list(string)

  validation {
    condition     = length(var.api_path_patterns) >= 1 && length(var.api_path_patterns) <= 20 && alltrue([for p in var.api_path_patterns : can(regex("^/[A-Za-z0-9_\\-.*$/~\"'@:+?&=]{0,254}$", p))])
    error_message = "api_path_patterns must be 1-20 CloudFront path patterns starting with '/'."
  }
}

variable "read_only_path_patterns" {
  description = "Path patterns routed to the ALB uncached for GET, HEAD and OPTIONS only (read-only API); they take precedence over api_path_patterns and, with a standby, fail over to it."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.read_only_path_patterns) <= 10 && alltrue([for p in var.read_only_path_patterns : can(regex("^/[A-Za-z0-9_\\-.*$/~\"'@:+?&=]{0,254}$", p))])
    error_message = "read_only_path_patterns must be at most 10 CloudFront path patterns starting with '/'."
  }

  validation {
    condition     = length(setintersection(var.read_only_path_patterns, var.api_path_patterns)) == 0
    error_message = "A path pattern is either read-only or read-write: read_only_path_patterns must not repeat api_path_patterns."
  }
}

variable "standby_alb_origin_domain" {
  description = "DNS name CloudFront uses to reach the warm standby's ALB over HTTPS (it must resolve to that ALB and be covered by its certificate); null: no standby, no origin group."
  type        = string
  default     = null

  validation {
    condition     = var.standby_alb_origin_domain == null || can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", coalesce(var.standby_alb_origin_domain, "-")))
    error_message = "standby_alb_origin_domain must be a lowercase DNS name, or null."
  }

  validation {
    condition     = var.standby_alb_origin_domain != var.alb_origin_domain
    error_message = "The standby ALB needs a name of its own: an origin group's two origins must differ."
  }
}

variable "standby_alb_dns_name" {
  description = "The standby ALB's own DNS name (target of the standby_alb_origin_domain record); null without a standby."
  type        = string
  default     = null
}

variable "origin_failover_status_codes" {
  description = "Status codes from the primary ALB on which CloudFront retries a read-only request on the standby ALB (connection errors and timeouts always fail over)."
  type        = list(number)
  default     = [500, 502, 503, 504]

  validation {
    condition     = length(var.origin_failover_status_codes) >= 1 && alltrue([for c in var.origin_failover_status_codes : contains([400, 403, 404, 416, 500, 502, 503, 504], c)])
    error_message = "origin_failover_status_codes must be codes CloudFront can fail over on: 400, 403, 404, 416, 500, 502, 503, 504."
  }
}

variable "web_acl_arn" {
  description = "ARN of the CLOUDFRONT-scope WAFv2 web ACL; null for none."
  type        = string
  default     = null

  validation {
    condition     = var.web_acl_arn == null || (can(regex("^arn:aws[a-z-]*:wafv2:", var.web_acl_arn)) && !strcontains(coalesce(var.web_acl_arn, "-"), ":regional/webacl/"))
    error_message = "web_acl_arn must be a CLOUDFRONT-scope (global) WAFv2 web ACL ARN."
  }
}

variable "custom_error_responses" {
  description = "Error pages: CloudFront returns response_page_path with response_code for error_code, cached for ttl seconds."
  type = list(object({
    error_code         = number
    response_code      = number
    response_page_path = string
    ttl                = number
  }))
  default = []

  validation {
    condition = alltrue([for r in var.custom_error_responses :
      contains([400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504], r.error_code) &&
      contains([200, 400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504], r.response_code) &&
      startswith(r.response_page_path, "/") && r.ttl >= 0
    ])
    error_message = "custom_error_responses: error_code and response_code must be codes CloudFront supports, response_page_path must start with '/', ttl >= 0."
  }
}

variable "geo_restriction_type" {
  description = "none, whitelist (only the listed countries) or blacklist (all but the listed countries)."
  type        = string
  default     = "none"

  validation {
    condition     = contains(["none", "whitelist", "blacklist"], var.geo_restriction_type)
    error_message = "geo_restriction_type must be none, whitelist or blacklist."
  }
}

variable "geo_restriction_locations" {
  description = "ISO 3166-1 alpha-2 country codes of the geo restriction (empty with type none)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.geo_restriction_locations : can(regex("^[A-Z]{2}$", c))]) && (var.geo_restriction_type == "none") == (length(var.geo_restriction_locations) == 0)
    error_message = "geo_restriction_locations must be ISO 3166-1 alpha-2 codes, given exactly when geo_restriction_type is not none."
  }
}

variable "log_bucket_arn" {
  description = "ARN of the log bucket that receives the access logs."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:", var.log_bucket_arn))
    error_message = "log_bucket_arn must be an S3 bucket ARN."
  }
}

variable "log_prefix" {
  description = "Key prefix of the access logs in the log bucket (the log bucket grants CloudFront delivery below it)."
  type        = string
  default     = "cloudfront"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,62}$", var.log_prefix))
    error_message = "log_prefix must be a short lowercase prefix without slashes."
  }
}

variable "log_output_format" {
  description = "Format of the access log files: w3c, json or parquet."
  type        = string
  default     = "w3c"

  validation {
    condition     = contains(["w3c", "json", "parquet"], var.log_output_format)
    error_message = "log_output_format must be w3c, json or parquet."
  }
}

variable "hsts_max_age_seconds" {
  description = "Strict-Transport-Security max-age: seconds browsers only use HTTPS for the aliases (at least one year)."
  type        = number
  default     = 31536000

  validation {
    condition     = var.hsts_max_age_seconds >= 31536000 && var.hsts_max_age_seconds <= 63072000 && floor(var.hsts_max_age_seconds) == var.hsts_max_age_seconds
    error_message = "hsts_max_age_seconds must be a whole number of seconds between one year (31536000) and two years (63072000)."
  }
}

variable "hsts_include_subdomains" {
  description = "Strict-Transport-Security includeSubDomains: browsers also use only HTTPS for every name below the aliases."
  type        = bool
  default     = true
}

variable "hsts_preload" {
  description = "Strict-Transport-Security preload: consent to the browsers' HSTS preload list (hstspreload.org), a commitment for the domain and all its subdomains."
  type        = bool
  default     = false
}

variable "frame_options" {
  description = "X-Frame-Options: DENY (no framing) or SAMEORIGIN (framing by the aliases' own pages only)."
  type        = string
  default     = "DENY"

  validation {
    condition     = contains(["DENY", "SAMEORIGIN"], var.frame_options)
    error_message = "frame_options must be DENY or SAMEORIGIN."
  }
}

variable "referrer_policy" {
  description = "Referrer-Policy sent with every response."
  type        = string
  default     = "strict-origin-when-cross-origin"

  validation {
    condition     = contains(["no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin", "same-origin", "strict-origin", "strict-origin-when-cross-origin", "unsafe-url"], var.referrer_policy)
    error_message = "referrer_policy must be a Referrer-Policy value CloudFront supports."
  }
}

variable "content_security_policy" {
  description = "Content-Security-Policy sent with every response; null sends none (the web client's origins are the customer's)."
  type        = string
  default     = null

  validation {
    condition     = var.content_security_policy == null || try(length(var.content_security_policy) >= 1 && length(var.content_security_policy) <= 1783, false)
    error_message = "content_security_policy must be 1-1783 characters (CloudFront's limit)."
  }
}
