variable "name" {
  description = "Name of the CodeDeploy application and prefix of its alarms (<customer>-<environment>)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_.+-]{0,99}$", var.name))
    error_message = "The application name is 1-100 letters, digits and _.+- characters."
  }
}

variable "service_role_name" {
  description = "Name of the IAM role CodeDeploy assumes to shift traffic and manage the ECS task sets."
  type        = string

  validation {
    condition     = length(var.service_role_name) <= 64 && can(regex("^[A-Za-z0-9+=,.@_-]+$", var.service_role_name))
    error_message = "IAM role names are 1-64 characters of letters, digits and +=,.@_-."
  }
}

variable "cluster_name" {
  description = "ECS cluster of the services."
  type        = string
}

variable "ecs_service_names" {
  description = "ECS service name by service (every service of the cluster; the blue/green ones are used)."
  type        = map(string)
}

variable "prod_listener_arn" {
  description = "The ALB's HTTPS (production) listener, whose rules CodeDeploy moves to the new target group."
  type        = string
}

variable "test_listener_arn" {
  description = "The ALB's test listener, which reaches the new task set before production traffic moves; null: no test route."
  type        = string
  default     = null
}

variable "alb_arn_suffix" {
  description = "ARN suffix of the load balancer (CloudWatch dimension of the rollback alarms)."
  type        = string
}

variable "target_group_names" {
  description = "First (blue) target group name by service."
  type        = map(string)
}

variable "target_group_arn_suffixes" {
  description = "First (blue) target group ARN suffix by service (CloudWatch dimension)."
  type        = map(string)
}

variable "green_target_group_names" {
  description = "Second (green) target group name by blue/green service."
  type        = map(string)
}

variable "green_target_group_arn_suffixes" {
  description = "Second (green) target group ARN suffix by blue/green service (CloudWatch dimension)."
  type        = map(string)
}

variable "alarm_topic_arn" {
  description = "SNS topic the rollback alarms notify; null: none."
  type        = string
  default     = null
}

variable "services" {
  description = "The services released blue/green, by service name: deployment group name, CodeDeploy deployment configuration and minutes the old task set is kept after success."
  type = map(object({
    deployment_group_name    = string
    deployment_config_name   = string
    termination_wait_minutes = number
  }))

  validation {
    condition     = length(var.services) > 0
    error_message = "At least one blue/green service is needed."
  }

  validation {
    condition = alltrue([for s in values(var.services) : contains([
      "CodeDeployDefault.ECSAllAtOnce",
      "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
      "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
      "CodeDeployDefault.ECSCanary10Percent5Minutes",
      "CodeDeployDefault.ECSCanary10Percent15Minutes",
    ], s.deployment_config_name)])
    error_message = "deployment_config_name must be one of CodeDeploy's predefined ECS configurations (CodeDeployDefault.ECS*)."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : s.termination_wait_minutes >= 0 && s.termination_wait_minutes <= 2880])
    error_message = "termination_wait_minutes must be between 0 and 2880."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : length(s.deployment_group_name) <= 100])
    error_message = "Deployment group names are at most 100 characters."
  }
}

variable "rollback_alarms" {
  description = "Thresholds of the per-service alarms that stop a release and roll it back: 5xx responses per period summed over both target groups, unhealthy targets in either."
  type = object({
    period                      = number
    evaluation_periods          = number
    target_5xx_threshold        = number
    unhealthy_targets_threshold = number
  })

  validation {
    condition     = contains([60, 300], var.rollback_alarms.period) && var.rollback_alarms.evaluation_periods >= 1 && var.rollback_alarms.target_5xx_threshold >= 1 && var.rollback_alarms.unhealthy_targets_threshold >= 1
    error_message = "period is 60 or 300 seconds; evaluation_periods and the thresholds are at least 1."
  }
}
