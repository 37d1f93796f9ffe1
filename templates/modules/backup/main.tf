data "aws_partition" "current" {}

locals {
  partition = data.aws_partition.current.partition
  resources = compact([var.db_instance_arn, var.bucket_arn])

  managed_policies = concat(
    ["service-role/AWSBackupServiceRolePolicyForBackup", "service-role/AWSBackupServiceRolePolicyForRestores"],
    var.back_up_bucket ? ["AWSBackupServiceRolePolicyForS3Backup", "AWSBackupServiceRolePolicyForS3Restore"] : [],
  )
}

resource "aws_backup_vault" "this" {
  name          = var.vault_name
  kms_key_arn   = var.kms_key_arn
  force_destroy = var.force_destroy

  tags = {
    Name = var.vault_name
  }
}

resource "aws_iam_role" "backup" {
  name        = var.role_name
  description = "Lets AWS Backup back up, restore and restore-test the ${var.name} database and bucket."
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "backup.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "backup" {
  for_each = toset(local.managed_policies)

  role       = aws_iam_role.backup.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/${each.value}"
}

resource "aws_backup_plan" "this" {
  name = var.name

  rule {
    rule_name         = "daily"
    target_vault_name = aws_backup_vault.this.name
    schedule          = var.rule.schedule
    start_window      = var.rule.start_window
    completion_window = var.rule.completion_window

    lifecycle {
      delete_after = var.rule.delete_after
    }

    recovery_point_tags = {
      Name = "${var.name}-daily"
    }
  }

  tags = {
    Name = var.name
  }
}

resource "aws_backup_selection" "this" {
  name         = var.name
  plan_id      = aws_backup_plan.this.id
  iam_role_arn = aws_iam_role.backup.arn
  resources    = local.resources

  depends_on = [aws_iam_role_policy_attachment.backup]
}

resource "aws_backup_vault_notifications" "this" {
  count = var.notify ? 1 : 0

  backup_vault_name   = aws_backup_vault.this.name
  sns_topic_arn       = var.notification_topic_arn
  backup_vault_events = var.notification_events
}

# --- restore testing -----------------------------------------------------------------------------

resource "aws_backup_restore_testing_plan" "this" {
  count = var.restore_testing == null ? 0 : 1

  name                = var.restore_testing.name
  schedule_expression = var.restore_testing.schedule
  start_window_hours  = var.restore_testing.start_window_hours

  recovery_point_selection {
    algorithm             = var.restore_testing.algorithm
    include_vaults        = [aws_backup_vault.this.arn]
    recovery_point_types  = ["SNAPSHOT"]
    selection_window_days = var.restore_testing.selection_window_days
  }

  tags = {
    Name = var.restore_testing.name
  }
}

# The database is restored as a new, small instance (the overrides), kept for the validation window
# and then deleted by AWS Backup; restore job results reach the topic as RESTORE_JOB_COMPLETED.
resource "aws_backup_restore_testing_selection" "rds" {
  # restore_testing is only set together with a database
  count = var.restore_testing == null ? 0 : 1

  name                       = "rds"
  restore_testing_plan_name  = aws_backup_restore_testing_plan.this[0].name
  protected_resource_type    = "RDS"
  protected_resource_arns    = [var.db_instance_arn]
  iam_role_arn               = aws_iam_role.backup.arn
  restore_metadata_overrides = var.restore_testing.rds_metadata_overrides
  validation_window_hours    = var.restore_testing.validation_window_hours

  depends_on = [aws_iam_role_policy_attachment.backup]
}
