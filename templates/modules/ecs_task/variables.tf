variable "services" {
  description = "The services whose tasks to define, by name (the container name too). Callers may pass their own service objects: attributes not listed here are dropped."
  type = map(object({
    family                    = string
    task_role_name            = string
    execution_role_name       = string
    log_group_name            = string
    image                     = string
    image_tag                 = string
    port                      = number
    cpu                       = number
    memory                    = number
    read_only_root_filesystem = bool
    environment               = map(string)
    secrets                   = map(string)
  }))

  validation {
    condition     = length(var.services) > 0
    error_message = "At least one service is needed."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : length(s.task_role_name) <= 64 && length(s.execution_role_name) <= 64])
    error_message = "IAM role names are at most 64 characters."
  }
}

variable "kms_key_arn" {
  description = "Customer KMS key: encrypts the log groups and ECS Exec sessions, and protects the SSM parameters and the database secret the tasks read."
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

  validation {
    condition     = try(contains(["iam", "auth_token"], var.redis.auth_mode), var.redis == null)
    error_message = "redis.auth_mode must be iam or auth_token."
  }

  validation {
    condition = try(var.redis.auth_mode != "iam", true) || try(
      var.redis.replication_group_id != null && var.redis.user_id != null
      && startswith(var.redis.replication_group_arn, "arn:") && startswith(var.redis.user_arn, "arn:"),
    false)
    error_message = "With auth_mode iam, redis needs replication_group_id, replication_group_arn, user_id and user_arn."
  }

  validation {
    condition     = try(var.redis.auth_mode != "auth_token", true) || try(can(regex("^arn:[a-z-]+:ssm:[a-z0-9-]+:[0-9]{12}:parameter/", var.redis.auth_token_parameter_arn)), false)
    error_message = "With auth_mode auth_token, redis.auth_token_parameter_arn must be the SSM parameter's ARN (never the token itself)."
  }
}

variable "enable_execute_command" {
  description = "Give the task roles of services with a writable root filesystem ECS Exec's permissions (the SSM agent needs a writable root); see the execute_command output."
  type        = bool
  default     = false
}

variable "exec_log_group_arn" {
  description = "ARN of the log group ECS Exec sessions are logged to (the cluster's execute command configuration); required when enable_execute_command is true."
  type        = string
  default     = null
}

variable "description_qualifier" {
  description = "Word put before the family in the roles' descriptions (\"preview\"); null for none."
  type        = string
  default     = null

  validation {
    condition     = var.description_qualifier == null || can(regex("^[a-z][a-z -]{0,30}$", var.description_qualifier))
    error_message = "description_qualifier must be up to 31 lowercase letters, spaces and hyphens."
  }
}

variable "tags" {
  description = "Tags of every resource (a task definition gets Name = its family besides); null for none."
  type        = map(string)
  default     = null
}
