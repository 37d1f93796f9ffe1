output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = aws_ecs_cluster.this.arn
}

output "service_names" {
  description = "ECS service name by service."
  value       = local.service_names
}

output "task_role_arns" {
  description = "Task (application) role ARN by service."
  value       = module.task.task_role_arns
}

output "execution_role_arns" {
  description = "Task execution role ARN by service."
  value       = module.task.execution_role_arns
}

output "log_group_names" {
  description = "CloudWatch log group name by service."
  value       = module.task.log_group_names
}

output "exec_log_group_name" {
  description = "CloudWatch log group of ECS Exec sessions (encrypted with the customer key)."
  value       = aws_cloudwatch_log_group.exec.name
}
