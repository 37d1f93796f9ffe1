# Optional, per event: raise chosen alarm thresholds for the event and restore them afterwards.
#
# One one-time EventBridge Scheduler schedule per (event boundary, alarm) calls CloudWatch
# PutMetricAlarm through the universal target with the alarm's complete definition (the monitoring
# unit's alarm_definitions output: PutMetricAlarm replaces the whole alarm) and the threshold
# multiplied by factor (divided, for alarms on a lower bound): "raise" schedules with the event's
# factor before it starts, "restore" schedules with factor 1 - the exact definition Terraform keeps -
# when it ends. The payloads are encrypted with the customer key; the role may call PutMetricAlarm on
# exactly the chosen alarms and nothing else.
#
# Drift, by design: while an event is on, the raised thresholds differ from the monitoring unit's
# configuration, so a plan of that unit shows them and an apply of it puts the normal thresholds back
# early. Apply monitoring outside event windows (as ecs, see main.tf); the restore schedule puts the
# normal definitions back at the end in any case, after which nothing drifts.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  threshold_alarms = toset([for s in values(var.threshold_schedules) : s.alarm])
}

resource "aws_scheduler_schedule_group" "thresholds" {
  count = length(var.threshold_schedules) > 0 ? 1 : 0

  name = var.schedule_group_name
}

resource "aws_iam_role" "thresholds" {
  count = length(var.threshold_schedules) > 0 ? 1 : 0

  name        = var.schedule_group_name
  description = "Lets EventBridge Scheduler re-put the alarms whose thresholds traffic events raise."
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "scheduler.amazonaws.com" }
      Action    = "sts:AssumeRole"
      # Scheduler presents its schedule group's ARN as aws:SourceArn (not the schedule's): AWS
      # documents scoping the trust to the group, never to a schedule name or prefix
      Condition = {
        StringEquals = {
          "aws:SourceAccount" = data.aws_caller_identity.current.account_id
          "aws:SourceArn"     = aws_scheduler_schedule_group.thresholds[0].arn
        }
      }
    }]
  })
}

resource "aws_iam_role_policy" "thresholds" {
  count = length(var.threshold_schedules) > 0 ? 1 : 0

  name = "put-event-alarms"
  role = aws_iam_role.thresholds[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "PutTheEventAlarmsOnly"
        Effect   = "Allow"
        Action   = ["cloudwatch:PutMetricAlarm"]
        Resource = sort([for key in local.threshold_alarms : var.alarm_arns[key]])
      },
      {
        Sid      = "DecryptSchedulePayloads"
        Effect   = "Allow"
        Action   = ["kms:Decrypt"]
        Resource = var.kms_key_arn
      },
    ]
  })
}

resource "aws_scheduler_schedule" "thresholds" {
  for_each = var.threshold_schedules

  name                         = each.key
  group_name                   = aws_scheduler_schedule_group.thresholds[0].name
  description                  = each.value.reason
  schedule_expression          = "at(${each.value.at})"
  schedule_expression_timezone = "UTC"
  kms_key_arn                  = var.kms_key_arn

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = "arn:${data.aws_partition.current.partition}:scheduler:::aws-sdk:cloudwatch:putMetricAlarm"
    role_arn = aws_iam_role.thresholds[0].arn
    input = jsonencode(merge(var.alarm_definitions[each.value.alarm], {
      Threshold = (startswith(var.alarm_definitions[each.value.alarm].ComparisonOperator, "Less")
        ? var.alarm_definitions[each.value.alarm].Threshold / each.value.factor
      : var.alarm_definitions[each.value.alarm].Threshold * each.value.factor)
    }))

    retry_policy {
      maximum_event_age_in_seconds = 3600
      maximum_retry_attempts       = 10
    }
  }

  depends_on = [aws_iam_role_policy.thresholds]
}
