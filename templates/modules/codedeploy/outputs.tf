output "application_name" {
  description = "Name of the CodeDeploy application (aws deploy create-deployment --application-name)."
  value       = aws_codedeploy_app.this.name
}

output "deployment_group_names" {
  description = "CodeDeploy deployment group name by blue/green service."
  value       = { for name, group in aws_codedeploy_deployment_group.this : name => group.deployment_group_name }
}

output "service_role_arn" {
  description = "ARN of the role CodeDeploy releases with."
  value       = aws_iam_role.codedeploy.arn
}

output "rollback_alarm_names" {
  description = "Names of the alarms that stop and roll back a release, by service."
  value = {
    for name in keys(var.services) : name => [
      aws_cloudwatch_metric_alarm.target_5xx[name].alarm_name,
      aws_cloudwatch_metric_alarm.unhealthy[name].alarm_name,
    ]
  }
}
