output "automated_backups_replication_arn" {
  description = "ARN of the replicated automated backups in the DR region (restore source)."
  value       = aws_db_instance_automated_backups_replication.this.id
}

output "dr_kms_key_arn" {
  description = "ARN of the KMS key that encrypts the replicated backups in the DR region."
  value       = aws_kms_key.dr.arn
}

output "dr_kms_alias_name" {
  description = "Alias of the DR region's KMS key."
  value       = aws_kms_alias.dr.name
}

output "dr_region" {
  description = "Region the backups are replicated to."
  value       = local.dr_region
}
