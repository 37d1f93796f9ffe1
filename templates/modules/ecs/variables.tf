variable "name" {
  description = "Name of the ECS cluster (<customer>-<environment>)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9_-]{0,254}$", var.name))
    error_message = "Cluster names are 1-255 letters, digits, hyphens and underscores."
  }
}

variable "kms_key_arn" {
  description = "Customer KMS key: encrypts the log groups and ECS Exec sessions, and protects the SSM parameters and the database secret the tasks read."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets the tasks run in (no public IPs)."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 1
    error_message = "At least one private subnet is needed."
  }
}

variable "service_security_group_ids" {
  description = "Security group of each service, by service name."
  type        = map(string)
}

variable "target_group_arns" {
  description = "ALB target group of each service, by service name."
  type        = map(string)
}

variable "target_group_arn_suffixes" {
  description = "ARN suffix of each service's target group (request-count scaling), by service name."
  type        = map(string)
}

variable "alb_arn_suffix" {
  description = "ARN suffix of the load balancer (request-count scaling)."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the services' log groups, in days."
  type        = number

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts."
  }
}

variable "container_insights" {
  description = "CloudWatch Container Insights: disabled, enabled, or enhanced (enhanced observability)."
  type        = string
  default     = "enabled"

  validation {
    condition     = contains(["disabled", "enabled", "enhanced"], var.container_insights)
    error_message = "container_insights must be disabled, enabled or enhanced."
  }
}

variable "enable_execute_command" {
  description = "Allow ECS Exec into tasks of services with a writable root filesystem (the SSM agent needs one)."
  type        = bool
  default     = false
}

variable "deployment_minimum_healthy_percent" {
  description = "Lower limit of running tasks during a deployment, in percent of the desired count."
  type        = number
  default     = 100

  validation {
    condition     = var.deployment_minimum_healthy_percent >= 0 && var.deployment_minimum_healthy_percent <= 100
    error_message = "deployment_minimum_healthy_percent must be between 0 and 100."
  }
}

variable "deployment_maximum_percent" {
  description = "Upper limit of running tasks during a deployment, in percent of the desired count."
  type        = number
  default     = 200

  validation {
    condition     = var.deployment_maximum_percent >= 100 && var.deployment_maximum_percent <= 200
    error_message = "deployment_maximum_percent must be between 100 and 200."
  }
}

variable "ssm_parameter_arn_prefix" {
  description = "ARN prefix of the environment's SSM parameters, arn:aws:ssm:<region>:<account>:parameter/<customer>/<environment>; each service reads only below <prefix>/<service>/."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:ssm:[a-z0-9-]+:[0-9]{12}:parameter/[a-z0-9-]+/[a-z0-9]+$", var.ssm_parameter_arn_prefix))
    error_message = "ssm_parameter_arn_prefix must look like arn:aws:ssm:<region>:<account>:parameter/<customer>/<environment>."
  }
}

variable "database" {
  description = "Database connection handed to every service (DB_HOST, DB_PORT, DB_NAME; DB_USERNAME and DB_PASSWORD from the RDS-managed Secrets Manager secret, when secret_arn is set); null without a database."
  type = object({
    host       = string
    port       = number
    name       = string
    secret_arn = string
  })
  default = null
}

variable "redis" {
  description = "Cache connection handed to every service, always over TLS (REDIS_HOST, REDIS_PORT, REDIS_TLS, REDIS_AUTH_MODE). iam: REDIS_USER and REDIS_REPLICATION_GROUP_ID to sign IAM auth tokens, and elasticache:Connect on exactly that replication group and user for the task role; auth_token: REDIS_AUTH_TOKEN as an ECS secret from the SSM parameter. null without a cache."
  type = object({
    host                     = string
    port                     = number
    auth_mode                = string
    replication_group_id     = optional(string)
    replication_group_arn    = optional(string)
    user_id                  = optional(string)
    user_arn                 = optional(string)
    auth_token_parameter_arn = optional(string)
  })
  default = null

  # validated where it is used: ../ecs_task
}

variable "services" {
  description = "The services to run, by name (the container name too)."
  type = map(object({
    family                     = string
    task_role_name             = string
    execution_role_name        = string
    log_group_name             = string
    image                      = string
    image_tag                  = string
    port                       = number
    cpu                        = number
    memory                     = number
    health_check_grace_seconds = number
    min_tasks                  = number
    max_tasks                  = number
    spot                       = bool
    read_only_root_filesystem  = bool
    deployment                 = optional(string, "rolling")
    environment                = map(string)
    secrets                    = map(string)
    autoscaling = object({
      cpu_target_percent         = number
      memory_target_percent      = number
      requests_per_target        = number
      scale_in_cooldown_seconds  = number
      scale_out_cooldown_seconds = number
    })
  }))

  validation {
    condition     = length(var.services) > 0
    error_message = "At least one service is needed."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : contains(["rolling", "blue_green"], s.deployment)])
    error_message = "deployment must be rolling (ECS) or blue_green (CodeDeploy)."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : s.min_tasks <= s.max_tasks])
    error_message = "min_tasks may not exceed max_tasks."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : length(s.task_role_name) <= 64 && length(s.execution_role_name) <= 64])
    error_message = "IAM role names are at most 64 characters."
  }

  validation {
    condition = alltrue(flatten([
      for name, s in var.services : [for arn in values(s.secrets) : startswith(arn, "${var.ssm_parameter_arn_prefix}/${name}/")]
    ]))
    error_message = "Every secret of a service must be an SSM parameter below <ssm_parameter_arn_prefix>/<service>/."
  }
}
