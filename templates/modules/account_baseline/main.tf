# The account baseline: what AWS allows ONCE per account and region (or once per account), created
# by exactly one environment of the whole estate, the owner (see `fgen accounts`). Every other
# environment in the account and region uses it; its own threat_detection unit still forwards the
# GuardDuty findings to its own alert topic.
#
# Why each resource is a singleton:
# * GuardDuty: one detector per account and region (CreateDetector fails when one exists).
# * Security Hub: enabling it is a per-account-and-region switch (aws_securityhub_account); a
#   standard is subscribed once per account and region.
# * AWS Config: one configuration recorder and one delivery channel per account and region; the
#   recorder status and the recorder's service role belong to them. The role's name carries the
#   region because IAM names are per account, not per region. Config rules are per account and
#   region too (they evaluate everything the recorder records).
# * ECR: the registry scanning configuration applies to every repository of the account in the
#   region (PutRegistryScanningConfiguration replaces it).
# * Cost Explorer: AWS allows one DIMENSIONAL (AWS services) anomaly monitor per account, and Cost
#   Explorer is global: only the baseline of the account's first region (in the owner rule) has it.

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.id
}

# --- GuardDuty ----------------------------------------------------------------------------------

resource "aws_guardduty_detector" "this" {
  # checkov:skip=CKV2_AWS_3:the account is a member account, not an AWS Organizations GuardDuty administrator; the detector is enabled here, organisation-wide auto-enable is the management account's setting
  count = var.guardduty_enabled ? 1 : 0

  enable                       = true
  finding_publishing_frequency = var.finding_publishing_frequency
}

resource "aws_guardduty_detector_feature" "s3" {
  count = var.guardduty_enabled ? 1 : 0

  detector_id = aws_guardduty_detector.this[0].id
  name        = "S3_DATA_EVENTS"
  status      = var.guardduty_s3_protection ? "ENABLED" : "DISABLED"
}

resource "aws_guardduty_detector_feature" "runtime" {
  count = var.guardduty_enabled ? 1 : 0

  detector_id = aws_guardduty_detector.this[0].id
  name        = "RUNTIME_MONITORING"
  status      = var.guardduty_runtime_monitoring ? "ENABLED" : "DISABLED"

  additional_configuration {
    name   = "ECS_FARGATE_AGENT_MANAGEMENT"
    status = var.guardduty_runtime_monitoring ? "ENABLED" : "DISABLED"
  }
}

# --- AWS Config ---------------------------------------------------------------------------------

locals {
  config_rules = {
    encrypted-volumes         = "ENCRYPTED_VOLUMES"
    rds-storage-encrypted     = "RDS_STORAGE_ENCRYPTED"
    rds-multi-az              = "RDS_MULTI_AZ_SUPPORT"
    s3-public-read-prohibited = "S3_BUCKET_PUBLIC_READ_PROHIBITED"
    cloudtrail-enabled        = "CLOUD_TRAIL_ENABLED"
    restricted-ssh            = "INCOMING_SSH_DISABLED"
  }
  config_bucket_arn = var.config_bucket_name == null ? null : "arn:${local.partition}:s3:::${var.config_bucket_name}"
}

resource "aws_iam_role" "config" {
  count = var.config_enabled ? 1 : 0

  name = "${var.name}-config-${local.region}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "config.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "config" {
  count = var.config_enabled ? 1 : 0

  role       = aws_iam_role.config[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AWS_ConfigRole"
}

resource "aws_iam_role_policy" "config_delivery" {
  count = var.config_enabled ? 1 : 0

  name = "deliver-to-audit-bucket"
  role = aws_iam_role.config[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Effect   = "Allow"
          Action   = ["s3:GetBucketAcl", "s3:ListBucket"]
          Resource = local.config_bucket_arn
        },
        {
          Effect    = "Allow"
          Action    = "s3:PutObject"
          Resource  = "${local.config_bucket_arn}/AWSLogs/${local.account_id}/Config/*"
          Condition = { StringEquals = { "s3:x-amz-acl" = "bucket-owner-full-control" } }
        },
      ],
      var.kms_key_arn == null ? [] : [
        {
          Effect   = "Allow"
          Action   = ["kms:GenerateDataKey", "kms:Decrypt"]
          Resource = var.kms_key_arn
        },
      ],
    )
  })

  lifecycle {
    precondition {
      condition     = var.config_bucket_name != null
      error_message = "AWS Config needs config_bucket_name (the owner's audit bucket)."
    }
  }
}

resource "aws_config_configuration_recorder" "this" {
  count = var.config_enabled ? 1 : 0

  name     = "${var.name}-recorder"
  role_arn = aws_iam_role.config[0].arn

  recording_group {
    all_supported                 = true
    include_global_resource_types = true
  }

  recording_mode {
    recording_frequency = var.config_recording_frequency
  }
}

resource "aws_config_delivery_channel" "this" {
  count = var.config_enabled ? 1 : 0

  name           = "${var.name}-delivery"
  s3_bucket_name = var.config_bucket_name
  s3_kms_key_arn = var.kms_key_arn

  depends_on = [aws_config_configuration_recorder.this, aws_iam_role_policy.config_delivery]
}

resource "aws_config_configuration_recorder_status" "this" {
  count = var.config_enabled ? 1 : 0

  name       = aws_config_configuration_recorder.this[0].name
  is_enabled = true

  depends_on = [aws_config_delivery_channel.this]
}

resource "aws_config_config_rule" "managed" {
  for_each = var.config_enabled ? local.config_rules : {}

  name = "${var.name}-${each.key}"

  source {
    owner             = "AWS"
    source_identifier = each.value
  }

  depends_on = [aws_config_configuration_recorder.this]
}

# --- Security Hub -------------------------------------------------------------------------------

resource "aws_securityhub_account" "this" {
  count = var.security_hub_enabled ? 1 : 0

  enable_default_standards  = false
  auto_enable_controls      = true
  control_finding_generator = "SECURITY_CONTROL"
}

resource "aws_securityhub_standards_subscription" "fsbp" {
  count = var.security_hub_enabled ? 1 : 0

  standards_arn = "arn:${local.partition}:securityhub:${local.region}::standards/aws-foundational-security-best-practices/v/1.0.0"

  depends_on = [aws_securityhub_account.this]
}

# --- ECR registry scanning ----------------------------------------------------------------------

# Every repository of the account in this region: continuous Amazon Inspector scanning instead of
# basic scan on push (which needs no registry configuration).
resource "aws_ecr_registry_scanning_configuration" "this" {
  count = var.ecr_enhanced_scanning ? 1 : 0

  scan_type = "ENHANCED"

  rule {
    scan_frequency = "CONTINUOUS_SCAN"

    repository_filter {
      filter      = "*"
      filter_type = "WILDCARD"
    }
  }
}

# The registry's one replication configuration: each rule copies the images pushed to repositories
# under its prefixes (<customer>/) to the same account's registry in every destination region, where
# ECR creates the repositories on first replication (warm standbys pull from there).
resource "aws_ecr_replication_configuration" "this" {
  count = length(var.ecr_replication_rules) > 0 ? 1 : 0

  replication_configuration {
    dynamic "rule" {
      for_each = var.ecr_replication_rules

      content {
        dynamic "destination" {
          for_each = rule.value.destination_regions

          content {
            region      = destination.value
            registry_id = data.aws_caller_identity.current.account_id
          }
        }

        dynamic "repository_filter" {
          for_each = rule.value.repository_prefixes

          content {
            filter      = repository_filter.value
            filter_type = "PREFIX_MATCH"
          }
        }
      }
    }
  }
}

# --- Cost Explorer: the account's AWS services anomaly monitor ---------------------------------

resource "aws_ce_anomaly_monitor" "services" {
  count = var.cost_anomaly_services_monitor != null ? 1 : 0

  name              = "${var.name}-services"
  monitor_type      = "DIMENSIONAL"
  monitor_dimension = "SERVICE"
}

# Email recipients get a daily summary (AWS allows IMMEDIATE only for SNS subscribers).
resource "aws_ce_anomaly_subscription" "services" {
  count = var.cost_anomaly_services_monitor != null ? 1 : 0

  name             = "${var.name}-services-anomalies"
  frequency        = "DAILY"
  monitor_arn_list = [aws_ce_anomaly_monitor.services[0].arn]

  dynamic "subscriber" {
    for_each = var.cost_anomaly_services_monitor.emails

    content {
      type    = "EMAIL"
      address = subscriber.value
    }
  }

  threshold_expression {
    dimension {
      key           = "ANOMALY_TOTAL_IMPACT_ABSOLUTE"
      match_options = ["GREATER_THAN_OR_EQUAL"]
      values        = [tostring(var.cost_anomaly_services_monitor.threshold_usd)]
    }
  }
}
