variable "name" {
  description = "Name prefix (<customer>-<env>): the pool is <name>-players, the client <name>-web."
  type        = string
}

variable "domain_prefix" {
  description = "Prefix of the hosted (managed login) domain: https://<prefix>.auth.<region>.amazoncognito.com."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", var.domain_prefix)) && length(regexall("aws|amazon|cognito", var.domain_prefix)) == 0
    error_message = "The domain prefix is lowercase letters, digits and '-', and may not contain aws, amazon or cognito."
  }
}

variable "mfa_configuration" {
  description = "MFA for sign-in: OPTIONAL (users may enrol TOTP) or ON (required)."
  type        = string

  validation {
    condition     = contains(["OPTIONAL", "ON"], var.mfa_configuration)
    error_message = "MFA must be OPTIONAL or ON."
  }
}

variable "password_minimum_length" {
  description = "Minimum password length; upper and lower case letters, numbers and symbols are always required."
  type        = number

  validation {
    condition     = var.password_minimum_length >= 12 && var.password_minimum_length <= 99
    error_message = "The minimum password length must be 12 to 99."
  }
}

variable "temporary_password_validity_days" {
  description = "Days an administrator-issued temporary password stays valid."
  type        = number
  default     = 7

  validation {
    condition     = var.temporary_password_validity_days >= 1 && var.temporary_password_validity_days <= 365
    error_message = "Between 1 and 365 days."
  }
}

variable "threat_protection" {
  description = "Threat protection (advanced security) mode: OFF, AUDIT or ENFORCED; AUDIT and ENFORCED need (and select) the Plus tier."
  type        = string

  validation {
    condition     = contains(["OFF", "AUDIT", "ENFORCED"], var.threat_protection)
    error_message = "Threat protection must be OFF, AUDIT or ENFORCED."
  }
}

variable "deletion_protection" {
  description = "Refuse deleting the user pool (production)."
  type        = bool
}

variable "groups" {
  description = "User groups by name -> precedence (lower wins when a user is in several)."
  type        = map(number)

  validation {
    condition     = alltrue([for p in values(var.groups) : p >= 0 && floor(p) == p])
    error_message = "Precedences are non-negative integers."
  }
}

variable "access_token_validity_minutes" {
  description = "Lifetime of access tokens, minutes."
  type        = number

  validation {
    condition     = var.access_token_validity_minutes >= 5 && var.access_token_validity_minutes <= 1440
    error_message = "Between 5 minutes and 1 day."
  }
}

variable "id_token_validity_minutes" {
  description = "Lifetime of ID tokens, minutes."
  type        = number

  validation {
    condition     = var.id_token_validity_minutes >= 5 && var.id_token_validity_minutes <= 1440
    error_message = "Between 5 minutes and 1 day."
  }
}

variable "refresh_token_validity_days" {
  description = "Lifetime of refresh tokens, days."
  type        = number

  validation {
    condition     = var.refresh_token_validity_days >= 1 && var.refresh_token_validity_days <= 3650
    error_message = "Between 1 day and 10 years."
  }
}

variable "refresh_token_rotation" {
  description = "Issue a new refresh token on every refresh (clients must use GetTokensFromRefreshToken; REFRESH_TOKEN_AUTH is then off)."
  type        = bool
  default     = false
}

variable "refresh_token_retry_grace_seconds" {
  description = "With rotation: how long a rotated-out refresh token stays valid for client retries."
  type        = number
  default     = 10

  validation {
    condition     = var.refresh_token_retry_grace_seconds >= 0 && var.refresh_token_retry_grace_seconds <= 60
    error_message = "Between 0 and 60 seconds."
  }
}
