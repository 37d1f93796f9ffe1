mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::111111111111:role/acme-prod-backup"
    }
  }

  mock_resource "aws_backup_vault" {
    defaults = {
      arn = "arn:aws:backup:eu-west-1:111111111111:backup-vault:acme-prod-backup"
    }
  }
}

variables {
  name          = "acme-prod"
  vault_name    = "acme-prod-backup"
  role_name     = "acme-prod-backup"
  kms_key_arn   = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000"
  force_destroy = false
  rule = {
    schedule          = "cron(0 3 * * ? *)"
    start_window      = 60
    completion_window = 480
    delete_after      = 35
  }
  db_instance_arn        = "arn:aws:rds:eu-west-1:111111111111:db:acme-prod-postgres"
  bucket_arn             = "arn:aws:s3:::acme-prod-assets-111111111111"
  notification_topic_arn = "arn:aws:sns:eu-west-1:111111111111:acme-prod-alerts"
  back_up_bucket         = true
  notify                 = true
  restore_testing = {
    name                    = "acme_prod_restore_test"
    schedule                = "cron(0 6 ? * MON *)"
    start_window_hours      = 4
    selection_window_days   = 7
    algorithm               = "LATEST_WITHIN_WINDOW"
    validation_window_hours = 4
    rds_metadata_overrides  = { dbInstanceClass = "db.t4g.medium" }
  }
}

run "prod_like" {
  command = plan

  assert {
    condition     = aws_backup_vault.this.kms_key_arn == var.kms_key_arn && !aws_backup_vault.this.force_destroy
    error_message = "the vault is encrypted with the customer key and not force-destroyable"
  }

  assert {
    condition     = one(aws_backup_plan.this.rule).schedule == "cron(0 3 * * ? *)" && one(one(aws_backup_plan.this.rule).lifecycle).delete_after == 35
    error_message = "the daily rule follows the manifest"
  }

  assert {
    condition     = aws_backup_selection.this.resources == toset([var.db_instance_arn, var.bucket_arn])
    error_message = "the database and the bucket are selected"
  }

  assert {
    condition     = contains(keys(aws_iam_role_policy_attachment.backup), "AWSBackupServiceRolePolicyForS3Backup") && contains(keys(aws_iam_role_policy_attachment.backup), "service-role/AWSBackupServiceRolePolicyForRestores")
    error_message = "the role may back up and restore the database and the bucket"
  }

  assert {
    condition     = contains(aws_backup_vault_notifications.this[0].backup_vault_events, "BACKUP_JOB_COMPLETED") && aws_backup_vault_notifications.this[0].sns_topic_arn == var.notification_topic_arn
    error_message = "job results reach the alert topic"
  }

  assert {
    condition     = aws_backup_restore_testing_plan.this[0].schedule_expression == "cron(0 6 ? * MON *)" && one(aws_backup_restore_testing_plan.this[0].recovery_point_selection).algorithm == "LATEST_WITHIN_WINDOW"
    error_message = "the restore testing plan follows the manifest"
  }

  assert {
    condition     = aws_backup_restore_testing_selection.rds[0].protected_resource_type == "RDS" && aws_backup_restore_testing_selection.rds[0].restore_metadata_overrides["dbInstanceClass"] == "db.t4g.medium" && aws_backup_restore_testing_selection.rds[0].validation_window_hours == 4
    error_message = "the database is restore-tested as a small instance with a validation window"
  }
}

run "no_bucket_no_tests" {
  command = plan

  variables {
    bucket_arn             = null
    back_up_bucket         = false
    notification_topic_arn = null
    notify                 = false
    restore_testing        = null
  }

  assert {
    condition     = aws_backup_selection.this.resources == toset([var.db_instance_arn]) && length(aws_iam_role_policy_attachment.backup) == 2
    error_message = "without a bucket only the database is selected and no S3 policies are attached"
  }

  assert {
    condition     = length(aws_backup_restore_testing_plan.this) == 0 && length(aws_backup_vault_notifications.this) == 0
    error_message = "no restore tests and no notifications when off"
  }
}
