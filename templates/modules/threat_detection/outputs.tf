output "guardduty_detector_id" {
  description = "ID of the GuardDuty detector (null when GuardDuty is off)."
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
