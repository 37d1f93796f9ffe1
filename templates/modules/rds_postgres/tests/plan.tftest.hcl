mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111111111111"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::111111111111:role/mock-monitoring"
    }
  }

  mock_resource "aws_db_instance" {
    defaults = {
      arn = "arn:aws:rds:eu-west-1:111111111111:db:mock"
      # the mock provider leaves nested computed blocks empty; RDS always returns this one
      master_user_secret = [{
        secret_arn    = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!db-mock-AbCdEf"
        kms_key_id    = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000"
        secret_status = "active"
      }]
    }
  }
}

variables {
  identifier                            = "acme-dev-postgres"
  engine_version                        = "16.4"
  instance_class                        = "db.t4g.medium"
  db_name                               = "game"
  master_username                       = "gameadmin"
  allocated_storage                     = 20
  max_allocated_storage                 = 100
  kms_key_arn                           = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000"
  subnet_ids                            = ["subnet-00000000000000001", "subnet-00000000000000002"]
  availability_zones                    = ["eu-west-1a", "eu-west-1b"]
  security_group_ids                    = ["sg-00000000000000001"]
  multi_az                              = false
  deletion_protection                   = false
  final_snapshot                        = false
  backup_retention_period               = 1
  backup_window                         = "03:00-03:30"
  maintenance_window                    = "sun:04:00-sun:04:30"
  log_min_duration_statement            = 500
  performance_insights_retention_period = 7
  monitoring_interval                   = 60
  read_replica_count                    = 0
  log_retention_days                    = 14
  apply_immediately                     = true
}

run "dev" {
  command = plan

  assert {
    condition     = aws_db_instance.this.engine == "postgres" && aws_db_instance.this.engine_version == "16.4"
    error_message = "The primary must run the manifest's PostgreSQL version."
  }

  assert {
    condition     = aws_db_parameter_group.this.family == "postgres16"
    error_message = "The parameter group family must follow the major version."
  }

  assert {
    condition     = one([for p in aws_db_parameter_group.this.parameter : p.value if p.name == "rds.force_ssl"]) == "1"
    error_message = "The parameter group must force TLS."
  }

  assert {
    condition     = one([for p in aws_db_parameter_group.this.parameter : p.value if p.name == "log_min_duration_statement"]) == "500"
    error_message = "Slow queries must be logged from the manifest's threshold."
  }

  assert {
    condition     = aws_db_instance.this.storage_encrypted && aws_db_instance.this.kms_key_id == var.kms_key_arn && aws_db_instance.this.storage_type == "gp3"
    error_message = "Storage must be gp3, encrypted with the customer key."
  }

  assert {
    condition     = aws_db_instance.this.manage_master_user_password && aws_db_instance.this.master_user_secret_kms_key_id == var.kms_key_arn && aws_db_instance.this.password == null
    error_message = "The master password must be managed by RDS in Secrets Manager with the customer key."
  }

  assert {
    condition     = !aws_db_instance.this.multi_az && aws_db_instance.this.availability_zone == "eu-west-1a"
    error_message = "A single-AZ dev primary is pinned to the first zone."
  }

  assert {
    condition     = !aws_db_instance.this.deletion_protection && aws_db_instance.this.skip_final_snapshot && aws_db_instance.this.final_snapshot_identifier == null
    error_message = "Dev instances are disposable."
  }

  assert {
    condition     = !aws_db_instance.this.publicly_accessible && aws_db_instance.this.iam_database_authentication_enabled && aws_db_instance.this.copy_tags_to_snapshot && aws_db_instance.this.auto_minor_version_upgrade
    error_message = "Private, IAM auth, tag-copying, auto minor upgrades."
  }

  assert {
    condition     = aws_db_instance.this.performance_insights_enabled && aws_db_instance.this.performance_insights_kms_key_id == var.kms_key_arn && aws_db_instance.this.performance_insights_retention_period == 7
    error_message = "Performance Insights must be on and encrypted with the customer key."
  }

  assert {
    condition     = aws_db_instance.this.monitoring_interval == 60 && length(aws_iam_role.monitoring) == 1 && length(aws_iam_role_policy_attachment.monitoring) == 1
    error_message = "Enhanced monitoring needs its role."
  }

  assert {
    condition     = toset(aws_db_instance.this.enabled_cloudwatch_logs_exports) == toset(["postgresql", "upgrade"])
    error_message = "PostgreSQL and upgrade logs must be exported."
  }

  assert {
    condition = (
      toset([for g in aws_cloudwatch_log_group.exports : g.name]) == toset(["/aws/rds/instance/acme-dev-postgres/postgresql", "/aws/rds/instance/acme-dev-postgres/upgrade"]) &&
      alltrue([for g in aws_cloudwatch_log_group.exports : g.kms_key_id == var.kms_key_arn && g.retention_in_days == 14])
    )
    error_message = "The export log groups must be pre-created, encrypted and with retention."
  }

  assert {
    condition     = length(aws_db_instance.replica) == 0
    error_message = "Dev has no read replicas."
  }
}

run "prod" {
  command = plan

  variables {
    identifier                            = "acme-prod-postgres"
    instance_class                        = "db.r7g.large"
    allocated_storage                     = 100
    max_allocated_storage                 = 1000
    subnet_ids                            = ["subnet-00000000000000001", "subnet-00000000000000002", "subnet-00000000000000003"]
    availability_zones                    = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    multi_az                              = true
    deletion_protection                   = true
    final_snapshot                        = true
    backup_retention_period               = 14
    performance_insights_retention_period = 93
    monitoring_interval                   = 15
    read_replica_count                    = 2
    log_retention_days                    = 400
    apply_immediately                     = false
  }

  assert {
    condition     = aws_db_instance.this.multi_az && local.primary_az == null
    error_message = "The prod primary is Multi-AZ and placed by AWS."
  }

  assert {
    condition     = aws_db_instance.this.deletion_protection && !aws_db_instance.this.skip_final_snapshot && aws_db_instance.this.final_snapshot_identifier == "acme-prod-postgres-final"
    error_message = "Prod is deletion protected and keeps a final snapshot."
  }

  assert {
    condition     = aws_db_instance.this.backup_retention_period == 14 && !aws_db_instance.this.apply_immediately
    error_message = "Prod backups and change timing."
  }

  assert {
    condition     = length(aws_db_instance.replica) == 2
    error_message = "Prod has two read replicas."
  }

  assert {
    condition     = [for r in aws_db_instance.replica : r.availability_zone] == ["eu-west-1b", "eu-west-1c"]
    error_message = "Replicas go to the zones after the first."
  }

  assert {
    condition = alltrue([for r in aws_db_instance.replica : (
      r.replicate_source_db == "acme-prod-postgres" && r.storage_encrypted && r.kms_key_id == var.kms_key_arn &&
      r.performance_insights_enabled && r.performance_insights_kms_key_id == var.kms_key_arn &&
      r.password == null && r.manage_master_user_password == null && !r.publicly_accessible
    )])
    error_message = "Replicas replicate the primary by identifier, encrypted, with Performance Insights and no credentials of their own."
  }

  assert {
    condition     = length(aws_cloudwatch_log_group.exports) == 6
    error_message = "Every instance (primary + 2 replicas) gets its two export log groups."
  }
}

run "apply_outputs" {
  command = apply

  variables {
    multi_az           = true
    read_replica_count = 2
    availability_zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  }

  assert {
    condition     = startswith(output.master_user_secret_arn, "arn:aws:secretsmanager:") && length(output.replica_addresses) == 2 && output.kms_key_arn == var.kms_key_arn && output.db_name == "game"
    error_message = "Outputs after apply."
  }
}

run "no_monitoring" {
  command = plan

  variables {
    monitoring_interval = 0
  }

  assert {
    condition     = length(aws_iam_role.monitoring) == 0 && local.monitoring_role_arn == null
    error_message = "Without enhanced monitoring there is no monitoring role."
  }
}

run "rejects_bad_retention" {
  command = plan

  variables {
    backup_retention_period               = 90
    performance_insights_retention_period = 30
    max_allocated_storage                 = 20
  }

  expect_failures = [var.backup_retention_period, var.performance_insights_retention_period, var.max_allocated_storage]
}
