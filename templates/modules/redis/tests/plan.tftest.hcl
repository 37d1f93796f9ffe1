mock_provider "aws" {
  mock_data "aws_ssm_parameter" {
    defaults = {
      value = "mock-auth-token-0123456789abcdef"
      type  = "SecureString"
      arn   = "arn:aws:ssm:eu-west-1:111111111111:parameter/acme/dev/redis/auth-token"
    }
  }

  mock_resource "aws_elasticache_user" {
    defaults = {
      arn = "arn:aws:elasticache:eu-west-1:111111111111:user:mock"
    }
  }

  mock_resource "aws_elasticache_replication_group" {
    defaults = {
      arn = "arn:aws:elasticache:eu-west-1:111111111111:replicationgroup:mock"
    }
  }
}

variables {
  name                       = "acme-dev"
  engine                     = "redis"
  engine_version             = "7.1"
  node_type                  = "cache.t4g.micro"
  cluster_mode_enabled       = false
  num_node_groups            = 1
  replicas_per_node_group    = 0
  automatic_failover_enabled = false
  multi_az_enabled           = false
  kms_key_arn                = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000"
  subnet_ids                 = ["subnet-00000000000000004", "subnet-00000000000000005"]
  security_group_ids         = ["sg-00000000000000002"]
  auth_mode                  = "iam"
  snapshot_retention_limit   = 1
  snapshot_window            = "02:00-03:00"
  maintenance_window         = "sun:05:00-sun:06:00"
  apply_immediately          = true
  log_retention_days         = 14
}

run "dev" {
  command = plan

  assert {
    condition     = aws_elasticache_replication_group.this.engine == "redis" && aws_elasticache_replication_group.this.engine_version == "7.1"
    error_message = "Engine and version come from the manifest, engine lowercase."
  }

  assert {
    condition     = aws_elasticache_replication_group.this.num_cache_clusters == 1 && !aws_elasticache_replication_group.this.automatic_failover_enabled && !aws_elasticache_replication_group.this.multi_az_enabled
    error_message = "Dev is a single node without failover."
  }

  assert {
    condition     = tostring(aws_elasticache_replication_group.this.at_rest_encryption_enabled) == "true" && aws_elasticache_replication_group.this.kms_key_id == var.kms_key_arn
    error_message = "At-rest encryption with the customer key."
  }

  assert {
    condition     = aws_elasticache_replication_group.this.transit_encryption_enabled && aws_elasticache_replication_group.this.transit_encryption_mode == "required"
    error_message = "TLS only."
  }

  assert {
    condition     = aws_elasticache_replication_group.this.auth_token == null && length(data.aws_ssm_parameter.auth_token) == 0
    error_message = "IAM mode uses no AUTH token."
  }

  assert {
    condition     = aws_elasticache_user.default[0].user_name == "default" && startswith(aws_elasticache_user.default[0].access_string, "off") && aws_elasticache_user.default[0].authentication_mode[0].type == "no-password-required"
    error_message = "The group's default user must be switched off."
  }

  assert {
    condition     = aws_elasticache_user.app[0].authentication_mode[0].type == "iam" && aws_elasticache_user.app[0].user_name == aws_elasticache_user.app[0].user_id
    error_message = "The application user authenticates with IAM (user name = user id)."
  }

  assert {
    condition     = toset(aws_elasticache_replication_group.this.user_group_ids) == toset(["acme-dev"])
    error_message = "The RBAC user group must be attached."
  }

  assert {
    condition     = aws_elasticache_parameter_group.this.family == "redis7" && one([for p in aws_elasticache_parameter_group.this.parameter : p.value if p.name == "cluster-enabled"]) == "no"
    error_message = "Parameter group family redis7 with cluster mode off."
  }

  assert {
    condition = (
      toset([for l in aws_elasticache_replication_group.this.log_delivery_configuration : l.log_type]) == toset(["slow-log", "engine-log"]) &&
      alltrue([for l in aws_elasticache_replication_group.this.log_delivery_configuration : l.destination_type == "cloudwatch-logs"]) &&
      alltrue([for g in aws_cloudwatch_log_group.this : g.kms_key_id == var.kms_key_arn && g.retention_in_days == 14])
    )
    error_message = "Slow and engine logs go to KMS-encrypted log groups with retention."
  }

  assert {
    condition     = aws_elasticache_replication_group.this.snapshot_retention_limit == 1 && aws_elasticache_replication_group.this.notification_topic_arn == null
    error_message = "Snapshots per environment; no notification topic by default."
  }
}

run "prod" {
  command = plan

  variables {
    name                       = "acme-prod"
    engine                     = "valkey"
    engine_version             = "8.0"
    node_type                  = "cache.r7g.large"
    replicas_per_node_group    = 2
    automatic_failover_enabled = true
    multi_az_enabled           = true
    subnet_ids                 = ["subnet-00000000000000004", "subnet-00000000000000005", "subnet-00000000000000006"]
    snapshot_retention_limit   = 7
    apply_immediately          = false
    log_retention_days         = 400
    notification_topic_arn     = "arn:aws:sns:eu-west-1:111111111111:alerts"
  }

  assert {
    condition     = aws_elasticache_replication_group.this.automatic_failover_enabled && aws_elasticache_replication_group.this.multi_az_enabled
    error_message = "Prod fails over automatically across zones."
  }

  assert {
    condition     = aws_elasticache_replication_group.this.num_cache_clusters == 3 && aws_elasticache_replication_group.this.cluster_mode == "disabled"
    error_message = "Prod: a primary and two replicas."
  }

  assert {
    condition     = aws_elasticache_replication_group.this.engine == "valkey" && aws_elasticache_parameter_group.this.family == "valkey8"
    error_message = "Valkey 8 uses the valkey8 family."
  }

  assert {
    condition     = !aws_elasticache_replication_group.this.apply_immediately && aws_elasticache_replication_group.this.notification_topic_arn == "arn:aws:sns:eu-west-1:111111111111:alerts"
    error_message = "Prod changes wait for the maintenance window; events go to the topic."
  }

  assert {
    condition     = tostring(aws_elasticache_replication_group.this.at_rest_encryption_enabled) == "true" && aws_elasticache_replication_group.this.transit_encryption_mode == "required"
    error_message = "Encrypted at rest and in transit."
  }
}

run "cluster_mode" {
  command = plan

  variables {
    cluster_mode_enabled       = true
    num_node_groups            = 3
    replicas_per_node_group    = 1
    automatic_failover_enabled = true
    multi_az_enabled           = true
  }

  assert {
    condition = (
      aws_elasticache_replication_group.this.num_node_groups == 3 &&
      aws_elasticache_replication_group.this.replicas_per_node_group == 1 &&
      aws_elasticache_replication_group.this.cluster_mode == "enabled" &&
      one([for p in aws_elasticache_parameter_group.this.parameter : p.value if p.name == "cluster-enabled"]) == "yes"
    )
    error_message = "Cluster mode: shards with replicas and a cluster-enabled parameter group."
  }
}

run "auth_token" {
  command = plan

  variables {
    auth_mode                 = "auth_token"
    auth_token_parameter_name = "/acme/dev/redis/auth-token"
  }

  assert {
    condition = (
      length(aws_elasticache_user_group.this) == 0 &&
      aws_elasticache_replication_group.this.auth_token_update_strategy == "ROTATE" &&
      data.aws_ssm_parameter.auth_token[0].name == "/acme/dev/redis/auth-token"
    )
    error_message = "AUTH token mode reads the token from SSM and sets an update strategy."
  }
}

run "apply_outputs" {
  command = apply

  assert {
    condition     = output.user_group_id == "acme-dev" && output.app_user_id == "acme-dev-app" && output.port == 6379
    error_message = "Outputs for IAM mode."
  }

  assert {
    condition     = output.auth_token_parameter_arn == null && output.app_user_arn == "arn:aws:elasticache:eu-west-1:111111111111:user:mock"
    error_message = "IAM mode: the user ARN for elasticache:Connect, no token parameter."
  }
}

run "apply_outputs_auth_token" {
  command = apply

  variables {
    auth_mode                 = "auth_token"
    auth_token_parameter_name = "/acme/dev/redis/auth-token"
  }

  assert {
    condition     = output.auth_token_parameter_arn == "arn:aws:ssm:eu-west-1:111111111111:parameter/acme/dev/redis/auth-token" && output.app_user_id == null
    error_message = "AUTH token mode: the parameter's ARN (for the services' ECS secret), no IAM user."
  }
}

run "rejects_failover_without_replica" {
  command = plan

  variables {
    automatic_failover_enabled = true
  }

  expect_failures = [var.automatic_failover_enabled]
}
