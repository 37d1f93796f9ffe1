output "record_names" {
  description = "Fully qualified name of every record, by key."
  value       = { for key, record in aws_route53_record.this : key => record.fqdn }
}
