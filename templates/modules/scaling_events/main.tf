# Each action sets the auto-scaling range of one service from a moment on: raised before an event,
# restored (or set to the next event's range) when it ends. The scalable targets belong to the ecs
# unit; these actions only change their min/max at the scheduled times, once each.
#
# Note: a later apply of the ecs unit while an event is on resets the range to the normal min/max
# (the scalable target's own arguments); apply ecs outside event windows.
resource "aws_appautoscaling_scheduled_action" "this" {
  for_each = var.actions

  name               = each.key
  service_namespace  = "ecs"
  resource_id        = "service/${var.cluster_name}/${var.service_names[each.value.service]}"
  scalable_dimension = "ecs:service:DesiredCount"
  schedule           = "at(${each.value.at})"
  timezone           = "UTC"

  scalable_target_action {
    min_capacity = each.value.min_tasks
    max_capacity = each.value.max_tasks
  }
}
