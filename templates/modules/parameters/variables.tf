variable "path_prefix" {
  description = "Hierarchy every parameter lives under, /<customer>/<environment> (no trailing slash)."
  type        = string

  validation {
    condition     = can(regex("^(/[a-zA-Z0-9_.-]{1,128}){1,3}$", var.path_prefix))
    error_message = "path_prefix must look like /customer/environment: slash-separated names without a trailing slash."
  }
}

variable "kms_key_arn" {
  description = "ARN of the customer KMS key that encrypts every SecureString parameter."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]+:[0-9]{12}:.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be the ARN of a KMS key (not a key id or alias)."
  }
}

variable "parameters" {
  description = <<-EOT
    Parameters by "<service>/<name>" (their name is <path_prefix>/<service>/<name>). existing = false creates a
    SecureString placeholder whose value operators set out of band; existing = true only references a parameter
    that already exists.
  EOT
  type = map(object({
    description = string
    existing    = bool
  }))
  default = {}

  validation {
    condition     = alltrue([for key in keys(var.parameters) : can(regex("^[a-z][a-z0-9-]*(/[a-zA-Z0-9_.-]{1,128})+$", key))])
    error_message = "Parameter keys are <service>/<name>, e.g. auth/jwt-signing-key."
  }
}

variable "tier" {
  description = "Parameter tier of the placeholders: Standard (4 KB, free) or Advanced (8 KB, charged)."
  type        = string
  default     = "Standard"

  validation {
    condition     = contains(["Standard", "Advanced"], var.tier)
    error_message = "tier must be Standard or Advanced."
  }
}

variable "read_policy_name" {
  description = "Name of the managed IAM policy that may read every parameter under path_prefix."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,128}$", var.read_policy_name))
    error_message = "IAM policy names are 1-128 characters of letters, digits and +=,.@_-."
  }
}
