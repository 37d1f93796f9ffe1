variable "name" {
  description = "Name prefix (<customer>-<env>): the trail is <name>-trail, the log group /aws/cloudtrail/<name>."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,100}[a-z0-9]$", var.name))
    error_message = "The name may hold lowercase letters, digits and '-'."
  }
}

variable "bucket_name" {
  description = "Name of the dedicated S3 bucket the trail delivers to."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "The bucket name must be 3-63 lowercase letters, digits and '-'."
  }
}

variable "kms_key_arn" {
  description = "Customer KMS key that encrypts the trail's log files, the bucket and the log group."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "The KMS key must be given as a key ARN."
  }
}

variable "force_destroy" {
  description = "Allow destroying the bucket while it still holds log files (never in production)."
  type        = bool
  default     = false
}

variable "transition_to_glacier_days" {
  description = "Move log files to S3 Glacier Flexible Retrieval after this many days."
  type        = number

  validation {
    condition     = var.transition_to_glacier_days >= 1
    error_message = "The Glacier transition must be at least one day."
  }
}

variable "expiration_days" {
  description = "Delete log files after this many days (must come after the Glacier transition)."
  type        = number

  validation {
    condition     = var.expiration_days > var.transition_to_glacier_days
    error_message = "Log files must expire after they move to Glacier."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Delete replaced or deleted log file versions after this many days."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1
    error_message = "Must be at least one day."
  }
}

variable "log_retention_days" {
  description = "Retention of the trail's CloudWatch log group, in days."
  type        = number

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "The retention must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, ... 3653)."
  }
}

variable "data_event_bucket_arns" {
  description = "S3 buckets (ARNs, arn:aws:s3:::name) whose object-level data events the trail records; empty: management events only."
  type        = list(string)
  default     = []
}

variable "cis_alarms" {
  description = "Create the CIS AWS Foundations metric filters and alarms on the trail's log group."
  type        = bool
  default     = true
}

variable "alarm_topic_arn" {
  description = "SNS topic the CIS alarms notify (null: alarms without notification)."
  type        = string
  default     = null
}

variable "config_delivery" {
  description = "Let AWS Config deliver configuration snapshots and history to the bucket (AWSLogs/<account>/Config/)."
  type        = bool
  default     = false
}

variable "access_log_bucket" {
  description = "Bucket (the environment's log bucket, SSE-S3) that receives the trail bucket's S3 server access logs."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.access_log_bucket))
    error_message = "access_log_bucket must be an S3 bucket name."
  }
}

variable "access_log_prefix" {
  description = "Key prefix of the server access logs in access_log_bucket; the log bucket grants S3 log delivery below it."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9./-]{0,200}/$", var.access_log_prefix))
    error_message = "access_log_prefix must be a lowercase key prefix ending in '/'."
  }
}
