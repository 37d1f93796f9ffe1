variable "name" {
  description = "Name prefix of the preview's resources: <customer>-<environment>-<branch slug>."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,62}$", var.name))
    error_message = "name must be lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "branch" {
  description = "The Git branch the preview runs (tagged on every resource)."
  type        = string
}

variable "host" {
  description = "Host name the preview's listener rules match: <branch slug>.<environment domain>."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$", var.host)) && length(var.host) <= 253
    error_message = "host must be a lowercase DNS name."
  }
}

variable "expires" {
  description = "Last day of the preview (YYYY-MM-DD), tagged on every resource so stale previews can be found."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{4}-[0-9]{2}-[0-9]{2}$", var.expires))
    error_message = "expires must be a YYYY-MM-DD date."
  }
}

variable "cluster_arn" {
  description = "ARN of the environment's ECS cluster the preview's services run in."
  type        = string
}

variable "listener_arn" {
  description = "ARN of the environment's HTTPS listener the preview's host rules are added to."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the environment (target groups)."
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
  description = "The environment's security group of each service, by service name (previews reuse them)."
  type        = map(string)
}

variable "kms_key_arn" {
  description = "Customer KMS key: encrypts the log groups and protects the SSM parameters and the database secret the tasks read."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the preview's log groups, in days."
  type        = number

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts."
  }
}

variable "ssm_parameter_arn_prefix" {
  description = "ARN prefix of the environment's SSM parameters; each service reads only below <prefix>/<service>/ (as in the environment)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:ssm:[a-z0-9-]+:[0-9]{12}:parameter/[a-z0-9-]+/[a-z0-9]+$", var.ssm_parameter_arn_prefix))
    error_message = "ssm_parameter_arn_prefix must look like arn:aws:ssm:<region>:<account>:parameter/<customer>/<environment>."
  }
}

variable "deregistration_delay" {
  description = "Draining time of a deregistering task, in seconds."
  type        = number
}

variable "health_check" {
  description = "Target group health check settings (the environment's)."
  type = object({
    interval            = number
    timeout             = number
    healthy_threshold   = number
    unhealthy_threshold = number
    matcher             = string
  })
}

variable "database" {
  description = "The environment's database instance and the preview's own database name on it (DB_HOST, DB_PORT, DB_NAME; DB_USERNAME and DB_PASSWORD from the RDS-managed secret); null without a database."
  type = object({
    host       = string
    port       = number
    name       = string
    secret_arn = string
  })
  default = null

  validation {
    condition     = var.database == null || can(regex("^[a-z][a-z0-9_]{0,62}$", var.database.name))
    error_message = "The preview's database name must be a PostgreSQL identifier of at most 63 characters."
  }
}

variable "redis" {
  description = "Dev's cache connection, handed to every preview service like dev's own, always over TLS (REDIS_HOST, REDIS_PORT, REDIS_TLS, REDIS_AUTH_MODE). iam: REDIS_USER and REDIS_REPLICATION_GROUP_ID to sign IAM auth tokens, and elasticache:Connect on exactly that replication group and user for the task role; auth_token: REDIS_AUTH_TOKEN as an ECS secret from the SSM parameter. null without a cache."
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
  description = "The services the preview runs, by name: one task each, behind a host-and-path listener rule."
  type = map(object({
    family                     = string
    task_role_name             = string
    execution_role_name        = string
    log_group_name             = string
    target_group_name          = string
    priority                   = number
    path_patterns              = list(string)
    health_check_path          = string
    image                      = string
    image_tag                  = string
    port                       = number
    cpu                        = number
    memory                     = number
    health_check_grace_seconds = number
    stickiness                 = bool
    spot                       = bool
    read_only_root_filesystem  = bool
    environment                = map(string)
    secrets                    = map(string)
  }))

  validation {
    condition     = length(var.services) > 0
    error_message = "A preview runs at least one service."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : length(s.target_group_name) <= 32 && can(regex("^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$", s.target_group_name))])
    error_message = "Target group names are at most 32 letters, digits and inner hyphens."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : s.priority >= 1 && s.priority <= 50000 && length(s.path_patterns) >= 1 && length(s.path_patterns) <= 4])
    error_message = "Each preview rule needs a priority of 1-50000 and 1-4 path patterns (the host takes the fifth condition value)."
  }

  validation {
    condition     = length(distinct([for s in values(var.services) : s.priority])) == length(var.services)
    error_message = "Listener rule priorities must differ."
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
