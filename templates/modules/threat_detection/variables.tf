variable "name" {
  description = "Name prefix (<customer>-<env>)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,40}$", var.name))
    error_message = "name must be lowercase letters, digits and hyphens."
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

variable "alert_topic_arn" {
  description = "This environment's SNS alert topic, which receives the findings."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:.+$", var.alert_topic_arn))
    error_message = "alert_topic_arn must be an SNS topic ARN."
  }
}
