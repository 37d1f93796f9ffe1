mock_provider "aws" {}

variables {
  name                 = "acme-prod"
  finding_min_severity = 7
  alert_topic_arn      = "arn:aws:sns:eu-west-1:111111111111:acme-prod-alerts"
}

run "findings_to_the_alert_topic" {
  command = plan

  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.findings.event_pattern).detail.severity[0].numeric == [">=", 7] && aws_cloudwatch_event_target.findings.arn == var.alert_topic_arn
    error_message = "Findings of severity >= 7 go to the alert topic."
  }

  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.findings.event_pattern).source == ["aws.guardduty"]
    error_message = "Only GuardDuty findings."
  }
}

run "bad_severity" {
  command = plan

  variables {
    finding_min_severity = 9.5
  }

  expect_failures = [var.finding_min_severity]
}
