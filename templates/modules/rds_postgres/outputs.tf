output "address" {
  description = "DNS name of the primary instance."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Port PostgreSQL listens on."
  value       = aws_db_instance.this.port
}

output "endpoint" {
  description = "address:port of the primary instance."
  value       = aws_db_instance.this.endpoint
}

output "db_name" {
  description = "Name of the database created on the instance (a replica's: its source's, db_name)."
  value       = local.replica ? var.db_name : aws_db_instance.this.db_name
}

output "db_instance_identifier" {
  description = "Identifier of the primary instance."
  value       = aws_db_instance.this.identifier
}

output "db_instance_arn" {
  description = "ARN of the primary instance."
  value       = aws_db_instance.this.arn
}

output "db_instance_resource_id" {
  description = "DBI resource id of the primary (for rds-db:connect IAM database authentication policies)."
  value       = aws_db_instance.this.resource_id
}

output "master_user_secret_arn" {
  description = "Secrets Manager secret holding the master user credentials (managed and rotated by RDS); null on a cross-region read replica, whose master user and secret are its source's until it is promoted."
  value       = local.replica ? null : try(aws_db_instance.this.master_user_secret[0].secret_arn, null)
}

output "replica_addresses" {
  description = "DNS names of the read replicas (empty without replicas)."
  value       = aws_db_instance.replica[*].address
}

output "kms_key_arn" {
  description = "KMS key that encrypts the storage and the master user secret (readers of the secret need kms:Decrypt)."
  value       = var.kms_key_arn
}
