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
  identifier                            = "acme-prod-standby-postgres"
  engine_version                        = "16.4"
  instance_class                        = "db.t4g.medium"
  db_name                               = "game"
  master_username                       = "gameadmin"
  allocated_storage                     = 20
  max_allocated_storage                 = 100
  kms_key_arn                           = "arn:aws:kms:eu-central-1:111111111111:key/11111111-1111-1111-1111-111111111111"
  subnet_ids                            = ["subnet-00000000000000001", "subnet-00000000000000002"]
  availability_zones                    = ["eu-central-1a", "eu-central-1b"]
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
  replicate_source_db                   = "arn:aws:rds:eu-west-1:111111111111:db:acme-prod-postgres"
  replicate                             = true
}

# The warm standby's database: a cross-region read replica of the primary region's instance.

run "cross_region_replica" {
  command = plan

  assert {
    condition     = aws_db_instance.this.replicate_source_db == "arn:aws:rds:eu-west-1:111111111111:db:acme-prod-postgres"
    error_message = "The replica names its cross-region source by ARN."
  }

  assert {
    condition     = aws_db_instance.this.kms_key_id == var.kms_key_arn && aws_db_instance.this.storage_encrypted && aws_db_instance.this.performance_insights_kms_key_id == var.kms_key_arn
    error_message = "The replica is encrypted with the key of its own region."
  }

  assert {
    # username, db_name, engine, allocated_storage and the secret key are computed (unknown in a plan) once left unset
    condition = (
      aws_db_instance.this.password == null && aws_db_instance.this.manage_master_user_password == null &&
      aws_db_instance.this.allow_major_version_upgrade == null
    )
    error_message = "A replica sets no password or managed secret: its master user is its source's."
  }

  assert {
    condition     = aws_db_instance.this.skip_final_snapshot && aws_db_instance.this.final_snapshot_identifier == null
    error_message = "RDS takes no final snapshot of a read replica."
  }

  assert {
    condition     = aws_db_instance.this.backup_retention_period == 1 && aws_db_instance.this.backup_window == "03:00-03:30"
    error_message = "PostgreSQL 14.1+ replicas keep automated backups."
  }

  assert {
    condition     = aws_db_instance.this.db_subnet_group_name == "acme-prod-standby-postgres" && aws_db_parameter_group.this.family == "postgres16"
    error_message = "The replica lives in its own region's subnet group, with its own parameter group."
  }
}

run "replica_outputs" {
  command = apply

  assert {
    condition     = output.master_user_secret_arn == null && output.db_name == "game"
    error_message = "A replica has no master user secret of its own; its database is its source's."
  }
}

run "replica_without_backups" {
  command = plan

  variables {
    engine_version          = "13.15"
    backup_retention_period = 0
  }

  assert {
    condition     = aws_db_instance.this.backup_retention_period == 0
    error_message = "A replica may keep no automated backups."
  }
}

run "rejects_backups_on_a_postgres_13_replica" {
  command = plan

  variables {
    engine_version = "13.15"
  }

  expect_failures = [var.backup_retention_period]
}

run "rejects_no_backups_on_a_primary" {
  command = plan

  variables {
    replicate_source_db     = null
    replicate               = false
    backup_retention_period = 0
  }

  expect_failures = [var.backup_retention_period]
}

run "promoted" {
  command = plan

  variables {
    replicate_source_db = null
    replicate           = false
    multi_az            = true
    deletion_protection = true
    final_snapshot      = true
  }

  assert {
    condition = (
      aws_db_instance.this.replicate_source_db == null && aws_db_instance.this.engine == "postgres" &&
      aws_db_instance.this.manage_master_user_password && aws_db_instance.this.master_user_secret_kms_key_id == var.kms_key_arn &&
      aws_db_instance.this.multi_az && !aws_db_instance.this.skip_final_snapshot
    )
    error_message = "Without a source the instance is a standalone primary with its own managed secret."
  }
}

run "rejects_identifier_as_source" {
  command = plan

  variables {
    replicate_source_db = "acme-prod-postgres"
  }

  expect_failures = [var.replicate_source_db]
}

run "rejects_replica_from_snapshot" {
  command = plan

  variables {
    snapshot_identifier = "acme-prod-sanitised"
  }

  expect_failures = [var.replicate_source_db]
}

run "rejects_a_source_without_replicate" {
  command = plan

  variables {
    replicate = false
  }

  expect_failures = [var.replicate]
}
