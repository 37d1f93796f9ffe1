output "host" {
  description = "Host name of the preview (point it, or a wildcard, at the environment's load balancer)."
  value       = var.host
}

output "service_names" {
  description = "ECS service name by service."
  value       = { for name, svc in aws_ecs_service.this : name => svc.name }
}

output "target_group_arns" {
  description = "Target group ARN by service."
  value       = { for name, tg in aws_lb_target_group.this : name => tg.arn }
}

output "listener_rule_arns" {
  description = "Host-and-path listener rule ARN by service."
  value       = { for name, rule in aws_lb_listener_rule.this : name => rule.arn }
}

output "log_group_names" {
  description = "CloudWatch log group name by service."
  value       = module.task.log_group_names
}

output "database_name" {
  description = "The preview's database name on the environment's instance (null without a database)."
  value       = try(var.database.name, null)
}
