output "vault_name" {
  description = "Name of the backup vault."
  value       = aws_backup_vault.this.name
}

output "vault_arn" {
  description = "ARN of the backup vault."
  value       = aws_backup_vault.this.arn
}

output "plan_id" {
  description = "ID of the backup plan."
  value       = aws_backup_plan.this.id
}

output "role_arn" {
  description = "ARN of the role AWS Backup backs up, restores and restore-tests with."
  value       = aws_iam_role.backup.arn
}

output "restore_testing_plan_name" {
  description = "Name of the restore testing plan (null when restore testing is off)."
  value       = one(aws_backup_restore_testing_plan.this[*].name)
}
