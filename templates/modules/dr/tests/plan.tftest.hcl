mock_provider "aws" {}

mock_provider "aws" {
  alias = "dr"

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "222222222222"
    }
  }

  mock_data "aws_region" {
    defaults = {
      id   = "eu-central-1"
      name = "eu-central-1"
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

  mock_resource "aws_kms_key" {
    defaults = {
      arn = "arn:aws:kms:eu-central-1:222222222222:key/11111111-1111-1111-1111-111111111111"
    }
  }

  mock_resource "aws_db_instance_automated_backups_replication" {
    defaults = {
      id = "arn:aws:rds:eu-central-1:222222222222:auto-backup:ab-mock"
    }
  }
}

variables {
  name                   = "acme-prod"
  source_db_instance_arn = "arn:aws:rds:eu-west-1:222222222222:db:acme-prod-postgres"
  retention_days         = 14
}

run "replicates_backups_into_the_dr_region" {
  command = plan

  assert {
    condition     = aws_db_instance_automated_backups_replication.this.source_db_instance_arn == var.source_db_instance_arn
    error_message = "The source is the primary region's instance."
  }

  assert {
    condition     = aws_db_instance_automated_backups_replication.this.retention_period == 14
    error_message = "Retention comes from the manifest."
  }

  assert {
    condition     = aws_kms_key.dr.enable_key_rotation == true && aws_kms_key.dr.deletion_window_in_days == 30
    error_message = "The DR key rotates and has the full deletion window."
  }

  assert {
    condition     = aws_kms_alias.dr.name == "alias/acme-prod-dr"
    error_message = "The DR key has an alias."
  }
}

run "encrypts_with_the_dr_key" {
  command = apply

  assert {
    condition     = aws_db_instance_automated_backups_replication.this.kms_key_id == aws_kms_key.dr.arn
    error_message = "Replicated backups are encrypted with the DR region's key."
  }

  assert {
    condition     = output.dr_kms_key_arn == "arn:aws:kms:eu-central-1:222222222222:key/11111111-1111-1111-1111-111111111111" && output.dr_region == "eu-central-1"
    error_message = "Outputs name the DR key and region."
  }

  assert {
    condition     = output.automated_backups_replication_arn == "arn:aws:rds:eu-central-1:222222222222:auto-backup:ab-mock"
    error_message = "automated_backups_replication_arn is the replication's id (its ARN)."
  }
}

run "rejects_retention_above_35" {
  command = plan

  variables {
    retention_days = 36
  }

  expect_failures = [var.retention_days]
}
