mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111111111111"
    }
  }

  mock_data "aws_region" {
    defaults = {
      id   = "eu-west-1"
      name = "eu-west-1"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::111111111111:role/mock"
    }
  }

  mock_resource "aws_ecs_task_definition" {
    defaults = {
      arn = "arn:aws:ecs:eu-west-1:111111111111:task-definition/mock:1"
    }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:eu-west-1:111111111111:log-group:/ecs/mock"
    }
  }
}

variables {
  kms_key_arn              = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000"
  log_retention_days       = 14
  enable_execute_command   = true
  exec_log_group_arn       = "arn:aws:logs:eu-west-1:111111111111:log-group:/ecs-exec/acme-dev"
  ssm_parameter_arn_prefix = "arn:aws:ssm:eu-west-1:111111111111:parameter/acme/dev"
  database = {
    host       = "acme-dev.abcdefghijkl.eu-west-1.rds.amazonaws.com"
    port       = 5432
    name       = "game"
    secret_arn = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!db-0000-AbCdEf"
  }
  redis = {
    host                  = "master.acme-dev.abcdef.euw1.cache.amazonaws.com"
    port                  = 6379
    auth_mode             = "iam"
    replication_group_id  = "acme-dev"
    replication_group_arn = "arn:aws:elasticache:eu-west-1:111111111111:replicationgroup:acme-dev"
    user_id               = "acme-dev-app"
    user_arn              = "arn:aws:elasticache:eu-west-1:111111111111:user:acme-dev-app"
  }
  services = {
    auth = {
      family                    = "acme-dev-auth"
      task_role_name            = "acme-dev-auth-task"
      execution_role_name       = "acme-dev-auth-execution"
      log_group_name            = "/ecs/acme-dev/auth"
      image                     = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/acme/auth"
      image_tag                 = "1.2.3"
      port                      = 8080
      cpu                       = 256
      memory                    = 512
      read_only_root_filesystem = true
      environment               = { LOG_LEVEL = "debug" }
      secrets                   = { JWT_KEY = "arn:aws:ssm:eu-west-1:111111111111:parameter/acme/dev/auth/jwt-key" }
    }
    realtime = {
      family                    = "acme-dev-realtime"
      task_role_name            = "acme-dev-realtime-task"
      execution_role_name       = "acme-dev-realtime-execution"
      log_group_name            = "/ecs/acme-dev/realtime"
      image                     = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/acme/realtime"
      image_tag                 = "1.2.3"
      port                      = 9000
      cpu                       = 512
      memory                    = 1024
      read_only_root_filesystem = false
      environment               = {}
      secrets                   = {}
    }
  }
}

run "dev_like" {
  command = plan

  assert {
    condition     = aws_ecs_task_definition.this["auth"].network_mode == "awsvpc" && toset(aws_ecs_task_definition.this["auth"].requires_compatibilities) == toset(["FARGATE"]) && aws_ecs_task_definition.this["auth"].family == "acme-dev-auth"
    error_message = "Fargate task definitions in awsvpc mode"
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this["auth"].container_definitions)[0].image == "111111111111.dkr.ecr.eu-west-1.amazonaws.com/acme/auth:1.2.3"
    error_message = "the image is repository:tag"
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this["auth"].container_definitions)[0].readonlyRootFilesystem
    error_message = "read-only root filesystem follows the service"
  }

  assert {
    condition = { for e in jsondecode(aws_ecs_task_definition.this["auth"].container_definitions)[0].environment : e.name => e.value } == {
      LOG_LEVEL                  = "debug"
      DB_HOST                    = "acme-dev.abcdefghijkl.eu-west-1.rds.amazonaws.com"
      DB_PORT                    = "5432"
      DB_NAME                    = "game"
      REDIS_HOST                 = "master.acme-dev.abcdef.euw1.cache.amazonaws.com"
      REDIS_PORT                 = "6379"
      REDIS_TLS                  = "true"
      REDIS_AUTH_MODE            = "iam"
      REDIS_USER                 = "acme-dev-app"
      REDIS_REPLICATION_GROUP_ID = "acme-dev"
    }
    error_message = "plain variables plus the database endpoint and the cache's endpoint, TLS, IAM user and replication group"
  }

  assert {
    condition = alltrue([for name in ["auth", "realtime"] : jsondecode(aws_iam_role_policy.task_redis[name].policy).Statement == [{
      Sid      = "ConnectToCacheAsAppUser"
      Effect   = "Allow"
      Action   = ["elasticache:Connect"]
      Resource = ["arn:aws:elasticache:eu-west-1:111111111111:replicationgroup:acme-dev", "arn:aws:elasticache:eu-west-1:111111111111:user:acme-dev-app"]
    }]])
    error_message = "every task role may connect to exactly the cache's replication group as exactly the app user"
  }

  assert {
    condition     = length([for e in jsondecode(aws_ecs_task_definition.this["auth"].container_definitions)[0].secrets : e if e.name == "REDIS_AUTH_TOKEN"]) == 0
    error_message = "no AUTH token with IAM authentication"
  }

  assert {
    condition = { for e in jsondecode(aws_ecs_task_definition.this["auth"].container_definitions)[0].secrets : e.name => e.valueFrom } == {
      JWT_KEY     = "arn:aws:ssm:eu-west-1:111111111111:parameter/acme/dev/auth/jwt-key"
      DB_USERNAME = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!db-0000-AbCdEf:username::"
      DB_PASSWORD = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!db-0000-AbCdEf:password::"
    }
    error_message = "secrets come from SSM and the RDS-managed secret"
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this["auth"].container_definitions)[0].logConfiguration.options["awslogs-group"] == "/ecs/acme-dev/auth"
    error_message = "each service logs to its own group"
  }

  assert {
    condition     = aws_cloudwatch_log_group.service["auth"].retention_in_days == 14 && aws_cloudwatch_log_group.service["auth"].kms_key_id == "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000"
    error_message = "log groups are encrypted and expire"
  }

  assert {
    condition     = one([for s in jsondecode(aws_iam_role_policy.execution["auth"].policy).Statement : s.Resource if s.Sid == "ReadOwnParameters"]) == "arn:aws:ssm:eu-west-1:111111111111:parameter/acme/dev/auth/*"
    error_message = "the execution role reads only the service's own parameters"
  }

  assert {
    condition     = one([for s in jsondecode(aws_iam_role_policy.execution["realtime"].policy).Statement : s.Resource if s.Sid == "ReadDatabaseSecret"]) == "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!db-0000-AbCdEf"
    error_message = "the execution role reads only the database secret"
  }

  assert {
    condition     = length([for s in jsondecode(aws_iam_role_policy.execution["realtime"].policy).Statement : s if s.Sid == "ReadOwnParameters"]) == 0
    error_message = "no SSM access for a service without secrets"
  }

  assert {
    condition     = aws_iam_role_policy_attachment.execution["auth"].policy_arn == "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
    error_message = "the execution role has the ECS task execution managed policy"
  }

  assert {
    condition     = keys(aws_iam_role_policy.task_exec) == ["realtime"]
    error_message = "only task roles of ECS Exec services get permissions"
  }

  assert {
    condition     = one([for s in jsondecode(aws_iam_role_policy.task_exec["realtime"].policy).Statement : s.Resource if s.Sid == "SessionLogs"]) == "${var.exec_log_group_arn}:*"
    error_message = "the task role writes ECS Exec session logs to the cluster's exec log group only"
  }

  assert {
    condition     = output.execute_command == { auth = false, realtime = true }
    error_message = "the services learn which of them may enable ECS Exec"
  }

  assert {
    condition     = aws_iam_role.execution["auth"].description == "Lets ECS pull the image, write logs and read the secrets of acme-dev-auth." && aws_iam_role.task["auth"].description == "Role of the acme-dev-auth application containers."
    error_message = "the roles say whose tasks they serve"
  }

  assert {
    condition     = aws_iam_role.task["auth"].tags == null && aws_ecs_task_definition.this["auth"].tags == tomap({ Name = "acme-dev-auth" })
    error_message = "without tags only the task definition's Name"
  }

  assert {
    condition     = jsondecode(aws_iam_role.task["auth"].assume_role_policy) == jsondecode(aws_iam_role.execution["auth"].assume_role_policy) && jsondecode(aws_iam_role.task["auth"].assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "111111111111"
    error_message = "only ECS tasks of this account may assume either role"
  }
}

run "prod_like_no_data_stores" {
  command = plan

  variables {
    enable_execute_command = false
    database               = null
    redis                  = null
  }

  assert {
    condition     = length(aws_iam_role_policy.task_exec) == 0 && !anytrue(values(output.execute_command))
    error_message = "no ECS Exec in production"
  }

  assert {
    condition     = length(aws_iam_role_policy.task_redis) == 0
    error_message = "no cache permission without a cache"
  }

  assert {
    condition     = keys(aws_iam_role_policy.execution) == ["auth"]
    error_message = "without secrets or a database an execution role needs no inline policy"
  }

  assert {
    condition     = length([for e in jsondecode(aws_ecs_task_definition.this["auth"].container_definitions)[0].environment : e if startswith(e.name, "DB_") || startswith(e.name, "REDIS_")]) == 0
    error_message = "no database variables without a database"
  }
}

run "database_without_managed_secret" {
  command = plan

  variables {
    database = {
      host       = "acme-dev.abcdefghijkl.eu-west-1.rds.amazonaws.com"
      port       = 5432
      name       = "game"
      secret_arn = null
    }
  }

  assert {
    condition     = length([for e in jsondecode(aws_ecs_task_definition.this["realtime"].container_definitions)[0].secrets : e if startswith(e.name, "DB_")]) == 0
    error_message = "no credential secrets without an RDS-managed secret"
  }

  assert {
    condition     = length([for s in jsondecode(aws_iam_role_policy.execution["realtime"].policy).Statement : s if s.Sid == "ReadDatabaseSecret"]) == 0
    error_message = "no Secrets Manager access without a secret"
  }
}

run "redis_auth_token" {
  command = plan

  variables {
    redis = {
      host                     = "master.acme-dev.abcdef.euw1.cache.amazonaws.com"
      port                     = 6379
      auth_mode                = "auth_token"
      auth_token_parameter_arn = "arn:aws:ssm:eu-west-1:111111111111:parameter/acme/dev/redis/auth-token"
    }
  }

  assert {
    condition     = { for e in jsondecode(aws_ecs_task_definition.this["realtime"].container_definitions)[0].secrets : e.name => e.valueFrom if e.name == "REDIS_AUTH_TOKEN" } == { REDIS_AUTH_TOKEN = "arn:aws:ssm:eu-west-1:111111111111:parameter/acme/dev/redis/auth-token" }
    error_message = "the AUTH token reaches the containers as an ECS secret from SSM"
  }

  assert {
    condition     = length([for e in jsondecode(aws_ecs_task_definition.this["realtime"].container_definitions)[0].environment : e if contains(["REDIS_AUTH_TOKEN", "REDIS_USER"], e.name)]) == 0 && one([for e in jsondecode(aws_ecs_task_definition.this["realtime"].container_definitions)[0].environment : e.value if e.name == "REDIS_AUTH_MODE"]) == "auth_token"
    error_message = "the token is never a plain variable; no IAM user in auth_token mode"
  }

  assert {
    condition     = one([for s in jsondecode(aws_iam_role_policy.execution["realtime"].policy).Statement : s.Resource if s.Sid == "ReadCacheAuthToken"]) == "arn:aws:ssm:eu-west-1:111111111111:parameter/acme/dev/redis/auth-token"
    error_message = "the execution role reads exactly the token parameter"
  }

  assert {
    condition     = length(aws_iam_role_policy.task_redis) == 0
    error_message = "no elasticache:Connect without IAM authentication"
  }
}

run "redis_iam_needs_the_user" {
  command = plan

  variables {
    redis = {
      host      = "master.acme-dev.abcdef.euw1.cache.amazonaws.com"
      port      = 6379
      auth_mode = "iam"
    }
  }

  expect_failures = [var.redis]
}


run "redis_token_must_be_a_parameter_arn" {
  command = plan

  variables {
    redis = {
      host                     = "master.acme-dev.abcdef.euw1.cache.amazonaws.com"
      port                     = 6379
      auth_mode                = "auth_token"
      auth_token_parameter_arn = "not-a-secret-reference-0123456789"
    }
  }

  expect_failures = [var.redis]
}


run "apply" {
  command = apply
}

run "preview" {
  command = plan

  variables {
    description_qualifier  = "preview"
    enable_execute_command = false
    tags = {
      preview-branch  = "feature/x"
      preview-expires = "2026-12-31"
    }
  }

  assert {
    condition     = aws_iam_role.execution["auth"].description == "Lets ECS pull the image, write logs and read the secrets of the preview acme-dev-auth." && aws_iam_role.task["auth"].description == "Role of the preview acme-dev-auth application containers."
    error_message = "the description qualifier names previews in the roles' descriptions"
  }

  assert {
    condition     = alltrue([for r in [aws_cloudwatch_log_group.service["auth"], aws_iam_role.execution["auth"], aws_iam_role.task["auth"]] : r.tags["preview-branch"] == "feature/x"]) && aws_ecs_task_definition.this["auth"].tags == tomap({ preview-branch = "feature/x", preview-expires = "2026-12-31", Name = "acme-dev-auth" })
    error_message = "every resource carries the tags; task definitions their Name too"
  }

  assert {
    condition     = length(aws_iam_role_policy.task_exec) == 0
    error_message = "no ECS Exec unless enabled"
  }
}

