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
      arn = "arn:aws:iam::111111111111:role/acme-prod-config-eu-west-1"
    }
  }

  mock_resource "aws_ce_anomaly_monitor" {
    defaults = {
      arn = "arn:aws:ce::111111111111:anomalymonitor/00000000-0000-0000-0000-000000000000"
    }
  }
}

variables {
  name                 = "acme-prod"
  guardduty_enabled    = true
  config_enabled       = true
  config_bucket_name   = "acme-prod-audit-111111111111"
  kms_key_arn          = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000"
  security_hub_enabled = true
}

run "everything_on" {
  command = plan

  variables {
    ecr_enhanced_scanning         = true
    cost_anomaly_services_monitor = { threshold_usd = 100, emails = ["ops@acme.example.com"] }
  }

  assert {
    condition     = aws_guardduty_detector_feature.s3[0].name == "S3_DATA_EVENTS" && aws_guardduty_detector_feature.s3[0].status == "ENABLED"
    error_message = "S3 protection is on."
  }

  assert {
    condition     = aws_guardduty_detector_feature.runtime[0].status == "ENABLED" && one([for c in aws_guardduty_detector_feature.runtime[0].additional_configuration : c.name if c.status == "ENABLED"]) == "ECS_FARGATE_AGENT_MANAGEMENT"
    error_message = "Runtime monitoring manages the Fargate agent."
  }

  assert {
    condition = toset([for r in aws_config_config_rule.managed : r.source[0].source_identifier]) == toset([
      "ENCRYPTED_VOLUMES", "RDS_STORAGE_ENCRYPTED", "RDS_MULTI_AZ_SUPPORT", "S3_BUCKET_PUBLIC_READ_PROHIBITED",
      "CLOUD_TRAIL_ENABLED", "INCOMING_SSH_DISABLED",
    ])
    error_message = "The managed Config rules."
  }

  assert {
    condition     = aws_config_delivery_channel.this[0].s3_bucket_name == var.config_bucket_name && aws_config_configuration_recorder_status.this[0].is_enabled && one(aws_config_configuration_recorder.this[0].recording_group).all_supported
    error_message = "Config records everything supported, delivers to the audit bucket and records."
  }

  assert {
    condition     = aws_iam_role.config[0].name == "acme-prod-config-eu-west-1"
    error_message = "The Config role's name carries the region (IAM is per account)."
  }

  assert {
    condition     = aws_securityhub_standards_subscription.fsbp[0].standards_arn == "arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/v/1.0.0"
    error_message = "Security Hub runs the Foundational Security Best Practices standard."
  }

  assert {
    condition     = aws_ecr_registry_scanning_configuration.this[0].scan_type == "ENHANCED" && output.ecr_scan_type == "ENHANCED"
    error_message = "Enhanced registry scanning."
  }

  assert {
    condition     = aws_ce_anomaly_monitor.services[0].monitor_type == "DIMENSIONAL" && aws_ce_anomaly_monitor.services[0].monitor_dimension == "SERVICE" && [for s in aws_ce_anomaly_subscription.services[0].subscriber : s.address] == ["ops@acme.example.com"]
    error_message = "The account's services monitor alerts the emails."
  }
}

run "guardduty_only" {
  command = plan

  variables {
    config_enabled               = false
    config_bucket_name           = null
    kms_key_arn                  = null
    security_hub_enabled         = false
    guardduty_runtime_monitoring = false
  }

  assert {
    condition     = length(aws_config_configuration_recorder.this) == 0 && length(aws_iam_role.config) == 0 && length(aws_securityhub_account.this) == 0 && length(aws_ecr_registry_scanning_configuration.this) == 0 && length(aws_ce_anomaly_monitor.services) == 0
    error_message = "Only GuardDuty."
  }

  assert {
    condition     = aws_guardduty_detector_feature.runtime[0].status == "DISABLED"
    error_message = "Runtime monitoring off."
  }
}

run "too_many_anomaly_emails" {
  command = plan

  variables {
    cost_anomaly_services_monitor = { threshold_usd = 10, emails = [for i in range(11) : "ops${i}@acme.example.com"] }
  }

  expect_failures = [var.cost_anomaly_services_monitor]
}

run "name_too_long_for_iam" {
  command = plan

  variables {
    name = "a-very-long-customer-name-with-a-long-env"
  }

  expect_failures = [var.name]
}

run "ecr_replication" {
  command = plan

  variables {
    ecr_replication_rules = [
      { destination_regions = ["eu-central-1"], repository_prefixes = ["acme/", "globex/"] },
      { destination_regions = ["eu-central-1", "us-east-1"], repository_prefixes = ["initech/"] },
    ]
  }

  assert {
    condition     = length(aws_ecr_replication_configuration.this) == 1 && length(one(aws_ecr_replication_configuration.this[0].replication_configuration).rule) == 2
    error_message = "One replication configuration for the registry, one rule per set of destination regions."
  }

  assert {
    condition = alltrue([
      for rule in one(aws_ecr_replication_configuration.this[0].replication_configuration).rule : alltrue(concat(
        [for d in rule.destination : d.registry_id == "111111111111"],
        [for f in rule.repository_filter : f.filter_type == "PREFIX_MATCH"],
      ))
    ])
    error_message = "Replication stays in this account, by repository prefix."
  }

  assert {
    condition     = jsonencode(output.ecr_replication_destinations) == jsonencode({ "acme/" = ["eu-central-1"], "globex/" = ["eu-central-1"], "initech/" = ["eu-central-1", "us-east-1"] })
    error_message = "The output maps each prefix to its destination regions."
  }
}

run "no_ecr_replication_by_default" {
  command = plan

  assert {
    condition     = length(aws_ecr_replication_configuration.this) == 0 && length(output.ecr_replication_destinations) == 0
    error_message = "No replication configuration without rules."
  }
}

run "ecr_replication_prefix_must_be_a_namespace" {
  command = plan

  variables {
    ecr_replication_rules = [{ destination_regions = ["eu-central-1"], repository_prefixes = ["acme"] }]
  }

  expect_failures = [var.ecr_replication_rules]
}

run "ecr_replication_too_many_rules" {
  command = plan

  variables {
    ecr_replication_rules = [for i in range(11) : { destination_regions = ["eu-central-1"], repository_prefixes = ["c${i}/"] }]
  }

  expect_failures = [var.ecr_replication_rules]
}
