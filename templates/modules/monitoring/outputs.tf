output "dashboard_name" {
  description = "Name of the environment's CloudWatch dashboard (null when it is not created)."
  value       = var.create_dashboard ? aws_cloudwatch_dashboard.this[0].dashboard_name : null
}

output "alarm_arns" {
  description = "ARN of every alarm, by key (e.g. alb-5xx-rate, auth-cpu, rds-free-storage, redis-001-memory)."
  value = merge(
    { for key, alarm in aws_cloudwatch_metric_alarm.metric : key => alarm.arn },
    { for key, alarm in aws_cloudwatch_metric_alarm.math : key => alarm.arn },
  )
}

output "alarm_definitions" {
  description = "Every alarm as a complete CloudWatch PutMetricAlarm request (PascalCase JSON fields), by key; what the scaling_events unit re-puts with raised thresholds during an event and restores after."
  value       = merge(local.metric_alarm_definitions, local.math_alarm_definitions)
}
