variable "name" {
  description = "Name prefix (<customer>-<env>)."
  type        = string
}

variable "guardduty_enabled" {
  description = "Create a GuardDuty detector in this account and region (off when the organisation runs GuardDuty centrally)."
  type        = bool
}

variable "guardduty_s3_protection" {
  description = "GuardDuty S3 protection (S3 data event analysis)."
  type        = bool
  default     = true
}

variable "guardduty_runtime_monitoring" {
  description = "GuardDuty runtime monitoring with the agent managed for ECS on Fargate."
  type        = bool
  default     = true
}

variable "finding_publishing_frequency" {
  description = "How often GuardDuty publishes updates of existing findings."
  type        = string
  default     = "FIFTEEN_MINUTES"

  validation {
    condition     = contains(["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"], var.finding_publishing_frequency)
    error_message = "FIFTEEN_MINUTES, ONE_HOUR or SIX_HOURS."
  }
}

variable "finding_min_severity" {
  description = "GuardDuty findings with at least this severity (1.0-8.9; 4 medium, 7 high) are sent to the alert topic."
  type        = number
  default     = 7

  validation {
    condition     = var.finding_min_severity >= 1 && var.finding_min_severity <= 8.9
    error_message = "The severity must be between 1.0 and 8.9."
  }
}

variable "alert_findings" {
  description = "Send GuardDuty findings to alert_topic_arn (a flag known at plan time; the topic ARN may not be)."
  type        = bool
  default     = false
}

variable "alert_topic_arn" {
  description = "SNS topic GuardDuty findings are sent to (with alert_findings)."
  type        = string
  default     = null
}

variable "config_enabled" {
  description = "Record resource configuration with AWS Config and evaluate the managed rules."
  type        = bool
}

variable "config_bucket_name" {
  description = "Bucket AWS Config delivers to (the audit bucket); required with config_enabled."
  type        = string
  default     = null
}

variable "kms_key_arn" {
  description = "Customer KMS key that encrypts the Config deliveries."
  type        = string
  default     = null
}

variable "config_recording_frequency" {
  description = "CONTINUOUS (every change) or DAILY (cheaper: one configuration item per resource and day)."
  type        = string
  default     = "CONTINUOUS"

  validation {
    condition     = contains(["CONTINUOUS", "DAILY"], var.config_recording_frequency)
    error_message = "CONTINUOUS or DAILY."
  }
}

variable "security_hub_enabled" {
  description = "Enable Security Hub with the AWS Foundational Security Best Practices standard."
  type        = bool
}
