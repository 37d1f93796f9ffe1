# A feature-branch preview inside an existing environment: per service one task (desired count 1,
# image tagged by branch), its own target group, log group and roles, and a listener rule on the
# environment's HTTPS listener matching the preview host *and* the service's paths. The cluster, load
# balancer, subnets, security groups, database instance and cache are the environment's.

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  # id is the region name in provider 5 and 6 (name is deprecated in 6)
  region    = data.aws_region.current.id
  partition = data.aws_partition.current.partition

  tags = {
    preview-branch  = var.branch
    preview-expires = var.expires
  }

  database_environment = var.database == null ? {} : {
    DB_HOST = var.database.host
    DB_PORT = tostring(var.database.port)
    DB_NAME = var.database.name
  }
  # RDS-managed credentials (null under a mock provider): only interpolated inside a loop that is
  # empty while the ARN is null.
  database_secret_arn  = try(var.database.secret_arn, null)
  database_secret_keys = local.database_secret_arn == null ? [] : ["username", "password"]
  database_secrets = {
    for key in local.database_secret_keys : "DB_${upper(key)}" => "${local.database_secret_arn}:${key}::"
  }
  # The same cache connection as dev's services (see the ecs module): TLS only; IAM auth signs tokens
  # as REDIS_USER for the replication group, an AUTH token arrives as an ECS secret from SSM.
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
      mountPoints            = s.read_only_root_filesystem ? [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }] : []
      volumesFrom            = []
      linuxParameters        = { initProcessEnabled = true }
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

  kms_via_services = ["ssm.${local.region}.amazonaws.com", "secretsmanager.${local.region}.amazonaws.com"]

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

resource "aws_cloudwatch_log_group" "service" {
  for_each = var.services

  name              = each.value.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn

  tags = local.tags
}

resource "aws_iam_role" "execution" {
  for_each = var.services

  name        = each.value.execution_role_name
  description = "Lets ECS pull the image, write logs and read the secrets of the preview ${each.value.family}."
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

  tags = local.tags
}

resource "aws_iam_role_policy_attachment" "execution" {
  for_each = var.services

  role       = aws_iam_role.execution[each.key].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

resource "aws_iam_role_policy" "execution" {
  for_each = { for name, s in var.services : name => local.execution_statements[name] if length(s.secrets) > 0 || var.database != null || local.redis_mode == "auth_token" }

  name   = "read-secrets"
  role   = aws_iam_role.execution[each.key].id
  policy = jsonencode({ Version = "2012-10-17", Statement = each.value })
}

# The application's own role: no permissions (previews get no ECS Exec) beyond connecting to the cache.
resource "aws_iam_role" "task" {
  for_each = var.services

  name        = each.value.task_role_name
  description = "Role of the preview ${each.value.family} application containers."
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

  tags = local.tags
}

# IAM authentication to the cache: as exactly dev's application user, to exactly its replication group.
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

  tags = merge(local.tags, {
    Name = each.value.family
  })
}

resource "aws_ecs_service" "this" {
  for_each = var.services

  name                               = each.value.family
  cluster                            = var.cluster_arn
  task_definition                    = aws_ecs_task_definition.this[each.key].arn
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
    aws_iam_role_policy.execution,
    aws_iam_role_policy_attachment.execution,
  ]
}
