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

  mock_resource "aws_ecs_cluster" {
    defaults = {
      arn = "arn:aws:ecs:eu-west-1:111111111111:cluster/acme-dev"
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
  name                       = "acme-dev"
  kms_key_arn                = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000"
  private_subnet_ids         = ["subnet-00000000000000004", "subnet-00000000000000005"]
  service_security_group_ids = { auth = "sg-00000000000000002", realtime = "sg-00000000000000003" }
  target_group_arns = {
    auth     = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/acme-dev-auth/0123456789abcde0"
    realtime = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/acme-dev-realtime/0123456789abcde1"
  }
  target_group_arn_suffixes = {
    auth     = "targetgroup/acme-dev-auth/0123456789abcde0"
    realtime = "targetgroup/acme-dev-realtime/0123456789abcde1"
  }
  alb_arn_suffix                     = "app/acme-dev/0123456789abcdef"
  log_retention_days                 = 14
  container_insights                 = "enabled"
  enable_execute_command             = true
  deployment_minimum_healthy_percent = 0
  ssm_parameter_arn_prefix           = "arn:aws:ssm:eu-west-1:111111111111:parameter/acme/dev"
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
      family                     = "acme-dev-auth"
      task_role_name             = "acme-dev-auth-task"
      execution_role_name        = "acme-dev-auth-execution"
      log_group_name             = "/ecs/acme-dev/auth"
      image                      = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/acme/auth"
      image_tag                  = "1.2.3"
      port                       = 8080
      cpu                        = 256
      memory                     = 512
      health_check_grace_seconds = 60
      min_tasks                  = 1
      max_tasks                  = 2
      spot                       = true
      read_only_root_filesystem  = true
      environment                = { LOG_LEVEL = "debug" }
      secrets                    = { JWT_KEY = "arn:aws:ssm:eu-west-1:111111111111:parameter/acme/dev/auth/jwt-key" }
      autoscaling = {
        cpu_target_percent         = 60
        memory_target_percent      = 70
        requests_per_target        = 1000
        scale_in_cooldown_seconds  = 300
        scale_out_cooldown_seconds = 60
      }
    }
    realtime = {
      family                     = "acme-dev-realtime"
      task_role_name             = "acme-dev-realtime-task"
      execution_role_name        = "acme-dev-realtime-execution"
      log_group_name             = "/ecs/acme-dev/realtime"
      image                      = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/acme/realtime"
      image_tag                  = "1.2.3"
      port                       = 9000
      cpu                        = 512
      memory                     = 1024
      health_check_grace_seconds = 90
      min_tasks                  = 1
      max_tasks                  = 4
      spot                       = false
      read_only_root_filesystem  = false
      environment                = {}
      secrets                    = {}
      autoscaling = {
        cpu_target_percent         = 50
        memory_target_percent      = 70
        requests_per_target        = null
        scale_in_cooldown_seconds  = 300
        scale_out_cooldown_seconds = 60
      }
    }
  }
}

run "dev_like" {
  command = plan

  assert {
    condition     = alltrue([for s in aws_ecs_service.this : !s.network_configuration[0].assign_public_ip])
    error_message = "tasks never get public IPs"
  }

  assert {
    condition     = alltrue([for s in aws_ecs_service.this : toset(s.network_configuration[0].subnets) == toset(["subnet-00000000000000004", "subnet-00000000000000005"])])
    error_message = "tasks run in the private subnets"
  }

  assert {
    condition     = one(aws_ecs_service.this["auth"].network_configuration[0].security_groups) == "sg-00000000000000002"
    error_message = "each service uses its own security group"
  }

  assert {
    condition     = one(aws_ecs_service.this["auth"].capacity_provider_strategy).capacity_provider == "FARGATE_SPOT" && one(aws_ecs_service.this["realtime"].capacity_provider_strategy).capacity_provider == "FARGATE"
    error_message = "spot services run on FARGATE_SPOT, the others on FARGATE"
  }

  assert {
    condition     = alltrue([for s in aws_ecs_service.this : s.deployment_circuit_breaker[0].enable && s.deployment_circuit_breaker[0].rollback])
    error_message = "failed deployments roll back"
  }

  assert {
    condition     = one(aws_ecs_service.this["realtime"].load_balancer).container_port == 9000 && one(aws_ecs_service.this["realtime"].load_balancer).container_name == "realtime"
    error_message = "each service registers its container port with its target group"
  }

  assert {
    condition     = aws_ecs_service.this["realtime"].health_check_grace_period_seconds == 90 && aws_ecs_service.this["auth"].desired_count == 1
    error_message = "grace period and initial count follow the service"
  }

  assert {
    condition     = aws_ecs_service.this["realtime"].enable_execute_command && !aws_ecs_service.this["auth"].enable_execute_command
    error_message = "ECS Exec only where the root filesystem is writable"
  }

  assert {
    condition     = module.task.execute_command == { auth = false, realtime = true }
    error_message = "ECS Exec permissions exactly for the services that enable it"
  }

  assert {
    condition     = module.task.log_groups["auth"].name == "/ecs/acme-dev/auth" && module.task.log_groups["auth"].retention_in_days == 14 && module.task.log_groups["auth"].kms_key_id == "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000"
    error_message = "log groups are encrypted and expire"
  }

  assert {
    condition     = one([for s in aws_ecs_cluster.this.setting : s.value if s.name == "containerInsights"]) == "enabled"
    error_message = "Container Insights follows the input"
  }

  assert {
    condition     = toset(aws_ecs_cluster_capacity_providers.this.capacity_providers) == toset(["FARGATE", "FARGATE_SPOT"])
    error_message = "the cluster offers FARGATE and FARGATE_SPOT"
  }

  assert {
    condition     = aws_appautoscaling_target.this["auth"].min_capacity == 1 && aws_appautoscaling_target.this["realtime"].max_capacity == 4
    error_message = "auto-scaling bounds follow the service"
  }

  assert {
    condition     = keys(aws_appautoscaling_policy.requests) == ["auth"] && aws_appautoscaling_policy.requests["auth"].target_tracking_scaling_policy_configuration[0].predefined_metric_specification[0].resource_label == "app/acme-dev/0123456789abcdef/targetgroup/acme-dev-auth/0123456789abcde0"
    error_message = "request-count scaling uses <alb suffix>/<target group suffix>, only where requests_per_target is set"
  }

  assert {
    condition     = aws_appautoscaling_policy.cpu["realtime"].target_tracking_scaling_policy_configuration[0].target_value == 50
    error_message = "CPU target tracking follows the service"
  }
}

run "prod_like_no_data_stores" {
  command = plan

  variables {
    name                               = "acme-prod"
    container_insights                 = "enhanced"
    enable_execute_command             = false
    deployment_minimum_healthy_percent = 100
    database                           = null
    redis                              = null
  }

  assert {
    condition     = one([for s in aws_ecs_cluster.this.setting : s.value if s.name == "containerInsights"]) == "enhanced"
    error_message = "enhanced Container Insights is accepted"
  }

  assert {
    condition     = !anytrue(values(module.task.execute_command)) && alltrue([for s in aws_ecs_service.this : !s.enable_execute_command])
    error_message = "no ECS Exec in production"
  }
}

run "apply" {
  command = apply

  assert {
    condition     = alltrue([for name, s in aws_ecs_service.this : s.task_definition == module.task.task_definition_arns[name]])
    error_message = "each service runs its task definition from module.task"
  }

  assert {
    condition     = output.task_role_arns == module.task.task_role_arns && output.log_group_names == { auth = "/ecs/acme-dev/auth", realtime = "/ecs/acme-dev/realtime" }
    error_message = "the roles and log groups of module.task are the module's outputs"
  }
}


run "refuses_foreign_parameter" {
  command = plan

  variables {
    services = {
      auth = {
        family                     = "acme-dev-auth"
        task_role_name             = "acme-dev-auth-task"
        execution_role_name        = "acme-dev-auth-execution"
        log_group_name             = "/ecs/acme-dev/auth"
        image                      = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/acme/auth"
        image_tag                  = "1.2.3"
        port                       = 8080
        cpu                        = 256
        memory                     = 512
        health_check_grace_seconds = 60
        min_tasks                  = 1
        max_tasks                  = 2
        spot                       = false
        read_only_root_filesystem  = true
        environment                = {}
        secrets                    = { OTHER = "arn:aws:ssm:eu-west-1:111111111111:parameter/acme/dev/realtime/key" }
        autoscaling = {
          cpu_target_percent         = 60
          memory_target_percent      = 70
          requests_per_target        = null
          scale_in_cooldown_seconds  = 300
          scale_out_cooldown_seconds = 60
        }
      }
    }
  }

  expect_failures = [var.services]
}


run "blue_green" {
  command = plan

  variables {
    services = {
      auth = {
        family                     = "acme-prod-auth"
        task_role_name             = "acme-prod-auth-task"
        execution_role_name        = "acme-prod-auth-execution"
        log_group_name             = "/ecs/acme-prod/auth"
        image                      = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/acme/auth"
        image_tag                  = "1.2.3"
        port                       = 8080
        cpu                        = 256
        memory                     = 512
        health_check_grace_seconds = 60
        min_tasks                  = 2
        max_tasks                  = 4
        spot                       = false
        read_only_root_filesystem  = true
        deployment                 = "blue_green"
        environment                = {}
        secrets                    = {}
        autoscaling = {
          cpu_target_percent         = 60
          memory_target_percent      = 70
          requests_per_target        = 1000
          scale_in_cooldown_seconds  = 300
          scale_out_cooldown_seconds = 60
        }
      }
      realtime = {
        family                     = "acme-prod-realtime"
        task_role_name             = "acme-prod-realtime-task"
        execution_role_name        = "acme-prod-realtime-execution"
        log_group_name             = "/ecs/acme-prod/realtime"
        image                      = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/acme/realtime"
        image_tag                  = "1.2.3"
        port                       = 9000
        cpu                        = 512
        memory                     = 1024
        health_check_grace_seconds = 90
        min_tasks                  = 2
        max_tasks                  = 4
        spot                       = false
        read_only_root_filesystem  = false
        deployment                 = "rolling"
        environment                = {}
        secrets                    = {}
        autoscaling = {
          cpu_target_percent         = 50
          memory_target_percent      = 70
          requests_per_target        = null
          scale_in_cooldown_seconds  = 300
          scale_out_cooldown_seconds = 60
        }
      }
    }
  }

  assert {
    condition     = keys(aws_ecs_service.blue_green) == ["auth"] && keys(aws_ecs_service.this) == ["realtime"]
    error_message = "blue/green and rolling services are separate resources"
  }

  assert {
    condition     = one(aws_ecs_service.blue_green["auth"].deployment_controller).type == "CODE_DEPLOY" && length(aws_ecs_service.blue_green["auth"].deployment_circuit_breaker) == 0
    error_message = "blue/green services use the CodeDeploy controller and no circuit breaker"
  }

  assert {
    condition     = one(aws_ecs_service.this["realtime"].deployment_controller).type == "ECS" && one(aws_ecs_service.this["realtime"].deployment_circuit_breaker).rollback
    error_message = "rolling services keep ECS deployments with circuit-breaker rollback"
  }

  assert {
    condition     = aws_appautoscaling_target.this["auth"].resource_id == "service/acme-dev/auth"
    error_message = "blue/green services are auto-scaled too"
  }
}

run "exec_sessions_are_logged_encrypted" {
  command = apply

  assert {
    condition = (
      one(one(aws_ecs_cluster.this.configuration).execute_command_configuration).kms_key_id == var.kms_key_arn &&
      one(one(aws_ecs_cluster.this.configuration).execute_command_configuration).logging == "OVERRIDE" &&
      one(one(one(aws_ecs_cluster.this.configuration).execute_command_configuration).log_configuration).cloud_watch_encryption_enabled &&
      one(one(one(aws_ecs_cluster.this.configuration).execute_command_configuration).log_configuration).cloud_watch_log_group_name == "/ecs-exec/acme-dev"
    )
    error_message = "ECS Exec sessions are encrypted with the customer key and logged to the cluster's exec log group"
  }

  assert {
    condition     = aws_cloudwatch_log_group.exec.retention_in_days == 14 && aws_cloudwatch_log_group.exec.kms_key_id == var.kms_key_arn
    error_message = "the exec log group is encrypted with the customer key and expires"
  }

  assert {
    condition     = module.task.execute_command["realtime"]
    error_message = "the task module gives realtime ECS Exec (its policy writes to the exec log group: see ecs_task's tests)"
  }
}

run "exec_logging_configured_while_exec_is_off" {
  command = plan

  variables {
    enable_execute_command = false
  }

  assert {
    condition     = one(one(aws_ecs_cluster.this.configuration).execute_command_configuration).logging == "OVERRIDE" && !anytrue(values(module.task.execute_command))
    error_message = "the cluster logs exec sessions even before a service enables ECS Exec, and no task role gets exec permissions"
  }
}
