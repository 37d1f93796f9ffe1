# --- cluster -------------------------------------------------------------------------------------

# ECS Exec sessions (services with enable_execute_command) are encrypted with the customer key and
# logged to their own log group, encrypted with that key too: commands and output of every session,
# kept for log_retention_days. The configuration is there even while no service allows ECS Exec, so
# enabling it later can never open an unlogged session. With OVERRIDE the SSM agent in the task
# writes the session log with the task role (its ecs-exec policy grants this log group only).
resource "aws_cloudwatch_log_group" "exec" {
  name              = "/ecs-exec/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_ecs_cluster" "this" {
  # checkov:skip=CKV_AWS_65:containerInsights is var.container_insights, which checkov cannot resolve through the plain root's object variables; fgen validate --terraform asserts it equals the manifest's ecs.container_insights, which production may not set to disabled (a non-production environment that does lists the deviation in its checkov config)
  name = var.name

  setting {
    name  = "containerInsights"
    value = var.container_insights
  }

  configuration {
    execute_command_configuration {
      kms_key_id = var.kms_key_arn
      logging    = "OVERRIDE"

      log_configuration {
        cloud_watch_encryption_enabled = true
        cloud_watch_log_group_name     = aws_cloudwatch_log_group.exec.name
      }
    }
  }

  tags = {
    Name = var.name
  }
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
    base              = 0
  }
}

# --- per service ---------------------------------------------------------------------------------

# Task definition, log group, execution and task roles: the ecs_task module, which previews share.
module "task" {
  source = "../ecs_task"

  services                 = var.services
  kms_key_arn              = var.kms_key_arn
  log_retention_days       = var.log_retention_days
  ssm_parameter_arn_prefix = var.ssm_parameter_arn_prefix
  database                 = var.database
  redis                    = var.redis
  enable_execute_command   = var.enable_execute_command
  exec_log_group_arn       = aws_cloudwatch_log_group.exec.arn
}

# Rolling services: ECS replaces tasks itself and rolls back with the circuit breaker.
resource "aws_ecs_service" "this" {
  for_each = { for name, s in var.services : name => s if s.deployment == "rolling" }

  name                               = each.key
  cluster                            = aws_ecs_cluster.this.arn
  task_definition                    = module.task.task_definition_arns[each.key]
  desired_count                      = each.value.min_tasks
  platform_version                   = "LATEST"
  deployment_minimum_healthy_percent = var.deployment_minimum_healthy_percent
  deployment_maximum_percent         = var.deployment_maximum_percent
  health_check_grace_period_seconds  = each.value.health_check_grace_seconds
  enable_execute_command             = module.task.execute_command[each.key]
  enable_ecs_managed_tags            = true
  propagate_tags                     = "SERVICE"
  wait_for_steady_state              = false

  # No launch_type: the capacity provider strategy decides (the two may not be combined).
  capacity_provider_strategy {
    capacity_provider = each.value.spot ? "FARGATE_SPOT" : "FARGATE"
    weight            = 1
    base              = 0
  }

  deployment_controller {
    type = "ECS"
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [var.service_security_group_ids[each.key]]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = var.target_group_arns[each.key]
    container_name   = each.key
    container_port   = each.value.port
  }

  tags = {
    Name = each.value.family
  }

  # Auto-scaling owns the task count once the service exists.
  lifecycle {
    ignore_changes = [desired_count]
  }

  # the execution role's policies (in module.task) before the first task starts
  depends_on = [
    aws_ecs_cluster_capacity_providers.this,
    module.task,
  ]
}

# Blue/green services: CodeDeploy (the codedeploy unit) starts every release with an AppSpec and owns
# the task definition, the target group in use and, with auto-scaling, the task count afterwards.
# CodeDeploy refuses a deployment circuit breaker on such services.
resource "aws_ecs_service" "blue_green" {
  for_each = { for name, s in var.services : name => s if s.deployment == "blue_green" }

  name                               = each.key
  cluster                            = aws_ecs_cluster.this.arn
  task_definition                    = module.task.task_definition_arns[each.key]
  desired_count                      = each.value.min_tasks
  platform_version                   = "LATEST"
  deployment_minimum_healthy_percent = var.deployment_minimum_healthy_percent
  deployment_maximum_percent         = var.deployment_maximum_percent
  health_check_grace_period_seconds  = each.value.health_check_grace_seconds
  enable_execute_command             = module.task.execute_command[each.key]
  enable_ecs_managed_tags            = true
  propagate_tags                     = "SERVICE"
  wait_for_steady_state              = false

  capacity_provider_strategy {
    capacity_provider = each.value.spot ? "FARGATE_SPOT" : "FARGATE"
    weight            = 1
    base              = 0
  }

  deployment_controller {
    type = "CODE_DEPLOY"
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [var.service_security_group_ids[each.key]]
    assign_public_ip = false
  }

  # the blue target group at creation; CodeDeploy alternates blue and green with each release
  load_balancer {
    target_group_arn = var.target_group_arns[each.key]
    container_name   = each.key
    container_port   = each.value.port
  }

  tags = {
    Name = each.value.family
  }

  lifecycle {
    ignore_changes = [task_definition, load_balancer, desired_count]
  }

  # the execution role's policies (in module.task) before the first task starts
  depends_on = [
    aws_ecs_cluster_capacity_providers.this,
    module.task,
  ]
}

locals {
  service_names = merge(
    { for name, svc in aws_ecs_service.this : name => svc.name },
    { for name, svc in aws_ecs_service.blue_green : name => svc.name },
  )
}

# --- auto-scaling --------------------------------------------------------------------------------

resource "aws_appautoscaling_target" "this" {
  for_each = var.services

  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.this.name}/${local.service_names[each.key]}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = each.value.min_tasks
  max_capacity       = each.value.max_tasks
}

resource "aws_appautoscaling_policy" "cpu" {
  for_each = var.services

  name               = "${each.value.family}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[each.key].service_namespace
  resource_id        = aws_appautoscaling_target.this[each.key].resource_id
  scalable_dimension = aws_appautoscaling_target.this[each.key].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = each.value.autoscaling.cpu_target_percent
    scale_in_cooldown  = each.value.autoscaling.scale_in_cooldown_seconds
    scale_out_cooldown = each.value.autoscaling.scale_out_cooldown_seconds

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_policy" "memory" {
  for_each = var.services

  name               = "${each.value.family}-memory"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[each.key].service_namespace
  resource_id        = aws_appautoscaling_target.this[each.key].resource_id
  scalable_dimension = aws_appautoscaling_target.this[each.key].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = each.value.autoscaling.memory_target_percent
    scale_in_cooldown  = each.value.autoscaling.scale_in_cooldown_seconds
    scale_out_cooldown = each.value.autoscaling.scale_out_cooldown_seconds

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageMemoryUtilization"
    }
  }
}

resource "aws_appautoscaling_policy" "requests" {
  for_each = { for name, s in var.services : name => s if s.autoscaling.requests_per_target != null }

  name               = "${each.value.family}-requests"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[each.key].service_namespace
  resource_id        = aws_appautoscaling_target.this[each.key].resource_id
  scalable_dimension = aws_appautoscaling_target.this[each.key].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = each.value.autoscaling.requests_per_target
    scale_in_cooldown  = each.value.autoscaling.scale_in_cooldown_seconds
    scale_out_cooldown = each.value.autoscaling.scale_out_cooldown_seconds

    predefined_metric_specification {
      predefined_metric_type = "ALBRequestCountPerTarget"
      resource_label         = "${var.alb_arn_suffix}/${var.target_group_arn_suffixes[each.key]}"
    }
  }
}

# --- state of the resources that moved into ../ecs_task -------------------------------------------

moved {
  from = aws_cloudwatch_log_group.service
  to   = module.task.aws_cloudwatch_log_group.service
}

moved {
  from = aws_iam_role.execution
  to   = module.task.aws_iam_role.execution
}

moved {
  from = aws_iam_role_policy_attachment.execution
  to   = module.task.aws_iam_role_policy_attachment.execution
}

moved {
  from = aws_iam_role_policy.execution
  to   = module.task.aws_iam_role_policy.execution
}

moved {
  from = aws_iam_role.task
  to   = module.task.aws_iam_role.task
}

moved {
  from = aws_iam_role_policy.task_redis
  to   = module.task.aws_iam_role_policy.task_redis
}

moved {
  from = aws_iam_role_policy.task_exec
  to   = module.task.aws_iam_role_policy.task_exec
}

moved {
  from = aws_ecs_task_definition.this
  to   = module.task.aws_ecs_task_definition.this
}
