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
