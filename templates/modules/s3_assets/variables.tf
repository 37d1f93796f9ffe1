variable "bucket_name" {
  description = "Globally unique name of the static assets bucket."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "Bucket names are 3-63 lowercase letters, digits, dots and hyphens."
  }
}

variable "kms_key_arn" {
  description = "KMS key for SSE-KMS encryption of every object."
  type        = string
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which replaced object versions are deleted."
  type        = number

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1
    error_message = "noncurrent_version_expiration_days must be at least 1."
  }
}

variable "transition_to_ia_days" {
  description = "Days after which current objects move to STANDARD_IA; null keeps them in STANDARD."
  type        = number
  default     = null

  validation {
    condition     = var.transition_to_ia_days == null || try(var.transition_to_ia_days >= 30, false)
    error_message = "S3 allows the transition to STANDARD_IA after 30 days at the earliest."
  }
}

variable "transition_to_glacier_days" {
  description = "Days after which current objects move to GLACIER_IR; null disables the transition."
  type        = number
  default     = null
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which incomplete multipart uploads are aborted."
  type        = number
  default     = 7
}

variable "force_destroy" {
  description = "Allow destroying the bucket with objects in it (never in production)."
  type        = bool
  default     = false
}
