output "record_names" {
  description = "Fully qualified name of every record, by key."
  value       = { for key, record in aws_route53_record.this : key => record.fqdn }
}

output "health_check_ids" {
  description = "Id of every Route 53 health check, by key (alarms on HealthCheckStatus use them)."
  value       = { for key, check in aws_route53_health_check.this : key => check.id }
}
