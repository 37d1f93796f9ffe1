variable "name" {
  description = "Name of the budget and prefix of the anomaly monitor and subscriptions (<customer>-<environment>)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,80}$", var.name))
    error_message = "name must be lowercase letters, digits and hyphens."
  }
}

variable "monthly_limit_usd" {
  description = "Monthly cost budget of the environment, USD."
  type        = number

  validation {
    condition     = var.monthly_limit_usd > 0
    error_message = "monthly_limit_usd must be above 0."
  }
}

variable "cost_allocation_tag" {
  description = <<-EOT
    Cost-allocation tag (activated in the payer account's Billing console) that selects the environment's costs,
    e.g. { key = "customer", value = "acme" }. The budget counts this account's costs carrying the tag.
  EOT
  type = object({
    key   = string
    value = string
  })

  validation {
    condition     = length(var.cost_allocation_tag.key) > 0 && length(var.cost_allocation_tag.value) > 0 && !strcontains(var.cost_allocation_tag.key, "$")
    error_message = "cost_allocation_tag needs a non-empty key (without '$') and value."
  }
}

variable "notifications" {
  description = "Budget notifications: a percentage of the limit and whether it applies to ACTUAL or FORECASTED cost."
  type = list(object({
    threshold_percent = number
    type              = string
  }))

  validation {
    condition     = alltrue([for n in var.notifications : n.threshold_percent > 0 && n.threshold_percent <= 1000 && contains(["ACTUAL", "FORECASTED"], n.type)])
    error_message = "Each notification needs threshold_percent in (0, 1000] and type ACTUAL or FORECASTED."
  }

  validation {
    condition     = length(distinct([for n in var.notifications : "${n.type}/${n.threshold_percent}"])) == length(var.notifications)
    error_message = "Notifications must differ in type or threshold."
  }
}

variable "emails" {
  description = "Email recipients of budget notifications and anomaly alerts (AWS allows at most 10)."
  type        = list(string)

  validation {
    condition     = length(var.emails) >= 1 && length(var.emails) <= 10
    error_message = "Give 1 to 10 email recipients."
  }
}

variable "sns_topic_arn" {
  description = "SNS topic that also receives budget notifications and immediate anomaly alerts (with notify_sns)."
  type        = string
  default     = null

  validation {
    condition     = var.sns_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:.+$", var.sns_topic_arn))
    error_message = "sns_topic_arn must be an SNS topic ARN."
  }
}

variable "notify_sns" {
  description = "Whether sns_topic_arn is given (known at plan time even when the topic ARN is not yet)."
  type        = bool
  default     = false

  validation {
    condition     = !var.notify_sns || var.sns_topic_arn != null
    error_message = "notify_sns needs sns_topic_arn."
  }
}

variable "anomaly_detection" {
  description = <<-EOT
    Cost Anomaly Detection (null: off). monitor "tag": a CUSTOM monitor of the cost-allocation tag (only a management
    or standalone account may create it); "services": the account-wide AWS services monitor (one per account).
    Alerts when an anomaly's total impact reaches threshold_usd.
  EOT
  type = object({
    monitor       = string
    threshold_usd = number
  })
  default = null

  validation {
    condition     = var.anomaly_detection == null || try(contains(["tag", "services"], var.anomaly_detection.monitor) && var.anomaly_detection.threshold_usd > 0, false)
    error_message = "anomaly_detection.monitor must be tag or services and threshold_usd above 0."
  }
}
