output "primary_endpoint_address" {
  description = "Address clients write to: the primary endpoint, or the configuration endpoint in cluster mode."
  value = (var.cluster_mode_enabled
    ? aws_elasticache_replication_group.this.configuration_endpoint_address
  : aws_elasticache_replication_group.this.primary_endpoint_address)
}

output "reader_endpoint_address" {
  description = "Reader endpoint spreading reads over the replicas (null in cluster mode: clients discover shards)."
  value       = var.cluster_mode_enabled ? null : aws_elasticache_replication_group.this.reader_endpoint_address
}

output "port" {
  description = "Port the cache listens on (TLS only)."
  value       = var.port
}

output "replication_group_id" {
  description = "Id of the replication group."
  value       = aws_elasticache_replication_group.this.id
}

output "replication_group_arn" {
  description = "ARN of the replication group (resource of elasticache:Connect for IAM auth)."
  value       = aws_elasticache_replication_group.this.arn
}

output "user_group_id" {
  description = "RBAC user group attached to the cache (null with auth_token)."
  value       = local.iam ? aws_elasticache_user_group.this[0].user_group_id : null
}

output "app_user_id" {
  description = "User id (= user name) the services authenticate as with an IAM token (null with auth_token)."
  value       = local.iam ? aws_elasticache_user.app[0].user_id : null
}

output "app_user_arn" {
  description = "ARN of the IAM-authenticated application user (resource of elasticache:Connect; null with auth_token)."
  value       = local.iam ? aws_elasticache_user.app[0].arn : null
}

output "auth_token_parameter_arn" {
  description = "ARN of the SSM SecureString holding the AUTH token, for ECS secrets (null with iam)."
  value       = local.iam ? null : data.aws_ssm_parameter.auth_token[0].arn
}

output "global_replication_group_id" {
  description = "Global Datastore this replication group founded or joined (null: none); the warm standby's cache joins the primary's."
  value       = var.global_datastore_suffix != null ? aws_elasticache_global_replication_group.this[0].global_replication_group_id : var.global_replication_group_id
}
