output "instance_id" {
  description = "Id of the bastion instance (target of `aws ssm start-session`)."
  value       = aws_instance.this.id
}

output "instance_role_name" {
  description = "Name of the bastion's IAM role."
  value       = aws_iam_role.this.name
}

output "security_group_id" {
  description = "Security group of the bastion."
  value       = var.security_group_id
}
