data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  # id is the region name in provider 5 and 6 (name is deprecated in 6)
  region    = data.aws_region.current.id
  partition = data.aws_partition.current.partition

  # The SSM agent behind ECS Exec needs a writable root filesystem.
  exec = { for name, s in var.services : name => var.enable_execute_command && !s.read_only_root_filesystem }

  database_environment = var.database == null ? {} : {
    DB_HOST = var.database.host
    DB_PORT = tostring(var.database.port)
    DB_NAME = var.database.name
  }
  # RDS-managed credentials (null under a mock provider). HCL evaluates both arms of a
  # conditional, so the ARN is only interpolated inside a loop that is empty while it is null.
  database_secret_arn  = try(var.database.secret_arn, null)
  database_secret_keys = local.database_secret_arn == null ? [] : ["username", "password"]
  database_secrets = {
    for key in local.database_secret_keys : "DB_${upper(key)}" => "${local.database_secret_arn}:${key}::"
  }
  # The cache only accepts TLS. With IAM auth a client signs a short-lived token for the replication
  # group as REDIS_USER with the task role's credentials; with an AUTH token it reads REDIS_AUTH_TOKEN.
  redis_mode = try(var.redis.auth_mode, "none")
  redis_environment = var.redis == null ? {} : merge(
    {
      REDIS_HOST      = var.redis.host
      REDIS_PORT      = tostring(var.redis.port)
      REDIS_TLS       = "true"
      REDIS_AUTH_MODE = var.redis.auth_mode
    },
    local.redis_mode != "iam" ? {} : {
      REDIS_USER                 = var.redis.user_id
      REDIS_REPLICATION_GROUP_ID = var.redis.replication_group_id
    },
  )
  redis_token_parameter_arns = local.redis_mode == "auth_token" ? [var.redis.auth_token_parameter_arn] : []
  redis_secrets              = { for arn in local.redis_token_parameter_arns : "REDIS_AUTH_TOKEN" => arn }

  containers = {
    for name, s in var.services : name => {
      name      = name
      image     = "${s.image}:${s.image_tag}"
      essential = true
      portMappings = [{
        name          = "http"
        containerPort = s.port
        hostPort      = s.port
        protocol      = "tcp"
        appProtocol   = "http"
      }]
      environment            = [for key, value in merge(s.environment, local.database_environment, local.redis_environment) : { name = key, value = value }]
      secrets                = [for key, value in merge(s.secrets, local.database_secrets, local.redis_secrets) : { name = key, valueFrom = value }]
      readonlyRootFilesystem = s.read_only_root_filesystem
      # a read-only root still gets a writable, task-local /tmp
      mountPoints     = s.read_only_root_filesystem ? [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }] : []
      volumesFrom     = []
      linuxParameters = { initProcessEnabled = true }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.service[name].name
          awslogs-region        = local.region
          awslogs-stream-prefix = name
        }
      }
    }
  }

  # Only ECS tasks of this account may assume the roles (confused-deputy protection, as AWS documents
  # for task and task execution roles).
  ecs_tasks_assume_role = {
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
        ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:ecs:${local.region}:${local.account_id}:*" }
      }
    }]
  }

  kms_via_services = ["ssm.${local.region}.amazonaws.com", "secretsmanager.${local.region}.amazonaws.com"]

  # What each task's execution role must read to start it: its own SSM parameters, the database secret
  # and the cache's AUTH token parameter.
  execution_statements = {
    for name, s in var.services : name => concat(
      length(s.secrets) == 0 ? [] : [{
        Sid      = "ReadOwnParameters"
        Effect   = "Allow"
        Action   = ["ssm:GetParameters"]
        Resource = "${var.ssm_parameter_arn_prefix}/${name}/*"
      }],
      local.database_secret_arn == null ? [] : [{
        Sid      = "ReadDatabaseSecret"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue"]
        Resource = local.database_secret_arn
      }],
      [for arn in local.redis_token_parameter_arns : {
        Sid      = "ReadCacheAuthToken"
        Effect   = "Allow"
        Action   = ["ssm:GetParameters"]
        Resource = arn
      }],
      length(s.secrets) == 0 && var.database == null && local.redis_mode != "auth_token" ? [] : [{
        Sid       = "DecryptWithCustomerKey"
        Effect    = "Allow"
        Action    = ["kms:Decrypt"]
        Resource  = var.kms_key_arn
        Condition = { StringEquals = { "kms:ViaService" = local.kms_via_services } }
      }],
    )
  }
}

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

resource "aws_cloudwatch_log_group" "service" {
  for_each = var.services

  name              = each.value.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_iam_role" "execution" {
  for_each = var.services

  name               = each.value.execution_role_name
  description        = "Lets ECS pull the image, write logs and read the secrets of ${each.value.family}."
  assume_role_policy = jsonencode(local.ecs_tasks_assume_role)
}

resource "aws_iam_role_policy_attachment" "execution" {
  for_each = var.services

  role       = aws_iam_role.execution[each.key].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

resource "aws_iam_role_policy" "execution" {
  # keyed by what is known at plan time (the database secret ARN may not be)
  for_each = { for name, s in var.services : name => local.execution_statements[name] if length(s.secrets) > 0 || var.database != null || local.redis_mode == "auth_token" }

  name   = "read-secrets"
  role   = aws_iam_role.execution[each.key].id
  policy = jsonencode({ Version = "2012-10-17", Statement = each.value })
}

# The application's own role: only elasticache:Connect (IAM-authenticated cache) and ECS Exec's channels.
resource "aws_iam_role" "task" {
  for_each = var.services

  name        = each.value.task_role_name
  description = "Role of the ${each.value.family} application containers."
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
        ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:ecs:${local.region}:${local.account_id}:*" }
      }
    }]
  })
}

# IAM authentication to the cache: connect as exactly the application user, to exactly this
# replication group (ElastiCache checks both resources on every connection).
resource "aws_iam_role_policy" "task_redis" {
  for_each = local.redis_mode == "iam" ? var.services : {}

  name = "redis-connect"
  role = aws_iam_role.task[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "ConnectToCacheAsAppUser"
      Effect   = "Allow"
      Action   = ["elasticache:Connect"]
      Resource = [var.redis.replication_group_arn, var.redis.user_arn]
    }]
  })
}

resource "aws_iam_role_policy" "task_exec" {
  for_each = { for name, on in local.exec : name => name if on }

  name = "ecs-exec"
  role = aws_iam_role.task[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "SessionManagerChannels"
        Effect = "Allow"
        Action = [
          "ssmmessages:CreateControlChannel",
          "ssmmessages:CreateDataChannel",
          "ssmmessages:OpenControlChannel",
          "ssmmessages:OpenDataChannel",
        ]
        Resource = "*"
      },
      {
        Sid      = "DecryptSessions"
        Effect   = "Allow"
        Action   = ["kms:Decrypt"]
        Resource = var.kms_key_arn
      },
      {
        Sid      = "SessionLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
        Resource = "${aws_cloudwatch_log_group.exec.arn}:*"
      },
      {
        Sid      = "SessionLogGroups"
        Effect   = "Allow"
        Action   = ["logs:DescribeLogGroups"]
        Resource = "*"
      },
    ]
  })
}

resource "aws_ecs_task_definition" "this" {
  for_each = var.services

  family                   = each.value.family
  network_mode             = "awsvpc"
  requires_compatibilities = ["FARGATE"]
  cpu                      = tostring(each.value.cpu)
  memory                   = tostring(each.value.memory)
  execution_role_arn       = aws_iam_role.execution[each.key].arn
  task_role_arn            = aws_iam_role.task[each.key].arn
  container_definitions    = jsonencode([local.containers[each.key]])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  dynamic "volume" {
    for_each = each.value.read_only_root_filesystem ? ["tmp"] : []

    content {
      name = volume.value
    }
  }

  tags = {
    Name = each.value.family
  }
}

# Rolling services: ECS replaces tasks itself and rolls back with the circuit breaker.
resource "aws_ecs_service" "this" {
  for_each = { for name, s in var.services : name => s if s.deployment == "rolling" }

  name                               = each.key
  cluster                            = aws_ecs_cluster.this.arn
  task_definition                    = aws_ecs_task_definition.this[each.key].arn
  desired_count                      = each.value.min_tasks
  platform_version                   = "LATEST"
  deployment_minimum_healthy_percent = var.deployment_minimum_healthy_percent
  deployment_maximum_percent         = var.deployment_maximum_percent
  health_check_grace_period_seconds  = each.value.health_check_grace_seconds
  enable_execute_command             = local.exec[each.key]
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

  depends_on = [
    aws_ecs_cluster_capacity_providers.this,
    aws_iam_role_policy.execution,
    aws_iam_role_policy_attachment.execution,
  ]
}

# Blue/green services: CodeDeploy (the codedeploy unit) starts every release with an AppSpec and owns
# the task definition, the target group in use and, with auto-scaling, the task count afterwards.
# CodeDeploy refuses a deployment circuit breaker on such services.
resource "aws_ecs_service" "blue_green" {
  for_each = { for name, s in var.services : name => s if s.deployment == "blue_green" }

  name                               = each.key
  cluster                            = aws_ecs_cluster.this.arn
  task_definition                    = aws_ecs_task_definition.this[each.key].arn
  desired_count                      = each.value.min_tasks
  platform_version                   = "LATEST"
  deployment_minimum_healthy_percent = var.deployment_minimum_healthy_percent
  deployment_maximum_percent         = var.deployment_maximum_percent
  health_check_grace_period_seconds  = each.value.health_check_grace_seconds
  enable_execute_command             = local.exec[each.key]
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

  depends_on = [
    aws_ecs_cluster_capacity_providers.this,
    aws_iam_role_policy.execution,
    aws_iam_role_policy_attachment.execution,
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
