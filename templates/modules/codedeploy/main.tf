data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  # each service's two target groups, in either role: CodeDeploy alternates them with every release
  target_groups = {
    for name in keys(var.services) : name => [var.target_group_arn_suffixes[name], var.green_target_group_arn_suffixes[name]]
  }
  alarm_actions = var.alarm_topic_arn == null ? [] : [var.alarm_topic_arn]
}

resource "aws_codedeploy_app" "this" {
  name             = var.name
  compute_platform = "ECS"
}

resource "aws_iam_role" "codedeploy" {
  name        = var.service_role_name
  description = "Lets CodeDeploy run blue/green releases of the ${var.name} ECS services."
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "codedeploy.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "codedeploy" {
  role       = aws_iam_role.codedeploy.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AWSCodeDeployRoleForECS"
}

# --- rollback alarms -----------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "target_5xx" {
  for_each = var.services

  alarm_name          = "${each.value.deployment_group_name}-release-5xx"
  alarm_description   = "5xx responses of ${each.key}'s tasks (both target groups); stops and rolls back a CodeDeploy release."
  comparison_operator = "GreaterThanOrEqualToThreshold"
  evaluation_periods  = var.rollback_alarms.evaluation_periods
  threshold           = var.rollback_alarms.target_5xx_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "errors"
    expression  = "FILL(blue, 0) + FILL(green, 0)"
    label       = "Target 5xx responses"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = { blue = local.target_groups[each.key][0], green = local.target_groups[each.key][1] }

    content {
      id = metric_query.key

      metric {
        namespace   = "AWS/ApplicationELB"
        metric_name = "HTTPCode_Target_5XX_Count"
        period      = var.rollback_alarms.period
        stat        = "Sum"
        dimensions = {
          LoadBalancer = var.alb_arn_suffix
          TargetGroup  = metric_query.value
        }
      }
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "unhealthy" {
  for_each = var.services

  alarm_name          = "${each.value.deployment_group_name}-release-unhealthy"
  alarm_description   = "Unhealthy targets of ${each.key} (either target group); stops and rolls back a CodeDeploy release."
  comparison_operator = "GreaterThanOrEqualToThreshold"
  evaluation_periods  = var.rollback_alarms.evaluation_periods
  threshold           = var.rollback_alarms.unhealthy_targets_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "unhealthy"
    expression  = "MAX([FILL(blue, 0), FILL(green, 0)])"
    label       = "Unhealthy targets"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = { blue = local.target_groups[each.key][0], green = local.target_groups[each.key][1] }

    content {
      id = metric_query.key

      metric {
        namespace   = "AWS/ApplicationELB"
        metric_name = "UnHealthyHostCount"
        period      = var.rollback_alarms.period
        stat        = "Maximum"
        dimensions = {
          LoadBalancer = var.alb_arn_suffix
          TargetGroup  = metric_query.value
        }
      }
    }
  }
}

# --- deployment groups ---------------------------------------------------------------------------

resource "aws_codedeploy_deployment_group" "this" {
  for_each = var.services

  app_name               = aws_codedeploy_app.this.name
  deployment_group_name  = each.value.deployment_group_name
  deployment_config_name = each.value.deployment_config_name
  service_role_arn       = aws_iam_role.codedeploy.arn

  deployment_style {
    deployment_type   = "BLUE_GREEN"
    deployment_option = "WITH_TRAFFIC_CONTROL"
  }

  blue_green_deployment_config {
    deployment_ready_option {
      action_on_timeout = "CONTINUE_DEPLOYMENT"
    }

    terminate_blue_instances_on_deployment_success {
      action                           = "TERMINATE"
      termination_wait_time_in_minutes = each.value.termination_wait_minutes
    }
  }

  auto_rollback_configuration {
    enabled = true
    events  = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]
  }

  alarm_configuration {
    enabled = true
    alarms  = [aws_cloudwatch_metric_alarm.target_5xx[each.key].alarm_name, aws_cloudwatch_metric_alarm.unhealthy[each.key].alarm_name]
  }

  ecs_service {
    cluster_name = var.cluster_name
    service_name = var.ecs_service_names[each.key]
  }

  load_balancer_info {
    target_group_pair_info {
      prod_traffic_route {
        listener_arns = [var.prod_listener_arn]
      }

      dynamic "test_traffic_route" {
        for_each = var.test_listener_arn == null ? [] : [var.test_listener_arn]

        content {
          listener_arns = [test_traffic_route.value]
        }
      }

      target_group {
        name = var.target_group_names[each.key]
      }

      target_group {
        name = var.green_target_group_names[each.key]
      }
    }
  }

  depends_on = [aws_iam_role_policy_attachment.codedeploy]
}
