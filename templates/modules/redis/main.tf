locals {
  iam    = var.auth_mode == "iam"
  family = "${var.engine}${split(".", var.engine_version)[0]}"
  # ElastiCache vends these two logs; each goes to its own KMS-encrypted log group.
  log_types = ["slow-log", "engine-log"]

  # ElastiCache Global Datastore (the warm standby's cache): the primary region's replication group
  # founds it (global_datastore_suffix), the standby region's joins it as a read-only secondary
  # (global_replication_group_id). A secondary takes engine, version, node type, parameter group,
  # shard count and encryption settings from the global datastore: AWS (and the provider) refuse
  # them on it. Its KMS key, subnets, security groups, users and AUTH token are its own region's.
  secondary = var.join_global_datastore
}

resource "aws_elasticache_subnet_group" "this" {
  name        = var.name
  description = "Private subnets of the ${var.name} cache"
  subnet_ids  = var.subnet_ids

  tags = {
    Name = var.name
  }
}

resource "aws_elasticache_parameter_group" "this" {
  name        = "${var.name}-${local.family}${var.cluster_mode_enabled ? "-cluster" : ""}"
  family      = local.family
  description = "${var.name}: ${var.engine} ${var.engine_version}, cluster mode ${var.cluster_mode_enabled ? "on" : "off"}"

  parameter {
    name  = "cluster-enabled"
    value = var.cluster_mode_enabled ? "yes" : "no"
  }

  tags = {
    Name = var.name
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_cloudwatch_log_group" "this" {
  for_each = toset(local.log_types)

  name              = "/aws/elasticache/${var.name}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

# --- authentication ----------------------------------------------------------------------------
# iam: every user group must hold a user named "default"; this one is switched off and may run no
# command, so connections must authenticate as the application user with a short-lived IAM token.
# Users and group use engine "redis", which Redis OSS and Valkey caches both accept (a Valkey-engine
# group may not hold a no-password user).

resource "aws_elasticache_user" "default" {
  count = local.iam ? 1 : 0

  user_id       = "${var.name}-default"
  user_name     = "default"
  engine        = "redis"
  access_string = "off -@all"

  authentication_mode {
    type = "no-password-required"
  }
}

resource "aws_elasticache_user" "app" {
  count = local.iam ? 1 : 0

  # IAM-authenticated users must have user_name equal to user_id.
  user_id       = "${var.name}-app"
  user_name     = "${var.name}-app"
  engine        = "redis"
  access_string = var.app_user_access_string

  authentication_mode {
    type = "iam"
  }
}

resource "aws_elasticache_user_group" "this" {
  count = local.iam ? 1 : 0

  user_group_id = var.name
  engine        = "redis"
  user_ids      = [aws_elasticache_user.default[0].user_id, aws_elasticache_user.app[0].user_id]
}

# auth_token: the token is read from an existing SecureString at apply time, never written in code.
data "aws_ssm_parameter" "auth_token" {
  count = local.iam ? 0 : 1

  name            = var.auth_token_parameter_name
  with_decryption = true
}

# --- replication group -------------------------------------------------------------------------

resource "aws_elasticache_replication_group" "this" {
  replication_group_id        = var.name
  description                 = "${var.name} ${var.engine} cache"
  global_replication_group_id = var.global_replication_group_id
  engine                      = local.secondary ? null : var.engine
  engine_version              = local.secondary ? null : var.engine_version
  node_type                   = local.secondary ? null : var.node_type
  port                        = var.port
  parameter_group_name        = local.secondary ? null : aws_elasticache_parameter_group.this.name
  subnet_group_name           = aws_elasticache_subnet_group.this.name
  security_group_ids          = var.security_group_ids

  cluster_mode            = local.secondary ? null : (var.cluster_mode_enabled ? "enabled" : "disabled")
  num_node_groups         = var.cluster_mode_enabled && !local.secondary ? var.num_node_groups : null
  replicas_per_node_group = var.cluster_mode_enabled ? var.replicas_per_node_group : null
  num_cache_clusters      = var.cluster_mode_enabled ? null : 1 + var.replicas_per_node_group

  # Zones: AWS spreads the nodes over the subnet group's zones (one subnet per zone); with
  # multi_az_enabled it keeps replicas out of the primary's zone and fails over across zones.
  automatic_failover_enabled = var.automatic_failover_enabled
  multi_az_enabled           = var.multi_az_enabled

  # a secondary inherits encryption at rest and in transit from the global datastore (its primary's)
  at_rest_encryption_enabled = local.secondary ? null : true
  kms_key_id                 = var.kms_key_arn
  transit_encryption_enabled = local.secondary ? null : true
  transit_encryption_mode    = local.secondary ? null : "required"

  user_group_ids             = local.iam ? [aws_elasticache_user_group.this[0].user_group_id] : null
  auth_token                 = local.iam ? null : data.aws_ssm_parameter.auth_token[0].value
  auth_token_update_strategy = local.iam ? null : "ROTATE"

  snapshot_retention_limit   = var.snapshot_retention_limit
  snapshot_window            = var.snapshot_window
  maintenance_window         = var.maintenance_window
  auto_minor_version_upgrade = true
  apply_immediately          = var.apply_immediately
  notification_topic_arn     = var.notification_topic_arn

  dynamic "log_delivery_configuration" {
    for_each = toset(local.log_types)

    content {
      destination      = aws_cloudwatch_log_group.this[log_delivery_configuration.key].name
      destination_type = "cloudwatch-logs"
      log_format       = "json"
      log_type         = log_delivery_configuration.key
    }
  }

  tags = {
    Name = var.name
  }
}

# --- Global Datastore --------------------------------------------------------------------------
# Founded on the primary region's replication group for the warm standby's cache to join. Engine
# upgrades and node type changes of the members then go through it (AWS applies them to every
# member). Promoting the standby is `aws elasticache failover-global-replication-group` (both
# regions up) or `disassociate-global-replication-group` (the primary region lost), see RUNBOOK.md.

resource "aws_elasticache_global_replication_group" "this" {
  count = var.global_datastore_suffix != null ? 1 : 0

  global_replication_group_id_suffix   = var.global_datastore_suffix
  global_replication_group_description = "${var.name} ${var.engine} cache and its warm standby"
  primary_replication_group_id         = aws_elasticache_replication_group.this.replication_group_id

  engine_version             = var.engine_version
  cache_node_type            = var.node_type
  automatic_failover_enabled = var.automatic_failover_enabled
  num_node_groups            = var.cluster_mode_enabled ? var.num_node_groups : null
}
