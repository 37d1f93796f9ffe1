output "scheduled_action_names" {
  description = "Names of the scheduled scaling actions, sorted."
  value       = sort([for a in aws_appautoscaling_scheduled_action.this : a.name])
}

output "threshold_schedule_names" {
  description = "Names of the one-time schedules that raise and restore alarm thresholds, sorted."
  value       = sort(keys(aws_scheduler_schedule.thresholds))
}
