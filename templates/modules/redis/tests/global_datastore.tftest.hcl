# The warm standby's cache: the primary region's replication group founds a Global Datastore and
# the standby region's joins it as a secondary.

mock_provider "aws" {
  mock_data "aws_ssm_parameter" {
    defaults = {
      value = "mock-auth-token-0123456789abcdef"
      type  = "SecureString"
      arn   = "arn:aws:ssm:eu-west-1:111111111111:parameter/acme/prod/redis/auth-token"
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

  mock_resource "aws_elasticache_global_replication_group" {
    defaults = {
      global_replication_group_id = "ldgnf-acme-prod"
    }
  }
}

variables {
  name                       = "acme-prod"
  engine                     = "valkey"
  engine_version             = "8.0"
  node_type                  = "cache.r7g.large"
  cluster_mode_enabled       = false
  num_node_groups            = 1
  replicas_per_node_group    = 1
  automatic_failover_enabled = true
  multi_az_enabled           = true
  kms_key_arn                = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000"
  subnet_ids                 = ["subnet-00000000000000004", "subnet-00000000000000005"]
  security_group_ids         = ["sg-00000000000000002"]
  auth_mode                  = "iam"
  snapshot_retention_limit   = 7
  snapshot_window            = "02:00-03:00"
  maintenance_window         = "sun:05:00-sun:06:00"
  apply_immediately          = false
  log_retention_days         = 400
  global_datastore_suffix    = "acme-prod"
}

run "primary_founds_the_datastore" {
  command = apply

  assert {
    condition     = length(aws_elasticache_global_replication_group.this) == 1 && aws_elasticache_global_replication_group.this[0].global_replication_group_id_suffix == "acme-prod"
    error_message = "The primary founds one Global Datastore named by the suffix."
  }

  assert {
    condition     = aws_elasticache_global_replication_group.this[0].primary_replication_group_id == "acme-prod"
    error_message = "The Global Datastore's primary is this replication group."
  }

  assert {
    condition     = aws_elasticache_replication_group.this.engine == "valkey" && aws_elasticache_replication_group.this.transit_encryption_mode == "required"
    error_message = "The primary keeps its own engine and TLS-only settings."
  }

  assert {
    condition     = output.global_replication_group_id == "ldgnf-acme-prod"
    error_message = "The datastore's id is an output for the standby to join."
  }
}

run "standby_joins_as_secondary" {
  command   = plan
  state_key = "standby"

  variables {
    name                        = "acme-prod-standby"
    kms_key_arn                 = "arn:aws:kms:eu-central-1:111111111111:key/11111111-1111-1111-1111-111111111111"
    global_datastore_suffix     = null
    global_replication_group_id = "ldgnf-acme-prod"
    join_global_datastore       = true
  }

  assert {
    condition     = aws_elasticache_replication_group.this.global_replication_group_id == "ldgnf-acme-prod" && length(aws_elasticache_global_replication_group.this) == 0
    error_message = "The standby joins the primary's Global Datastore and founds none."
  }

  assert {
    # parameter group, shards and encryption flags are computed (unknown in a plan) once left unset
    condition     = local.secondary && aws_elasticache_replication_group.this.engine == null
    error_message = "A secondary sets no engine (nor version, node type, parameter group, shards): they are the datastore's."
  }

  assert {
    condition     = aws_elasticache_replication_group.this.kms_key_id == var.kms_key_arn && aws_elasticache_replication_group.this.num_cache_clusters == 2
    error_message = "The secondary is encrypted with its own region's key and has its own replicas."
  }

  assert {
    condition     = length(aws_elasticache_user_group.this) == 1 && aws_elasticache_user_group.this[0].user_group_id == "acme-prod-standby"
    error_message = "The secondary has its own region's IAM user group."
  }
}

run "rejects_burstable_nodes" {
  command = plan

  variables {
    node_type                  = "cache.t4g.medium"
    replicas_per_node_group    = 1
    automatic_failover_enabled = true
  }

  expect_failures = [var.global_datastore_suffix]
}

run "rejects_founding_and_joining" {
  command = plan

  variables {
    global_replication_group_id = "ldgnf-acme-prod"
    join_global_datastore       = true
  }

  expect_failures = [var.global_replication_group_id]
}

run "rejects_a_bad_datastore_id" {
  command = plan

  variables {
    global_datastore_suffix     = null
    global_replication_group_id = "acme-prod"
    join_global_datastore       = true
  }

  expect_failures = [var.global_replication_group_id]
}

run "rejects_an_id_without_join" {
  command = plan

  variables {
    global_datastore_suffix     = null
    global_replication_group_id = "ldgnf-acme-prod"
  }

  expect_failures = [var.join_global_datastore]
}
