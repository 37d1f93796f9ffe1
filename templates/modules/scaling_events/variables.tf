variable "cluster_name" {
  description = "Name of the ECS cluster the services run in."
  type        = string
}

variable "service_names" {
  description = "ECS service name by service (the ecs unit's service_names output)."
  type        = map(string)
}

variable "actions" {
  description = "Scheduled actions by name: the service, when (UTC, YYYY-MM-DDThh:mm:ss) and the min/max task counts from then on; reason names the event boundary."
  type = map(object({
    service   = string
    at        = string
    min_tasks = number
    max_tasks = number
    reason    = string
  }))

  validation {
    condition     = length(var.actions) >= 1
    error_message = "At least one scheduled action is needed (the unit exists only when events are listed)."
  }

  validation {
    condition     = alltrue([for a in values(var.actions) : can(regex("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$", a.at))])
    error_message = "Every at must be a UTC date and time YYYY-MM-DDThh:mm:ss."
  }

  validation {
    condition     = alltrue([for a in values(var.actions) : a.min_tasks >= 0 && a.min_tasks <= a.max_tasks])
    error_message = "min_tasks must be between 0 and max_tasks."
  }

  validation {
    condition     = alltrue([for name in keys(var.actions) : can(regex("^[A-Za-z0-9_-]{1,255}$", name))])
    error_message = "Action names are 1-255 letters, digits, hyphens and underscores."
  }
}

variable "threshold_schedules" {
  description = "One-time schedules that re-put one alarm each: by schedule name, when (UTC, YYYY-MM-DDThh:mm:ss), the alarm key, the factor its threshold is multiplied by (divided by, for LessThan alarms; 1 restores it) and the event boundary. Empty: no threshold changes."
  type = map(object({
    at     = string
    alarm  = string
    factor = number
    reason = string
  }))
  default = {}

  validation {
    condition     = alltrue([for s in values(var.threshold_schedules) : can(regex("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$", s.at)) && s.factor >= 1 && s.factor <= 10])
    error_message = "Every at must be a UTC date and time YYYY-MM-DDThh:mm:ss, every factor between 1 and 10."
  }

  validation {
    condition     = alltrue([for name in keys(var.threshold_schedules) : can(regex("^[0-9A-Za-z_.-]{1,64}$", name))])
    error_message = "Schedule names are 1-64 letters, digits, '.', '-' and '_'."
  }

  validation {
    condition     = length(var.threshold_schedules) == 0 || (var.kms_key_arn != null && var.schedule_group_name != null)
    error_message = "Threshold schedules need kms_key_arn (payload encryption) and schedule_group_name."
  }

  validation {
    condition     = alltrue([for s in values(var.threshold_schedules) : contains(keys(var.alarm_definitions), s.alarm) && contains(keys(var.alarm_arns), s.alarm)])
    error_message = "Every schedule's alarm must be one of the monitoring unit's alarms (a key of alarm_definitions and alarm_arns)."
  }
}

variable "schedule_group_name" {
  description = "EventBridge Scheduler group (and IAM role name) of the threshold schedules."
  type        = string
  default     = null

  validation {
    condition     = var.schedule_group_name == null || can(regex("^[0-9A-Za-z_.-]{1,64}$", var.schedule_group_name))
    error_message = "The schedule group name is 1-64 letters, digits, '.', '-' and '_'."
  }
}

variable "alarm_definitions" {
  description = "The monitoring unit's alarm_definitions output: every alarm's complete PutMetricAlarm request, by key."
  type        = any
  default     = {}
}

variable "alarm_arns" {
  description = "The monitoring unit's alarm_arns output: every alarm's ARN, by key (the role may put only the chosen ones)."
  type        = map(string)
  default     = {}
}

variable "kms_key_arn" {
  description = "Customer KMS key that encrypts the schedules' payloads (required with threshold_schedules)."
  type        = string
  default     = null
}
