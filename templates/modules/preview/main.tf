# A feature-branch preview inside an existing environment: per service one task (desired count 1,
# image tagged by branch), its own target group, log group and roles, and a listener rule on the
# environment's HTTPS listener matching the preview host *and* the service's paths. The cluster, load
# balancer, subnets, security groups, database instance and cache are the environment's.

locals {
  tags = {
    preview-branch  = var.branch
    preview-expires = var.expires
  }
}

# --- routing -------------------------------------------------------------------------------------

resource "aws_lb_target_group" "this" {
  # checkov:skip=CKV_AWS_378:TLS ends at the environment's ALB; ALB-to-task traffic stays in the VPC's private subnets, and the preview tasks' security group accepts it from the ALB's security group only
  for_each = var.services

  name                 = each.value.target_group_name
  vpc_id               = var.vpc_id
  target_type          = "ip"
  protocol             = "HTTP"
  protocol_version     = "HTTP1"
  port                 = each.value.port
  deregistration_delay = var.deregistration_delay

  health_check {
    enabled             = true
    protocol            = "HTTP"
    port                = "traffic-port"
    path                = each.value.health_check_path
    interval            = var.health_check.interval
    timeout             = var.health_check.timeout
    healthy_threshold   = var.health_check.healthy_threshold
    unhealthy_threshold = var.health_check.unhealthy_threshold
    matcher             = var.health_check.matcher
  }

  stickiness {
    type            = "lb_cookie"
    enabled         = each.value.stickiness
    cookie_duration = 86400
  }

  tags = merge(local.tags, {
    Name = each.value.target_group_name
  })

  lifecycle {
    create_before_destroy = true
  }
}

# Evaluated before the environment's own (path-only) rules: lower priorities.
resource "aws_lb_listener_rule" "this" {
  for_each = var.services

  listener_arn = var.listener_arn
  priority     = each.value.priority

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this[each.key].arn
  }

  condition {
    host_header {
      values = [var.host]
    }
  }

  condition {
    path_pattern {
      values = each.value.path_patterns
    }
  }

  tags = merge(local.tags, {
    Name = "${var.name}-${each.key}"
  })
}

# --- tasks ---------------------------------------------------------------------------------------

# Task definition, log group, execution and task roles as dev's own (the ecs_task module), tagged
# with the branch. The application's own role: no permissions (previews get no ECS Exec) beyond
# connecting to the cache, as exactly dev's application user, to exactly its replication group.
module "task" {
  source = "../ecs_task"

  services                 = var.services
  kms_key_arn              = var.kms_key_arn
  log_retention_days       = var.log_retention_days
  ssm_parameter_arn_prefix = var.ssm_parameter_arn_prefix
  database                 = var.database
  redis                    = var.redis
  description_qualifier    = "preview"
  tags                     = local.tags
}

resource "aws_ecs_service" "this" {
  for_each = var.services

  name                               = each.value.family
  cluster                            = var.cluster_arn
  task_definition                    = module.task.task_definition_arns[each.key]
  desired_count                      = 1
  platform_version                   = "LATEST"
  deployment_minimum_healthy_percent = 0
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = each.value.health_check_grace_seconds
  enable_execute_command             = false
  enable_ecs_managed_tags            = true
  propagate_tags                     = "SERVICE"
  wait_for_steady_state              = false

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
    target_group_arn = aws_lb_target_group.this[each.key].arn
    container_name   = each.key
    container_port   = each.value.port
  }

  tags = merge(local.tags, {
    Name = each.value.family
  })

  # ECS attaches a service only to a target group a listener rule uses.
  depends_on = [
    aws_lb_listener_rule.this,
    module.task,
  ]
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
  from = aws_ecs_task_definition.this
  to   = module.task.aws_ecs_task_definition.this
}
