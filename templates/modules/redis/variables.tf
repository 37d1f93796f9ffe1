variable "name" {
  description = "Replication group id; also the prefix of the subnet group, users, user group and log groups."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,31}[a-z0-9]$", var.name)) && !strcontains(var.name, "--")
    error_message = "name must be 2-33 lowercase letters, digits and single hyphens, starting with a letter."
  }
}

variable "engine" {
  description = "Cache engine: redis (Redis OSS) or valkey."
  type        = string

  validation {
    condition     = contains(["redis", "valkey"], var.engine)
    error_message = "engine must be redis or valkey (lowercase)."
  }
}

variable "engine_version" {
  description = "Engine version: redis 7.0/7.1 or valkey 7.2/8.x (IAM auth and TLS-only mode need them)."
  type        = string

  validation {
    condition     = can(regex("^(7\\.[0-2]|8\\.[0-9])$", var.engine_version))
    error_message = "engine_version must be 7.0, 7.1 (redis), 7.2 or 8.x (valkey)."
  }
}

variable "node_type" {
  description = "Node type, cache.<family>.<size>."
  type        = string

  validation {
    condition     = can(regex("^cache\\.[a-z][a-z0-9]*\\.(micro|small|medium|large|xlarge|[1-9][0-9]?xlarge)$", var.node_type))
    error_message = "node_type must be a cache.<family>.<size> type, e.g. cache.r7g.large."
  }
}

variable "port" {
  description = "Port the cache listens on."
  type        = number
  default     = 6379
}

variable "cluster_mode_enabled" {
  description = "Sharded cluster mode (num_node_groups shards) instead of one primary with replicas."
  type        = bool
}

variable "num_node_groups" {
  description = "Shards when cluster mode is enabled (ignored otherwise)."
  type        = number
  default     = 1

  validation {
    condition     = var.num_node_groups >= 1 && var.num_node_groups <= 500
    error_message = "num_node_groups must be between 1 and 500."
  }
}

variable "replicas_per_node_group" {
  description = "Replicas per shard (cluster mode) or of the primary (cluster mode disabled)."
  type        = number

  validation {
    condition     = var.replicas_per_node_group >= 0 && var.replicas_per_node_group <= 5
    error_message = "replicas_per_node_group must be between 0 and 5."
  }
}

variable "automatic_failover_enabled" {
  description = "Promote a replica when a primary fails (needs a replica; required in cluster mode)."
  type        = bool

  validation {
    condition     = !var.automatic_failover_enabled || var.replicas_per_node_group >= 1
    error_message = "automatic failover needs at least one replica."
  }
}

variable "multi_az_enabled" {
  description = "Spread replicas over zones and fail over across zones (needs automatic failover)."
  type        = bool

  validation {
    condition     = !var.multi_az_enabled || var.automatic_failover_enabled
    error_message = "multi_az_enabled needs automatic_failover_enabled."
  }
}

variable "kms_key_arn" {
  description = "Customer KMS key (ARN) for at-rest encryption and the log groups."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "subnet_ids" {
  description = "Private subnets (one per zone) for the cache subnet group."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 1
    error_message = "At least one subnet is needed."
  }
}

variable "security_group_ids" {
  description = "Security groups of the cache nodes (the redis group: cache port from the services only)."
  type        = list(string)
}

variable "auth_mode" {
  description = "iam: RBAC user group with a disabled default user and an IAM-authenticated app user; auth_token: AUTH token from SSM."
  type        = string
  default     = "iam"

  validation {
    condition     = contains(["iam", "auth_token"], var.auth_mode)
    error_message = "auth_mode must be iam or auth_token."
  }
}

variable "auth_token_parameter_name" {
  description = "Name of an existing SSM SecureString parameter holding the AUTH token (auth_mode auth_token only)."
  type        = string
  default     = null

  validation {
    condition     = (var.auth_token_parameter_name != null) == (var.auth_mode == "auth_token")
    error_message = "auth_token_parameter_name is required with auth_mode auth_token and not allowed otherwise."
  }
}

variable "app_user_access_string" {
  description = "ACL access string of the IAM-authenticated application user."
  type        = string
  default     = "on ~* +@all -@dangerous"

  validation {
    condition     = startswith(var.app_user_access_string, "on")
    error_message = "The application user's access string must start with 'on'."
  }
}

variable "snapshot_retention_limit" {
  description = "Days automatic snapshots are kept (0 disables them)."
  type        = number

  validation {
    condition     = var.snapshot_retention_limit >= 0 && var.snapshot_retention_limit <= 35
    error_message = "snapshot_retention_limit must be between 0 and 35."
  }
}

variable "snapshot_window" {
  description = "Daily UTC snapshot window, hh24:mi-hh24:mi (at least 60 minutes)."
  type        = string

  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$", var.snapshot_window))
    error_message = "snapshot_window must look like 02:00-03:00."
  }
}

variable "maintenance_window" {
  description = "Weekly UTC maintenance window, ddd:hh24:mi-ddd:hh24:mi; must not overlap snapshot_window."
  type        = string

  validation {
    condition     = can(regex("^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$", var.maintenance_window))
    error_message = "maintenance_window must look like sun:05:00-sun:06:00."
  }
}

variable "apply_immediately" {
  description = "Apply modifications at once instead of in the next maintenance window."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Retention of the slow-log and engine-log groups, in days."
  type        = number
}

variable "notification_topic_arn" {
  description = "SNS topic for ElastiCache events (failover, node replacement); null sends none."
  type        = string
  default     = null

  validation {
    condition     = var.notification_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:", var.notification_topic_arn))
    error_message = "notification_topic_arn must be an SNS topic ARN or null."
  }
}

variable "global_datastore_suffix" {
  description = "Found an ElastiCache Global Datastore on this replication group (the primary) for a warm standby in another region to join; AWS names it <region prefix>-<suffix>. null: none. Needs Global Datastore node types (m5, m6g, m7g, r5, r6g, r6gd, r7g, c7gn; large or bigger)."
  type        = string
  default     = null

  validation {
    condition     = var.global_datastore_suffix == null || can(regex("^[a-z][a-z0-9-]{0,32}[a-z0-9]$", var.global_datastore_suffix))
    error_message = "global_datastore_suffix must be 2-34 lowercase letters, digits and hyphens, starting with a letter."
  }

  validation {
    condition     = var.global_datastore_suffix == null || can(regex("^cache\\.(m5|m6g|m7g|r5|r6g|r6gd|r7g|c7gn)\\.([1-9][0-9]?)?x?large$", var.node_type))
    error_message = "A Global Datastore needs m5, m6g, m7g, r5, r6g, r6gd, r7g or c7gn nodes of size large or bigger."
  }
}

variable "global_replication_group_id" {
  description = "Join this Global Datastore (its id, <region prefix>-<suffix>) as a read-only secondary (the warm standby's cache); engine, version, node type, parameter group, shards and encryption then come from the datastore. null: a standalone replication group (setting it back to null after a failover or disassociation keeps the group, now standalone)."
  type        = string
  default     = null

  validation {
    condition     = var.global_replication_group_id == null || can(regex("^[a-z]{5}-[a-z][a-z0-9-]*[a-z0-9]$", var.global_replication_group_id))
    error_message = "global_replication_group_id must be a Global Datastore id: a 5-letter region prefix, a hyphen and the suffix (e.g. ldgnf-acme-prod)."
  }

  validation {
    condition     = var.global_replication_group_id == null || var.global_datastore_suffix == null
    error_message = "A replication group either founds a Global Datastore (global_datastore_suffix) or joins one (global_replication_group_id), not both."
  }
}

variable "join_global_datastore" {
  description = "Whether global_replication_group_id is set: known at plan time, unlike the datastore's id (the primary's unit's output), so the arguments a secondary may not set are decided in the plan."
  type        = bool
  default     = false

  validation {
    condition     = var.join_global_datastore == (var.global_replication_group_id != null)
    error_message = "join_global_datastore must be true exactly when global_replication_group_id is set."
  }
}
