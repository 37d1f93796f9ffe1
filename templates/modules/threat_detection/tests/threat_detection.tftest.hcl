mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111111111111"
    }
  }

  mock_data "aws_region" {
    defaults = {
      id   = "eu-west-1"
      name = "eu-west-1"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::111111111111:role/acme-prod-config"
    }
  }
}

variables {
  name                 = "acme-prod"
  guardduty_enabled    = true
  finding_min_severity = 7
  alert_findings       = true
  alert_topic_arn      = "arn:aws:sns:eu-west-1:111111111111:acme-prod-alerts"
  config_enabled       = true
  config_bucket_name   = "acme-prod-audit-111111111111"
  kms_key_arn          = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000"
  security_hub_enabled = true
}

run "prod_everything_on" {
  command = plan

  assert {
    condition     = aws_guardduty_detector_feature.s3[0].name == "S3_DATA_EVENTS" && aws_guardduty_detector_feature.s3[0].status == "ENABLED"
    error_message = "S3 protection is on."
  }

  assert {
    condition     = aws_guardduty_detector_feature.runtime[0].status == "ENABLED" && one([for c in aws_guardduty_detector_feature.runtime[0].additional_configuration : c.name if c.status == "ENABLED"]) == "ECS_FARGATE_AGENT_MANAGEMENT"
    error_message = "Runtime monitoring manages the Fargate agent."
  }

  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.findings[0].event_pattern).detail.severity[0].numeric == [">=", 7] && aws_cloudwatch_event_target.findings[0].arn == var.alert_topic_arn
    error_message = "Findings of severity >= 7 go to the alert topic."
  }

  assert {
    condition = toset([for r in aws_config_config_rule.managed : r.source[0].source_identifier]) == toset([
      "ENCRYPTED_VOLUMES", "RDS_STORAGE_ENCRYPTED", "RDS_MULTI_AZ_SUPPORT", "S3_BUCKET_PUBLIC_READ_PROHIBITED",
      "CLOUD_TRAIL_ENABLED", "INCOMING_SSH_DISABLED",
    ])
    error_message = "The managed Config rules."
  }

  assert {
    condition     = aws_config_delivery_channel.this[0].s3_bucket_name == var.config_bucket_name && aws_config_configuration_recorder_status.this[0].is_enabled
    error_message = "Config delivers to the audit bucket and records."
  }

  assert {
    condition     = aws_securityhub_standards_subscription.fsbp[0].standards_arn == "arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/v/1.0.0"
    error_message = "Security Hub runs the Foundational Security Best Practices standard."
  }
}

run "dev_guardduty_only" {
  command = plan

  variables {
    config_enabled               = false
    config_bucket_name           = null
    security_hub_enabled         = false
    guardduty_runtime_monitoring = false
    alert_findings               = false
  }

  assert {
    condition     = length(aws_config_configuration_recorder.this) == 0 && length(aws_securityhub_account.this) == 0 && length(aws_cloudwatch_event_rule.findings) == 0
    error_message = "Only GuardDuty in dev."
  }

  assert {
    condition     = aws_guardduty_detector_feature.runtime[0].status == "DISABLED"
    error_message = "Runtime monitoring off."
  }
}

run "bad_severity" {
  command = plan

  variables {
    finding_min_severity = 9.5
  }

  expect_failures = [var.finding_min_severity]
}
