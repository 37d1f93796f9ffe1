variable "name" {
  description = "Name of the SNS topic."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,256}$", var.name))
    error_message = "SNS topic names are 1-256 letters, digits, hyphens and underscores."
  }
}

variable "display_name" {
  description = "Display name of the topic (the sender name of email notifications)."
  type        = string

  validation {
    condition     = length(var.display_name) >= 1 && length(var.display_name) <= 100
    error_message = "display_name must be 1-100 characters."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key that encrypts the topic's messages at rest."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (the AWS-managed alias/aws/sns key cannot be used by CloudWatch and other service publishers)."
  }
}

variable "email_addresses" {
  description = "Recipients: one email subscription each (each must be confirmed from the mailbox)."
  type        = list(string)

  validation {
    condition     = length(var.email_addresses) >= 1
    error_message = "At least one email address is needed, or nobody receives the alerts."
  }

  validation {
    condition     = alltrue([for e in var.email_addresses : can(regex("^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}$", e))])
    error_message = "Every entry of email_addresses must be an email address."
  }

  validation {
    condition     = length(distinct([for e in var.email_addresses : lower(e)])) == length(var.email_addresses)
    error_message = "email_addresses must not repeat an address."
  }
}

variable "publisher_service_principals" {
  description = "AWS services allowed to publish to the topic from this account (CloudWatch alarms, EventBridge, Budgets, Cost Anomaly Detection)."
  type        = list(string)

  validation {
    condition     = alltrue([for p in var.publisher_service_principals : can(regex("^[a-z0-9.-]+\\.amazonaws\\.com$", p))])
    error_message = "Publishers are AWS service principals such as cloudwatch.amazonaws.com."
  }
}
