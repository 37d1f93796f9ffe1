# The Fargate task of each service, shared by the ecs module (the environment's services) and the
# preview module (a branch's services in dev): task definition, container definition, log group,
# execution role (image, logs, the secrets it hands to the container) and task role (the cache, and
# ECS Exec where enabled). The services themselves, which differ, stay with the callers.

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  # id is the region name in provider 5 and 6 (name is deprecated in 6)
  region    = data.aws_region.current.id
  partition = data.aws_partition.current.partition

  # "of the preview <family>" / "of <family>"
  described = { for name, s in var.services : name => var.description_qualifier == null ? s.family : "the ${var.description_qualifier} ${s.family}" }

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

resource "aws_cloudwatch_log_group" "service" {
  for_each = var.services

  name              = each.value.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn

  tags = var.tags
}

resource "aws_iam_role" "execution" {
  for_each = var.services

  name               = each.value.execution_role_name
  description        = "Lets ECS pull the image, write logs and read the secrets of ${local.described[each.key]}."
  assume_role_policy = jsonencode(local.ecs_tasks_assume_role)

  tags = var.tags
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

  name               = each.value.task_role_name
  description        = "Role of ${var.description_qualifier == null ? "the" : "the ${var.description_qualifier}"} ${each.value.family} application containers."
  assume_role_policy = jsonencode(local.ecs_tasks_assume_role)

  tags = var.tags
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
        Resource = "${var.exec_log_group_arn}:*"
      },
      {
        Sid      = "SessionLogGroups"
        Effect   = "Allow"
        Action   = ["logs:DescribeLogGroups"]
        Resource = "*"
      },
    ]
  })

  lifecycle {
    precondition {
      condition     = var.exec_log_group_arn != null
      error_message = "ECS Exec needs exec_log_group_arn (the cluster's session log group)."
    }
  }
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

  tags = merge(var.tags, {
    Name = each.value.family
  })
}
