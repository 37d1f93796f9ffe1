mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111111111111"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::111111111111:role/acme-prod-event-alarms"
    }
  }
}

variables {
  cluster_name  = "acme-prod"
  service_names = { auth = "auth", realtime = "realtime" }
  actions = {
    "acme-prod-auth-final-start"     = { service = "auth", at = "2030-05-30T17:00:00", min_tasks = 9, max_tasks = 36, reason = "final-start" }
    "acme-prod-auth-final-end"       = { service = "auth", at = "2030-05-30T23:00:00", min_tasks = 3, max_tasks = 12, reason = "final-end" }
    "acme-prod-realtime-final-start" = { service = "realtime", at = "2030-05-30T17:00:00", min_tasks = 20, max_tasks = 20, reason = "final-start" }
    "acme-prod-realtime-final-end"   = { service = "realtime", at = "2030-05-30T23:00:00", min_tasks = 3, max_tasks = 12, reason = "final-end" }
  }
}

run "raise_and_restore" {
  command = plan

  assert {
    condition     = aws_appautoscaling_scheduled_action.this["acme-prod-auth-final-start"].schedule == "at(2030-05-30T17:00:00)"
    error_message = "The raise happens at the scheduled time."
  }

  assert {
    condition     = aws_appautoscaling_scheduled_action.this["acme-prod-auth-final-start"].resource_id == "service/acme-prod/auth"
    error_message = "Actions target the service's scalable target."
  }

  assert {
    condition     = aws_appautoscaling_scheduled_action.this["acme-prod-auth-final-start"].scalable_target_action[0].min_capacity == "9" && aws_appautoscaling_scheduled_action.this["acme-prod-auth-final-end"].scalable_target_action[0].max_capacity == "12"
    error_message = "The raise sets the event range and the end restores the normal one."
  }

  assert {
    condition     = alltrue([for a in aws_appautoscaling_scheduled_action.this : a.timezone == "UTC" && a.scalable_dimension == "ecs:service:DesiredCount"])
    error_message = "Times are UTC; the desired count is scaled."
  }
}

run "names_output" {
  command = apply

  assert {
    condition     = output.scheduled_action_names == sort(keys(var.actions))
    error_message = "scheduled_action_names lists every action."
  }
}

run "rejects_min_above_max" {
  command = plan

  variables {
    actions = {
      "bad" = { service = "auth", at = "2030-05-30T17:00:00", min_tasks = 10, max_tasks = 5, reason = "x-start" }
    }
  }

  expect_failures = [var.actions]
}

run "rejects_local_time_with_offset" {
  command = plan

  variables {
    actions = {
      "bad" = { service = "auth", at = "2030-05-30T17:00:00+02:00", min_tasks = 1, max_tasks = 5, reason = "x-start" }
    }
  }

  expect_failures = [var.actions]
}

run "no_threshold_changes_by_default" {
  command = plan

  assert {
    condition     = length(aws_scheduler_schedule.thresholds) == 0 && length(aws_iam_role.thresholds) == 0 && length(aws_scheduler_schedule_group.thresholds) == 0
    error_message = "Without threshold schedules nothing but the scaling actions exists."
  }
}

run "raise_and_restore_thresholds" {
  command = apply

  variables {
    schedule_group_name = "acme-prod-event-alarms"
    kms_key_arn         = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000"
    alarm_arns = {
      "alb-p95-latency"    = "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:acme-prod-alb-p95-latency"
      "redis-001-hit-rate" = "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:acme-prod-redis-001-hit-rate"
      "rds-cpu"            = "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:acme-prod-rds-cpu"
    }
    alarm_definitions = {
      "alb-p95-latency" = {
        AlarmName          = "acme-prod-alb-p95-latency"
        AlarmDescription   = "p95"
        ActionsEnabled     = true
        AlarmActions       = ["arn:aws:sns:eu-west-1:111111111111:acme-prod-alerts"]
        OKActions          = ["arn:aws:sns:eu-west-1:111111111111:acme-prod-alerts"]
        Namespace          = "AWS/ApplicationELB"
        MetricName         = "TargetResponseTime"
        Dimensions         = [{ Name = "LoadBalancer", Value = "app/acme-prod/0123456789abcdef" }]
        ExtendedStatistic  = "p95"
        Period             = 60
        EvaluationPeriods  = 5
        DatapointsToAlarm  = 3
        ComparisonOperator = "GreaterThanThreshold"
        Threshold          = 0.5
        TreatMissingData   = "notBreaching"
      }
      "redis-001-hit-rate" = {
        AlarmName          = "acme-prod-redis-001-hit-rate"
        AlarmDescription   = "hit rate"
        ActionsEnabled     = true
        AlarmActions       = ["arn:aws:sns:eu-west-1:111111111111:acme-prod-alerts"]
        OKActions          = ["arn:aws:sns:eu-west-1:111111111111:acme-prod-alerts"]
        EvaluationPeriods  = 5
        DatapointsToAlarm  = 3
        ComparisonOperator = "LessThanThreshold"
        Threshold          = 80
        TreatMissingData   = "notBreaching"
        Metrics            = [{ Id = "result", Expression = "100 * hits / (hits + misses)", Label = "Hit rate %", ReturnData = true }]
      }
      "rds-cpu" = {
        AlarmName          = "acme-prod-rds-cpu"
        ComparisonOperator = "GreaterThanThreshold"
        Threshold          = 80
      }
    }
    threshold_schedules = {
      "final-raise-alb-p95-latency"      = { at = "2030-05-30T17:00:00", alarm = "alb-p95-latency", factor = 2, reason = "final-raise" }
      "final-restore-alb-p95-latency"    = { at = "2030-05-30T23:00:00", alarm = "alb-p95-latency", factor = 1, reason = "final-restore" }
      "final-raise-redis-001-hit-rate"   = { at = "2030-05-30T17:00:00", alarm = "redis-001-hit-rate", factor = 2, reason = "final-raise" }
      "final-restore-redis-001-hit-rate" = { at = "2030-05-30T23:00:00", alarm = "redis-001-hit-rate", factor = 1, reason = "final-restore" }
    }
  }

  assert {
    condition = (
      aws_scheduler_schedule.thresholds["final-raise-alb-p95-latency"].schedule_expression == "at(2030-05-30T17:00:00)" &&
      aws_scheduler_schedule.thresholds["final-raise-alb-p95-latency"].schedule_expression_timezone == "UTC" &&
      aws_scheduler_schedule.thresholds["final-raise-alb-p95-latency"].flexible_time_window[0].mode == "OFF" &&
      aws_scheduler_schedule.thresholds["final-raise-alb-p95-latency"].group_name == "acme-prod-event-alarms"
    )
    error_message = "One-time schedules at the event boundary, UTC, no flexible window, in the environment's group."
  }

  assert {
    condition     = alltrue([for s in aws_scheduler_schedule.thresholds : s.target[0].arn == "arn:aws:scheduler:::aws-sdk:cloudwatch:putMetricAlarm" && s.kms_key_arn == var.kms_key_arn && s.target[0].role_arn == aws_iam_role.thresholds[0].arn])
    error_message = "Every schedule calls PutMetricAlarm through the universal target with the role, payload encrypted."
  }

  assert {
    condition     = jsondecode(aws_scheduler_schedule.thresholds["final-raise-alb-p95-latency"].target[0].input) == merge(var.alarm_definitions["alb-p95-latency"], { Threshold = 1 })
    error_message = "The raise re-puts the complete definition with the threshold doubled."
  }

  assert {
    condition     = jsondecode(aws_scheduler_schedule.thresholds["final-restore-alb-p95-latency"].target[0].input) == var.alarm_definitions["alb-p95-latency"]
    error_message = "The restore re-puts the original definition."
  }

  assert {
    condition     = jsondecode(aws_scheduler_schedule.thresholds["final-raise-redis-001-hit-rate"].target[0].input).Threshold == 40
    error_message = "A lower-bound alarm is loosened by dividing its threshold."
  }

  assert {
    condition = jsondecode(aws_iam_role_policy.thresholds[0].policy).Statement[0] == {
      Sid      = "PutTheEventAlarmsOnly"
      Effect   = "Allow"
      Action   = ["cloudwatch:PutMetricAlarm"]
      Resource = ["arn:aws:cloudwatch:eu-west-1:111111111111:alarm:acme-prod-alb-p95-latency", "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:acme-prod-redis-001-hit-rate"]
    }
    error_message = "The role may put exactly the chosen alarms (not rds-cpu, not every alarm)."
  }

  assert {
    condition     = jsondecode(aws_iam_role.thresholds[0].assume_role_policy).Statement[0].Principal.Service == "scheduler.amazonaws.com" && jsondecode(aws_iam_role.thresholds[0].assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "111111111111"
    error_message = "Only EventBridge Scheduler of this account assumes the role."
  }

  assert {
    condition     = output.threshold_schedule_names == sort(keys(var.threshold_schedules))
    error_message = "threshold_schedule_names lists every schedule."
  }
}

run "thresholds_need_a_key" {
  command = plan

  variables {
    schedule_group_name = "acme-prod-event-alarms"
    threshold_schedules = {
      "x" = { at = "2030-05-30T17:00:00", alarm = "rds-cpu", factor = 2, reason = "final-raise" }
    }
  }

  expect_failures = [var.threshold_schedules]
}

run "unknown_alarm_is_refused" {
  command = plan

  variables {
    schedule_group_name = "acme-prod-event-alarms"
    kms_key_arn         = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000"
    alarm_arns          = { "rds-cpu" = "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:acme-prod-rds-cpu" }
    alarm_definitions   = { "rds-cpu" = { AlarmName = "acme-prod-rds-cpu", ComparisonOperator = "GreaterThanThreshold", Threshold = 80 } }
    threshold_schedules = {
      "x" = { at = "2030-05-30T17:00:00", alarm = "rds-cpu", factor = 2, reason = "final-raise" }
      "y" = { at = "2030-05-30T17:00:00", alarm = "rds-cpuu", factor = 2, reason = "final-raise" }
    }
  }

  expect_failures = [var.threshold_schedules]
}
