output "guardduty_detector_id" {
  description = "ID of the account's GuardDuty detector in this region (null when GuardDuty is off)."
  value       = one(aws_guardduty_detector.this[*].id)
}

output "config_recorder_name" {
  description = "Name of the AWS Config recorder (null when Config is off)."
  value       = one(aws_config_configuration_recorder.this[*].name)
}

output "config_rule_names" {
  description = "Names of the AWS Config managed rules."
  value       = [for r in aws_config_config_rule.managed : r.name]
}

output "security_hub_standards_arns" {
  description = "Security Hub standards subscribed to (empty when Security Hub is off)."
  value       = [for s in aws_securityhub_standards_subscription.fsbp : s.standards_arn]
}

output "ecr_scan_type" {
  description = "The registry's scan type in this region: ENHANCED (Amazon Inspector) or BASIC."
  value       = var.ecr_enhanced_scanning ? "ENHANCED" : "BASIC"
}

output "ecr_replication_destinations" {
  description = "Regions the registry replicates repositories to, by repository prefix (empty: no replication)."
  value       = { for prefix in distinct(flatten([for r in var.ecr_replication_rules : r.repository_prefixes])) : prefix => sort(flatten([for r in var.ecr_replication_rules : r.destination_regions if contains(r.repository_prefixes, prefix)])) }
}

output "services_anomaly_monitor_arn" {
  description = "ARN of the account's AWS services anomaly monitor (null when it is not in this baseline)."
  value       = one(aws_ce_anomaly_monitor.services[*].arn)
}
