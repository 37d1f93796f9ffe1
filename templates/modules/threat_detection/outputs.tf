output "findings_rule_name" {
  description = "Name of the EventBridge rule that forwards GuardDuty findings to the alert topic."
  value       = aws_cloudwatch_event_rule.findings.name
}
