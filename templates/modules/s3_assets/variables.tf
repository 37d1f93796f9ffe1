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

variable "manage_bucket_policy" {
  description = "Write the bucket's (TLS-only) policy here; false when the cdn unit owns the whole policy (it adds CloudFront's Origin Access Control grant)."
  type        = bool
  default     = true
}

variable "access_log_bucket" {
  description = "Bucket that receives the S3 server access logs of this bucket (SSE-S3, in the same region)."
  type        = string
}

variable "access_log_prefix" {
  description = "Key prefix of this bucket's server access logs in the log bucket, ending in '/'."
  type        = string
  default     = "s3-access/"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9./-]{0,200}/$", var.access_log_prefix))
    error_message = "access_log_prefix must be a lowercase key prefix ending in '/'."
  }
}

variable "replication_enabled" {
  description = "Replicate every object version to a replica bucket in the DR region (the aws.dr provider)."
  type        = bool
  default     = false
}

variable "replica_bucket_name" {
  description = "Name of the replica bucket in the DR region (required when replication_enabled)."
  type        = string
  default     = null

  validation {
    condition     = var.replica_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.replica_bucket_name))
    error_message = "Bucket names are 3-63 lowercase letters, digits, dots and hyphens."
  }
}

variable "replica_storage_class" {
  description = "Storage class of the replicated objects."
  type        = string
  default     = "STANDARD"

  validation {
    condition     = contains(["STANDARD", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR"], var.replica_storage_class)
    error_message = "replica_storage_class must be STANDARD, STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING or GLACIER_IR."
  }
}

variable "replica_kms_deletion_window_in_days" {
  description = "Waiting period before the replica's KMS key (in the DR region) is destroyed after deletion."
  type        = number
  default     = 30

  validation {
    condition     = var.replica_kms_deletion_window_in_days >= 7 && var.replica_kms_deletion_window_in_days <= 30
    error_message = "The deletion window must be between 7 and 30 days."
  }
}

variable "replication_role_name" {
  description = "Name of the IAM role S3 assumes to replicate (required when replication_enabled)."
  type        = string
  default     = null

  validation {
    condition     = var.replication_role_name == null || can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.replication_role_name))
    error_message = "IAM role names are 1-64 characters of letters, digits and +=,.@_-."
  }

  validation {
    condition     = !var.replication_enabled || (var.replication_role_name != null && var.replica_bucket_name != null)
    error_message = "replication_enabled needs replication_role_name and replica_bucket_name."
  }
}
