# Threat detection and compliance for one environment, each part switchable (turn a part off when
# the organisation runs it centrally through a delegated administrator):
# * GuardDuty: a detector with S3 protection and runtime monitoring of ECS on Fargate (agent
#   managed by GuardDuty), findings at or above a severity sent to the alert topic;
# * AWS Config: recorder, delivery to the audit bucket, and managed rules for encryption, database
#   availability, public buckets, CloudTrail and SSH exposure;
# * Security Hub with the AWS Foundational Security Best Practices standard.
# GuardDuty, the Config recorder and Security Hub are per account and region: one environment per
# account and region can own them.

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
  # checkov:skip=CKV2_AWS_3:the environment's account is a member account, not an AWS Organizations GuardDuty administrator; the detector is enabled here, organisation-wide auto-enable is the management account's setting
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

resource "aws_cloudwatch_event_rule" "findings" {
  count = var.guardduty_enabled && var.alert_findings ? 1 : 0

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
  count = length(aws_cloudwatch_event_rule.findings)

  rule      = aws_cloudwatch_event_rule.findings[0].name
  target_id = "alert-topic"
  arn       = var.alert_topic_arn
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

  name = "${var.name}-config"
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
      error_message = "AWS Config needs config_bucket_name (the audit bucket)."
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
