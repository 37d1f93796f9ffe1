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

  mock_resource "aws_lb_target_group" {
    defaults = {
      arn = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/acme-dev-pv-feature-x-auth/0123456789abcdef"
    }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:eu-west-1:111111111111:log-group:/ecs/mock"
    }
  }
}


variables {
  name                       = "acme-dev-feature-x"
  branch                     = "feature/x"
  host                       = "feature-x.dev.acme.example.com"
  expires                    = "2026-12-31"
  cluster_arn                = "arn:aws:ecs:eu-west-1:111111111111:cluster/acme-dev"
  listener_arn               = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/acme-dev/0123456789abcdef/0123456789abcdef"
  vpc_id                     = "vpc-00000000000000001"
  private_subnet_ids         = ["subnet-00000000000000004", "subnet-00000000000000005"]
  service_security_group_ids = { auth = "sg-00000000000000002" }
  kms_key_arn                = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000"
  log_retention_days         = 7
  ssm_parameter_arn_prefix   = "arn:aws:ssm:eu-west-1:111111111111:parameter/acme/dev"
  deregistration_delay       = 30
  health_check = {
    interval            = 30
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
    matcher             = "200-399"
  }
  database = {
    host       = "acme-dev.abcdefghijkl.eu-west-1.rds.amazonaws.com"
    port       = 5432
    name       = "game_feature_x"
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
      family                     = "acme-dev-feature-x-auth"
      task_role_name             = "acme-dev-feature-x-auth-task"
      execution_role_name        = "acme-dev-feature-x-auth-execution"
      log_group_name             = "/ecs/acme-dev/previews/feature-x/auth"
      target_group_name          = "acme-dev-pv-feature-x-auth"
      priority                   = 100
      path_patterns              = ["/api/auth/*"]
      health_check_path          = "/healthz"
      image                      = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/acme/auth"
      image_tag                  = "feature-x"
      port                       = 8080
      cpu                        = 256
      memory                     = 512
      health_check_grace_seconds = 60
      stickiness                 = false
      spot                       = true
      read_only_root_filesystem  = true
      environment                = { LOG_LEVEL = "debug" }
      secrets                    = { JWT_KEY = "arn:aws:ssm:eu-west-1:111111111111:parameter/acme/dev/auth/jwt-key" }
    }
  }
}

run "preview" {
  command = plan

  assert {
    condition     = aws_ecs_service.this["auth"].desired_count == 1 && !aws_ecs_service.this["auth"].enable_execute_command && !one(aws_ecs_service.this["auth"].network_configuration).assign_public_ip
    error_message = "one private task per service, no ECS Exec"
  }

  assert {
    condition     = contains(flatten([for c in aws_lb_listener_rule.this["auth"].condition : [for h in c.host_header : tolist(h.values)]]), "feature-x.dev.acme.example.com")
    error_message = "the listener rule matches the preview host"
  }

  assert {
    condition     = module.task.log_groups["auth"].name == "/ecs/acme-dev/previews/feature-x/auth" && module.task.log_groups["auth"].retention_in_days == 7 && module.task.log_groups["auth"].kms_key_id == "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000"
    error_message = "the preview's log groups are its own, encrypted, and expire"
  }

  assert {
    condition     = module.task.execute_command == { auth = false }
    error_message = "previews get no ECS Exec permissions"
  }

  assert {
    condition     = aws_lb_target_group.this["auth"].tags["preview-expires"] == "2026-12-31" && aws_ecs_service.this["auth"].tags["preview-branch"] == "feature/x"
    error_message = "resources carry the branch and the expiry date"
  }
}

run "apply" {
  command = apply

  assert {
    condition     = aws_ecs_service.this["auth"].task_definition == module.task.task_definition_arns["auth"] && output.log_group_names == { auth = "/ecs/acme-dev/previews/feature-x/auth" }
    error_message = "the service runs the task definition from module.task"
  }
}
