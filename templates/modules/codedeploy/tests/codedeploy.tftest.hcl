mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111111111111"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::111111111111:role/acme-prod-codedeploy"
    }
  }
}

variables {
  name              = "acme-prod"
  service_role_name = "acme-prod-codedeploy"
  cluster_name      = "acme-prod"
  ecs_service_names = { auth = "auth", leaderboard = "leaderboard" }
  prod_listener_arn = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/acme-prod/0123456789abcdef/0123456789abcde1"
  test_listener_arn = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/acme-prod/0123456789abcdef/0123456789abcde3"
  alb_arn_suffix    = "app/acme-prod/0123456789abcdef"
  target_group_names = {
    auth        = "acme-prod-auth-abcdef"
    leaderboard = "acme-prod-leaderboard-abcdef"
  }
  target_group_arn_suffixes = {
    auth        = "targetgroup/acme-prod-auth-abcdef/0123456789abcde0"
    leaderboard = "targetgroup/acme-prod-leaderboard-abcdef/0123456789abcde1"
  }
  green_target_group_names        = { auth = "acme-prod-auth-g-123456" }
  green_target_group_arn_suffixes = { auth = "targetgroup/acme-prod-auth-g-123456/0123456789abcde2" }
  alarm_topic_arn                 = "arn:aws:sns:eu-west-1:111111111111:acme-prod-alerts"
  services = {
    auth = {
      deployment_group_name    = "acme-prod-auth"
      deployment_config_name   = "CodeDeployDefault.ECSCanary10Percent5Minutes"
      termination_wait_minutes = 60
    }
  }
  rollback_alarms = {
    period                      = 60
    evaluation_periods          = 2
    target_5xx_threshold        = 25
    unhealthy_targets_threshold = 1
  }
}

run "prod_like" {
  command = plan

  assert {
    condition     = aws_codedeploy_app.this.compute_platform == "ECS"
    error_message = "the application is an ECS application"
  }

  assert {
    condition     = keys(aws_codedeploy_deployment_group.this) == ["auth"]
    error_message = "one deployment group per blue/green service, none for rolling ones"
  }

  assert {
    condition     = aws_codedeploy_deployment_group.this["auth"].deployment_config_name == "CodeDeployDefault.ECSCanary10Percent5Minutes"
    error_message = "the deployment configuration comes from the manifest"
  }

  assert {
    condition     = one(aws_codedeploy_deployment_group.this["auth"].deployment_style).deployment_type == "BLUE_GREEN" && one(aws_codedeploy_deployment_group.this["auth"].deployment_style).deployment_option == "WITH_TRAFFIC_CONTROL"
    error_message = "blue/green with traffic control"
  }

  assert {
    condition     = toset(one(aws_codedeploy_deployment_group.this["auth"].auto_rollback_configuration).events) == toset(["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]) && one(aws_codedeploy_deployment_group.this["auth"].auto_rollback_configuration).enabled
    error_message = "releases roll back on failure and on alarm"
  }

  assert {
    condition     = toset(one(aws_codedeploy_deployment_group.this["auth"].alarm_configuration).alarms) == toset(["acme-prod-auth-release-5xx", "acme-prod-auth-release-unhealthy"])
    error_message = "the rollback alarms are the service's own"
  }

  assert {
    condition     = one(one(aws_codedeploy_deployment_group.this["auth"].blue_green_deployment_config).terminate_blue_instances_on_deployment_success).termination_wait_time_in_minutes == 60
    error_message = "the old task set is kept for the manifest's wait time"
  }

  assert {
    condition     = [for tg in one(one(aws_codedeploy_deployment_group.this["auth"].load_balancer_info).target_group_pair_info).target_group : tg.name] == ["acme-prod-auth-abcdef", "acme-prod-auth-g-123456"]
    error_message = "the pair is the blue then the green target group"
  }

  assert {
    condition     = toset(one(one(one(aws_codedeploy_deployment_group.this["auth"].load_balancer_info).target_group_pair_info).test_traffic_route).listener_arns) == toset([var.test_listener_arn])
    error_message = "test traffic goes through the test listener"
  }

  assert {
    condition     = aws_iam_role_policy_attachment.codedeploy.policy_arn == "arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS"
    error_message = "CodeDeploy uses the managed ECS role policy"
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.target_5xx["auth"].alarm_actions == toset([var.alarm_topic_arn])
    error_message = "rollback alarms notify the alert topic"
  }
}

run "without_test_listener" {
  command = plan

  variables {
    test_listener_arn = null
    alarm_topic_arn   = null
  }

  assert {
    condition     = length(one(one(aws_codedeploy_deployment_group.this["auth"].load_balancer_info).target_group_pair_info).test_traffic_route) == 0
    error_message = "no test route without a test listener"
  }
}

run "rejects_unknown_config" {
  command = plan

  variables {
    services = {
      auth = {
        deployment_group_name    = "acme-prod-auth"
        deployment_config_name   = "CodeDeployDefault.OneAtATime"
        termination_wait_minutes = 60
      }
    }
  }

  expect_failures = [var.services]
}
