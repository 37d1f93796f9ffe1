output "scheduled_action_names" {
  description = "Names of the scheduled scaling actions, sorted."
  value       = sort([for a in aws_appautoscaling_scheduled_action.this : a.name])
}
