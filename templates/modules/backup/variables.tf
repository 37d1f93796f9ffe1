variable "name" {
  description = "Name of the backup plan and selections (<customer>-<environment>)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{1,50}$", var.name))
    error_message = "The name is 1-50 letters, digits and _.- characters."
  }
}

variable "vault_name" {
  description = "Name of the backup vault."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{2,50}$", var.vault_name))
    error_message = "Backup vault names are 2-50 letters, digits, hyphens and underscores."
  }
}

variable "role_name" {
  description = "Name of the IAM role AWS Backup backs up, restores and runs restore tests with."
  type        = string

  validation {
    condition     = length(var.role_name) <= 64 && can(regex("^[A-Za-z0-9+=,.@_-]+$", var.role_name))
    error_message = "IAM role names are 1-64 characters of letters, digits and +=,.@_-."
  }
}

variable "kms_key_arn" {
  description = "Customer KMS key that encrypts the vault's recovery points."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "force_destroy" {
  description = "Let Terraform delete the vault together with its recovery points (never in production)."
  type        = bool
  default     = false
}

variable "rule" {
  description = "The daily backup rule: AWS cron schedule (UTC), start and completion windows in minutes, days a recovery point is kept."
  type = object({
    schedule          = string
    start_window      = number
    completion_window = number
    delete_after      = number
  })

  validation {
    condition     = can(regex("^cron\\(.+\\)$", var.rule.schedule))
    error_message = "schedule must be an AWS cron expression, e.g. cron(0 3 * * ? *)."
  }

  validation {
    condition     = var.rule.start_window >= 60 && var.rule.completion_window > var.rule.start_window && var.rule.delete_after >= 1
    error_message = "start_window is at least 60 minutes, completion_window longer than it, delete_after at least 1 day."
  }
}

variable "db_instance_arn" {
  description = "RDS instance to back up (and restore-test); null: none."
  type        = string
  default     = null
}

variable "bucket_arn" {
  description = "S3 bucket to back up (must be versioned); null: none."
  type        = string
  default     = null
}

variable "back_up_bucket" {
  description = "Whether bucket_arn is set (known at plan time, unlike the ARN): attaches the S3 backup and restore policies."
  type        = bool
  default     = false
}

variable "notify" {
  description = "Whether notification_topic_arn is set (known at plan time, unlike the ARN)."
  type        = bool
  default     = false
}

variable "notification_topic_arn" {
  description = "SNS topic that receives the vault's job events; null: no notifications."
  type        = string
  default     = null
}

variable "notification_events" {
  description = "Vault events sent to the topic."
  type        = list(string)
  default     = ["BACKUP_JOB_COMPLETED", "COPY_JOB_FAILED", "RESTORE_JOB_COMPLETED", "S3_BACKUP_OBJECT_FAILED", "S3_RESTORE_OBJECT_FAILED"]
}

variable "restore_testing" {
  description = "Scheduled restore tests of the database's recovery points: plan name (letters, digits, underscores), AWS cron schedule, start window (hours), recovery point age window (days) and choice, validation window (hours) and restore metadata overrides; null: none."
  type = object({
    name                    = string
    schedule                = string
    start_window_hours      = number
    selection_window_days   = number
    algorithm               = string
    validation_window_hours = number
    rds_metadata_overrides  = map(string)
  })
  default = null

  validation {
    condition     = var.restore_testing == null || var.db_instance_arn != null
    error_message = "Restore testing needs db_instance_arn."
  }

  validation {
    condition     = var.restore_testing == null || try(can(regex("^[a-zA-Z0-9_]{1,50}$", var.restore_testing.name)), false)
    error_message = "Restore testing plan names are 1-50 letters, digits and underscores."
  }

  validation {
    condition     = var.restore_testing == null || try(contains(["LATEST_WITHIN_WINDOW", "RANDOM_WITHIN_WINDOW"], var.restore_testing.algorithm) && can(regex("^cron\\(.+\\)$", var.restore_testing.schedule)), false)
    error_message = "algorithm is LATEST_WITHIN_WINDOW or RANDOM_WITHIN_WINDOW; schedule an AWS cron expression."
  }

  validation {
    condition     = var.restore_testing == null || try(var.restore_testing.start_window_hours >= 1 && var.restore_testing.start_window_hours <= 168 && var.restore_testing.validation_window_hours >= 0 && var.restore_testing.validation_window_hours <= 168 && var.restore_testing.selection_window_days >= 1 && var.restore_testing.selection_window_days <= 365, false)
    error_message = "start_window_hours is 1-168, validation_window_hours 0-168, selection_window_days 1-365."
  }
}
