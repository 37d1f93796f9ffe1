variable "bucket_name" {
  description = "Globally unique name of the log bucket."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "Bucket names are 3-63 lowercase letters, digits, dots and hyphens."
  }
}

variable "force_destroy" {
  description = "Allow destroying the bucket with objects in it (never in production)."
  type        = bool
  default     = false
}

variable "object_ownership" {
  description = "S3 Object Ownership: BucketOwnerEnforced (ACLs off; ALB and S3 access logs are granted by bucket policy) or BucketOwnerPreferred (CloudFront legacy standard logging writes with ACLs)."
  type        = string
  default     = "BucketOwnerEnforced"

  validation {
    condition     = contains(["BucketOwnerEnforced", "BucketOwnerPreferred"], var.object_ownership)
    error_message = "object_ownership must be BucketOwnerEnforced or BucketOwnerPreferred."
  }
}

variable "expiration_days" {
  description = "Days after which log objects expire."
  type        = number

  validation {
    condition     = var.expiration_days >= 1 && var.expiration_days <= 3650
    error_message = "expiration_days must be between 1 and 3650."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which expired (noncurrent) log object versions are deleted for good."
  type        = number

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1
    error_message = "noncurrent_version_expiration_days must be at least 1."
  }
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which incomplete multipart uploads are aborted."
  type        = number
  default     = 7

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1
    error_message = "abort_incomplete_multipart_upload_days must be at least 1."
  }
}

variable "alb_log_prefix" {
  description = "Key prefix under which load balancers deliver access logs (the ALB's access_logs.prefix)."
  type        = string
  default     = "alb"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,62}$", var.alb_log_prefix)) && !strcontains(var.alb_log_prefix, "AWSLogs")
    error_message = "alb_log_prefix must be a short lowercase prefix without slashes (and not AWSLogs)."
  }
}

variable "s3_access_log_prefix" {
  description = "Key prefix that S3 server access logging of other buckets may write under."
  type        = string
  default     = "s3-access"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,62}$", var.s3_access_log_prefix))
    error_message = "s3_access_log_prefix must be a short lowercase prefix without slashes."
  }
}

variable "elb_account_id" {
  description = "Elastic Load Balancing's log delivery account in regions opened before August 2022 (AWS documents the account-id policy there); null in newer regions, which only know the service principal."
  type        = string
  default     = null

  validation {
    condition     = var.elb_account_id == null || can(regex("^[0-9]{12}$", var.elb_account_id))
    error_message = "elb_account_id must be a 12-digit account id or null."
  }
}

variable "cloudfront_log_prefix" {
  description = "Key prefix under which CloudFront standard logging v2 delivers access logs; null when no CloudFront distribution logs here."
  type        = string
  default     = null

  validation {
    condition     = var.cloudfront_log_prefix == null || can(regex("^[a-z0-9][a-z0-9-]{0,62}$", var.cloudfront_log_prefix))
    error_message = "cloudfront_log_prefix must be a short lowercase prefix without slashes, or null."
  }
}
