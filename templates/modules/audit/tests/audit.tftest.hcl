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

  mock_resource "aws_s3_bucket" {
    defaults = {
      arn = "arn:aws:s3:::acme-prod-audit-111111111111"
    }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:eu-west-1:111111111111:log-group:/aws/cloudtrail/acme-prod"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::111111111111:role/acme-prod-cloudtrail-logs"
    }
  }
}

variables {
  name                       = "acme-prod"
  bucket_name                = "acme-prod-audit-111111111111"
  kms_key_arn                = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000"
  transition_to_glacier_days = 90
  expiration_days            = 2557
  log_retention_days         = 365
  data_event_bucket_arns     = ["arn:aws:s3:::acme-prod-assets"]
  alarm_topic_arn            = "arn:aws:sns:eu-west-1:111111111111:acme-prod-alerts"
  config_delivery            = true
  access_log_bucket          = "acme-prod-logs-111111111111"
  access_log_prefix          = "s3-access/acme-prod-audit-111111111111/"
}

run "prod_trail" {
  command = apply

  assert {
    condition     = aws_cloudtrail.this.is_multi_region_trail && aws_cloudtrail.this.include_global_service_events && aws_cloudtrail.this.enable_log_file_validation
    error_message = "The trail must be multi-region, include global events and validate log files."
  }

  assert {
    condition     = aws_cloudtrail.this.kms_key_id == var.kms_key_arn
    error_message = "The trail must be encrypted with the customer key."
  }

  assert {
    condition     = aws_cloudtrail.this.cloud_watch_logs_group_arn == "arn:aws:logs:eu-west-1:111111111111:log-group:/aws/cloudtrail/acme-prod:*"
    error_message = "The trail must deliver to its log group."
  }

  assert {
    condition     = aws_cloudtrail.this.event_selector[0].include_management_events && aws_cloudtrail.this.event_selector[0].data_resource[0].values == tolist(["arn:aws:s3:::acme-prod-assets/"])
    error_message = "Management events always; data events of the assets bucket when asked."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.retention_in_days == 365 && aws_cloudwatch_log_group.this.kms_key_id == var.kms_key_arn
    error_message = "The log group is encrypted and keeps events for the retention asked."
  }

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.this.block_public_acls,
      aws_s3_bucket_public_access_block.this.block_public_policy,
      aws_s3_bucket_public_access_block.this.ignore_public_acls,
      aws_s3_bucket_public_access_block.this.restrict_public_buckets,
    ])
    error_message = "The audit bucket must block all public access."
  }

  assert {
    condition     = aws_s3_bucket_ownership_controls.this.rule[0].object_ownership == "BucketOwnerEnforced"
    error_message = "ACLs must be off."
  }

  assert {
    condition     = one([for r in aws_s3_bucket_lifecycle_configuration.this.rule : r.transition]) != null && aws_s3_bucket_lifecycle_configuration.this.rule[0].expiration[0].days == 2557
    error_message = "Log files must expire as asked."
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.cis) == 8 && alltrue([for a in aws_cloudwatch_metric_alarm.cis : a.alarm_actions == toset([var.alarm_topic_arn])])
    error_message = "Every CIS alarm must exist and notify the alert topic."
  }

  assert {
    condition = alltrue([for k in ["root-account-usage", "iam-policy-changes", "console-signin-without-mfa", "unauthorized-api-calls", "security-group-changes", "network-acl-changes", "kms-key-disable-or-deletion"] :
    contains(keys(aws_cloudwatch_log_metric_filter.cis), k)])
    error_message = "The CIS metric filters must cover root use, IAM, MFA, unauthorized calls, SGs, NACLs and KMS."
  }

  assert {
    condition     = strcontains(aws_s3_bucket_policy.this.policy, "cloudtrail.amazonaws.com") && strcontains(aws_s3_bucket_policy.this.policy, "bucket-owner-full-control") && strcontains(aws_s3_bucket_policy.this.policy, "arn:aws:cloudtrail:eu-west-1:111111111111:trail/acme-prod-trail") && strcontains(aws_s3_bucket_policy.this.policy, "config.amazonaws.com")
    error_message = "The bucket policy must let the trail (and Config) deliver."
  }
}

run "dev_trail_management_events_only" {
  command = plan

  variables {
    name                       = "acme-dev"
    bucket_name                = "acme-dev-audit-111111111111"
    transition_to_glacier_days = 30
    expiration_days            = 90
    log_retention_days         = 30
    data_event_bucket_arns     = []
    config_delivery            = false
    force_destroy              = true
  }

  assert {
    condition     = length(aws_cloudtrail.this.event_selector[0].data_resource) == 0
    error_message = "No data events in dev."
  }

  assert {
    condition     = !strcontains(aws_s3_bucket_policy.this.policy, "config.amazonaws.com")
    error_message = "Config is granted only when it delivers here."
  }
}

run "expiry_before_transition_is_refused" {
  command = plan

  variables {
    expiration_days = 60
  }

  expect_failures = [var.expiration_days]
}

run "unsupported_retention_is_refused" {
  command = plan

  variables {
    log_retention_days = 10
  }

  expect_failures = [var.log_retention_days]
}

run "trail_bucket_access_is_logged" {
  command = plan

  assert {
    condition     = aws_s3_bucket_logging.this.target_bucket == "acme-prod-logs-111111111111" && aws_s3_bucket_logging.this.target_prefix == "s3-access/acme-prod-audit-111111111111/"
    error_message = "the trail bucket's server access logs go to the log bucket below its own prefix"
  }
}

run "access_log_prefix_must_end_in_a_slash" {
  command = plan

  variables {
    access_log_prefix = "s3-access/acme-prod-audit"
  }

  expect_failures = [var.access_log_prefix]
}
