variable "name" {
  description = "Name of the key; the alias becomes alias/<name>."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9/_-]{1,200}$", var.name)) && !startswith(var.name, "aws")
    error_message = "The name may hold letters, digits, '/', '_' and '-' and must not start with 'aws'."
  }
}

variable "description" {
  description = "What the key protects."
  type        = string
}

variable "deletion_window_in_days" {
  description = "Waiting period before a deleted key is destroyed."
  type        = number
  default     = 30

  validation {
    condition     = var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30
    error_message = "The deletion window must be between 7 and 30 days."
  }
}

variable "rotation_period_in_days" {
  description = "How often AWS rotates the key material (rotation is always on)."
  type        = number
  default     = 365

  validation {
    condition     = var.rotation_period_in_days >= 90 && var.rotation_period_in_days <= 2560
    error_message = "The rotation period must be between 90 and 2560 days."
  }
}

variable "service_principals" {
  description = "AWS service principals (e.g. sns.amazonaws.com) allowed to use the key on behalf of this account."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for p in var.service_principals : endswith(p, ".amazonaws.com")])
    error_message = "Service principals must end with .amazonaws.com."
  }
}
