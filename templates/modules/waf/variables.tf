variable "name" {
  description = "Name prefix (<customer>-<env>); the ACLs are <name>-cloudfront and <name>-regional."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,44}$", var.name))
    error_message = "name must be 2-45 lowercase letters, digits and hyphens."
  }
}

variable "create_cloudfront_acl" {
  description = "Create the CLOUDFRONT-scope web ACL (in us-east-1); true when the environment has a CDN."
  type        = bool
}

variable "alb_arn" {
  description = "ARN of the ALB the REGIONAL web ACL is associated with."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:", var.alb_arn)) && !strcontains(var.alb_arn, ":loadbalancer/net/") && !strcontains(var.alb_arn, ":loadbalancer/gwy/")
    error_message = "alb_arn must be the ARN of an Application Load Balancer (WAF cannot protect network or gateway load balancers)."
  }
}

variable "kms_key_arn" {
  description = "Customer KMS key (environment region) that encrypts the REGIONAL log group."
  type        = string
}

variable "cloudfront_log_kms_key_arn" {
  description = "KMS key in us-east-1 for the CLOUDFRONT log group; null creates one (the customer key is regional)."
  type        = string
  default     = null

  validation {
    condition     = var.cloudfront_log_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:us-east-1:", var.cloudfront_log_kms_key_arn))
    error_message = "cloudfront_log_kms_key_arn must be a KMS key in us-east-1, or null."
  }
}

variable "cloudfront_log_customer_key" {
  description = "Whether cloudfront_log_kms_key_arn is given (an environment in us-east-1 passes its customer key): known at plan time, unlike the ARN, so the module knows whether to create its own key."
  type        = bool
  default     = false
  nullable    = false

  validation {
    condition     = var.cloudfront_log_customer_key == (var.cloudfront_log_kms_key_arn != null)
    error_message = "cloudfront_log_customer_key must be true exactly when cloudfront_log_kms_key_arn is set."
  }
}

variable "kms_deletion_window_in_days" {
  description = "Waiting period before the us-east-1 log key is destroyed after deletion."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_in_days >= 7 && var.kms_deletion_window_in_days <= 30
    error_message = "The deletion window must be between 7 and 30 days."
  }
}

variable "log_retention_days" {
  description = "Retention of the WAF log groups, in days."
  type        = number

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts (and not 0, never expire)."
  }
}

variable "rate_limit" {
  description = "Requests one client IP may send per evaluation window before it is blocked (429)."
  type        = number

  validation {
    condition     = var.rate_limit >= 100 && var.rate_limit <= 2000000000
    error_message = "rate_limit must be between 100 and 2,000,000,000."
  }
}

variable "login_rate_limit" {
  description = "Requests one client IP may send to login_paths per evaluation window before it is blocked (429)."
  type        = number

  validation {
    condition     = var.login_rate_limit >= 100 && var.login_rate_limit <= 2000000000
    error_message = "login_rate_limit must be between 100 and 2,000,000,000."
  }
}

variable "rate_limit_window_sec" {
  description = "Evaluation window of the rate-based rules: 60, 120, 300 or 600 seconds."
  type        = number
  default     = 300

  validation {
    condition     = contains([60, 120, 300, 600], var.rate_limit_window_sec)
    error_message = "rate_limit_window_sec must be 60, 120, 300 or 600."
  }
}

variable "login_paths" {
  description = "URI path prefixes of the login endpoints (the stricter rate rule applies to them; matched case-insensitively)."
  type        = list(string)
  default     = ["/api/auth/login"]

  validation {
    condition     = length(var.login_paths) >= 1 && length(var.login_paths) <= 5 && alltrue([for p in var.login_paths : can(regex("^/[A-Za-z0-9_./-]{0,199}$", p))])
    error_message = "login_paths must be 1-5 URI paths starting with '/'."
  }
}

variable "anonymous_ip_list" {
  description = "Add AWSManagedRulesAnonymousIpList (blocks VPNs, Tor exits and hosting providers)."
  type        = bool
  default     = false
}

variable "blocked_countries" {
  description = "ISO 3166-1 alpha-2 codes of countries whose requests are blocked; empty for none."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.blocked_countries : can(regex("^[A-Z]{2}$", c))])
    error_message = "blocked_countries must be ISO 3166-1 alpha-2 codes (two capital letters)."
  }
}
