# Threat detection of one environment: the GuardDuty findings of its account and region at or above
# a severity, forwarded to THIS environment's alert topic. The detector itself (and Security Hub,
# AWS Config) is a per-account-and-region singleton created once, by the account_baseline unit of
# the owner environment (see `fgen accounts`), so every environment sharing an account still gets
# its alerts without a second detector.

resource "aws_cloudwatch_event_rule" "findings" {
  name        = "${var.name}-guardduty-findings"
  description = "GuardDuty findings with severity >= ${var.finding_min_severity}"
  event_pattern = jsonencode({
    source        = ["aws.guardduty"]
    "detail-type" = ["GuardDuty Finding"]
    detail = {
      severity = [{ numeric = [">=", var.finding_min_severity] }]
    }
  })
}

resource "aws_cloudwatch_event_target" "findings" {
  rule      = aws_cloudwatch_event_rule.findings.name
  target_id = "alert-topic"
  arn       = var.alert_topic_arn
}

# Before the account baseline existed, the rule and target were counted (the unit also held the
# detector); keep their state when upgrading.
moved {
  from = aws_cloudwatch_event_rule.findings[0]
  to   = aws_cloudwatch_event_rule.findings
}

moved {
  from = aws_cloudwatch_event_target.findings[0]
  to   = aws_cloudwatch_event_target.findings
}
