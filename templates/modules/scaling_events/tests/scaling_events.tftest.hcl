mock_provider "aws" {}

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
