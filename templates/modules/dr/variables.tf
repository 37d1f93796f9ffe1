variable "name" {
  description = "Name prefix of the DR resources (<customer>-<environment>)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,60}$", var.name))
    error_message = "name must be lowercase letters, digits and hyphens."
  }
}

variable "source_db_instance_arn" {
  description = "ARN of the RDS instance (in the primary region) whose automated backups are replicated."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]+:[0-9]{12}:.+$", var.source_db_instance_arn))
    error_message = "source_db_instance_arn must be the ARN of the RDS DB instance (not its identifier)."
  }
}

variable "retention_days" {
  description = "Days the replicated automated backups are kept in the DR region (1-35)."
  type        = number

  validation {
    condition     = var.retention_days >= 1 && var.retention_days <= 35 && floor(var.retention_days) == var.retention_days
    error_message = "retention_days must be a whole number from 1 to 35."
  }
}

variable "kms_deletion_window_days" {
  description = "Waiting period before the DR region's KMS key is destroyed after deletion (7-30)."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be between 7 and 30."
  }
}
