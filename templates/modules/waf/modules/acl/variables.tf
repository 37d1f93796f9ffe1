variable "name" {
  description = "Name prefix (<customer>-<env>); the web ACL is <name>-<scope in lower case>, its log group aws-waf-logs-<name>-<scope>."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,44}$", var.name))
    error_message = "name must be 2-45 lowercase letters, digits and hyphens."
  }
}

variable "scope" {
  description = "REGIONAL (an ALB, in the provider's region) or CLOUDFRONT (the provider must be us-east-1)."
  type        = string

  validation {
    condition     = contains(["REGIONAL", "CLOUDFRONT"], var.scope)
    error_message = "scope must be REGIONAL or CLOUDFRONT."
  }
}

variable "description" {
  description = "Description of the web ACL (what it protects)."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key, in the provider's region, that encrypts the log group."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be the ARN of a KMS key."
  }
}

variable "log_retention_days" {
  description = "Retention of the log group, in days."
  type        = number

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts (and not 0, never expire)."
  }
}

variable "rules" {
  description = "What the rules enforce (the parent waf module validates each value): blocked_countries (empty for no geo rule), anonymous_ip_list, rate_limit and login_rate_limit per client IP and rate_limit_window_sec, login_paths (the login rule's URI prefixes)."
  type = object({
    blocked_countries     = list(string)
    anonymous_ip_list     = bool
    rate_limit            = number
    login_rate_limit      = number
    rate_limit_window_sec = number
    login_paths           = list(string)
  })

  validation {
    condition     = length(var.rules.login_paths) >= 1
    error_message = "rules.login_paths needs at least one path."
  }
}
