output "task_definition_arns" {
  description = "Task definition ARN (with revision) by service."
  value       = { for name, td in aws_ecs_task_definition.this : name => td.arn }
}

output "task_role_arns" {
  description = "Task (application) role ARN by service."
  value       = { for name, role in aws_iam_role.task : name => role.arn }
}

output "execution_role_arns" {
  description = "Task execution role ARN by service."
  value       = { for name, role in aws_iam_role.execution : name => role.arn }
}

output "log_group_names" {
  description = "CloudWatch log group name by service."
  value       = { for name, lg in aws_cloudwatch_log_group.service : name => lg.name }
}

output "log_groups" {
  description = "CloudWatch log group by service: name, ARN, retention and KMS key (for the callers' tests and assertions)."
  value = {
    for name, lg in aws_cloudwatch_log_group.service : name => {
      name              = lg.name
      arn               = lg.arn
      retention_in_days = lg.retention_in_days
      kms_key_id        = lg.kms_key_id
    }
  }
}

output "execute_command" {
  description = "By service: whether its task role has ECS Exec's permissions (enable_execute_command and a writable root filesystem); the service's enable_execute_command must follow it."
  value       = local.exec
}
