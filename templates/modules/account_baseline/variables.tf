variable "name" {
  description = "Name prefix of the owner environment (<customer>-<env>); the Config role adds -config-<region>."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,39}$", var.name))
    error_message = "name must be 2-40 lowercase letters, digits and hyphens (IAM role names are at most 64 characters)."
  }
}

variable "guardduty_enabled" {
  description = "Create the account's GuardDuty detector in this region."
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

variable "config_enabled" {
  description = "Record resource configuration with AWS Config and evaluate the managed rules."
  type        = bool
}

variable "config_bucket_name" {
  description = "Bucket AWS Config delivers to (the owner's audit bucket); required with config_enabled."
  type        = string
  default     = null

  validation {
    condition     = var.config_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.config_bucket_name))
    error_message = "config_bucket_name must be an S3 bucket name."
  }
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the Config deliveries (the owner's customer key)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "The KMS key must be given as a key ARN."
  }
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

variable "ecr_enhanced_scanning" {
  description = "Switch the registry (every repository of the account in this region) to Amazon Inspector enhanced scanning; false: basic scan on push."
  type        = bool
  default     = false
}

variable "ecr_replication_rules" {
  description = "The registry's ECR replication configuration (one per account and region; empty: none): per rule, the repository name prefixes (PREFIX_MATCH, e.g. customer-x/) replicated to every one of destination_regions, in this account."
  type = list(object({
    destination_regions = list(string)
    repository_prefixes = list(string)
  }))
  default = []

  validation {
    condition     = length(var.ecr_replication_rules) <= 10
    error_message = "An ECR replication configuration holds at most 10 rules."
  }

  validation {
    condition = alltrue([for r in var.ecr_replication_rules : length(r.destination_regions) >= 1 && length(r.destination_regions) <= 25 && alltrue([
      for region in r.destination_regions : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", region))
    ])])
    error_message = "Each rule replicates to 1-25 regions (names such as eu-central-1)."
  }

  validation {
    condition = alltrue([for r in var.ecr_replication_rules : length(r.repository_prefixes) >= 1 && length(r.repository_prefixes) <= 100 && alltrue([
      for prefix in r.repository_prefixes : can(regex("^[a-z0-9]+(?:[._-][a-z0-9]+)*/$", prefix))
    ])])
    error_message = "Each rule has 1-100 repository prefixes, each a namespace ending in / (e.g. customer-x/)."
  }
}

variable "cost_anomaly_services_monitor" {
  description = <<-EOT
    The account's AWS services (DIMENSIONAL) Cost Anomaly Detection monitor, one per account (null: none here):
    a daily summary to the emails when an anomaly's total impact reaches threshold_usd.
  EOT
  type = object({
    threshold_usd = number
    emails        = list(string)
  })
  default = null

  validation {
    condition     = var.cost_anomaly_services_monitor == null || try(var.cost_anomaly_services_monitor.threshold_usd > 0 && length(var.cost_anomaly_services_monitor.emails) >= 1 && length(var.cost_anomaly_services_monitor.emails) <= 10, false)
    error_message = "cost_anomaly_services_monitor needs threshold_usd above 0 and 1 to 10 emails."
  }
}
