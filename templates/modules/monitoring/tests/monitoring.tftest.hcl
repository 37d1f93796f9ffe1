mock_provider "aws" {
  mock_data "aws_region" {
    defaults = {
      id   = "eu-west-1"
      name = "eu-west-1"
    }
  }

  mock_resource "aws_cloudwatch_metric_alarm" {
    defaults = {
      arn = "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:mock"
    }
  }
}

# prod-like: a read replica, a primary and two cache replicas, a WAF, Container Insights
variables {
  name                = "acme-prod"
  alarm_topic_arn     = "arn:aws:sns:eu-west-1:111111111111:acme-prod-alerts"
  period_seconds      = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  create_dashboard    = true
  services            = ["auth", "realtime"]
  alb = {
    arn_suffix = "app/acme-prod/0123456789abcdef"
    target_group_arn_suffixes = {
      auth     = "targetgroup/acme-prod-auth/0123456789abcde0"
      realtime = "targetgroup/acme-prod-realtime/0123456789abcde1"
    }
  }
  alb_thresholds = {
    elb_5xx_rate_percent      = 2
    target_5xx_count          = 20
    p95_response_time_seconds = 0.5
    p99_response_time_seconds = 1.5
    unhealthy_hosts           = 0
  }
  ecs = {
    cluster_name       = "acme-prod"
    service_names      = { auth = "auth", realtime = "realtime" }
    container_insights = true
  }
  ecs_thresholds = {
    cpu_percent           = 80
    memory_percent        = 85
    running_tasks_minutes = 5
  }
  rds = {
    instance_identifier = "acme-prod-postgres"
    replica_count       = 1
  }
  rds_thresholds = {
    cpu_percent         = 80
    free_storage_gib    = 20
    freeable_memory_mib = 512
    connections         = 400
    read_latency_ms     = 20
    write_latency_ms    = 50
    replica_lag_seconds = 30
  }
  redis = {
    replication_group_id    = "acme-prod"
    cluster_mode_enabled    = false
    num_node_groups         = 1
    replicas_per_node_group = 2
  }
  redis_thresholds = {
    cpu_percent        = 80
    engine_cpu_percent = 80
    memory_percent     = 80
    evictions          = 100
    connections        = 5000
    hit_rate_percent   = 80
  }
  waf = {
    web_acl_arn  = "arn:aws:wafv2:eu-west-1:111111111111:regional/webacl/acme-prod-regional/00000000-0000-0000-0000-000000000000"
    web_acl_name = "acme-prod-regional"
  }
  waf_thresholds = {
    blocked_requests = 1000
  }
}

run "prod_alarms" {
  command = plan

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.metric) + length(aws_cloudwatch_metric_alarm.math) == 39
    error_message = "ALB 7 + ECS 6 + RDS 7 + cache 18 + WAF 1 alarms expected."
  }

  assert {
    condition = alltrue(concat(
      [for a in aws_cloudwatch_metric_alarm.metric : a.alarm_actions == toset([var.alarm_topic_arn]) && a.ok_actions == toset([var.alarm_topic_arn])],
      [for a in aws_cloudwatch_metric_alarm.math : a.alarm_actions == toset([var.alarm_topic_arn]) && a.ok_actions == toset([var.alarm_topic_arn])],
    ))
    error_message = "Every alarm notifies the topic on ALARM and on OK."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.metric["alb-p99-latency"].extended_statistic == "p99" && aws_cloudwatch_metric_alarm.metric["alb-p99-latency"].threshold == 1.5
    error_message = "p99 latency uses the p99 extended statistic and its threshold."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.metric["rds-free-storage"].threshold == 20 * 1073741824 && aws_cloudwatch_metric_alarm.metric["rds-free-storage"].comparison_operator == "LessThanThreshold"
    error_message = "Free storage alarms below the GiB threshold, in bytes."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.metric["rds-read-latency"].threshold == 0.02
    error_message = "Latency thresholds are converted from ms to seconds."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.metric["rds-replica-1-lag"].dimensions.DBInstanceIdentifier == "acme-prod-postgres-replica-1"
    error_message = "Replica lag watches the replica as the rds_postgres module names it."
  }

  assert {
    condition     = [for k in ["001", "002", "003"] : aws_cloudwatch_metric_alarm.metric["redis-${k}-cpu"].dimensions.CacheClusterId] == ["acme-prod-001", "acme-prod-002", "acme-prod-003"]
    error_message = "Cache alarms watch every member cluster <group>-00N."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.metric["waf-blocked-requests"].dimensions == tomap({ WebACL = "acme-prod-regional", Rule = "ALL", Region = "eu-west-1" })
    error_message = "The WAF alarm is dimensioned by web ACL name, Rule=ALL and region."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.metric["auth-target-5xx"].treat_missing_data == "notBreaching" && aws_cloudwatch_metric_alarm.math["auth-running-tasks"].treat_missing_data == "breaching"
    error_message = "5xx counts do not breach on missing data; running task counts do."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.math["auth-running-tasks"].evaluation_periods == 5 && aws_cloudwatch_metric_alarm.math["auth-running-tasks"].comparison_operator == "GreaterThanThreshold"
    error_message = "Running tasks alarm when desired - running > 0 for running_tasks_minutes minutes."
  }

  assert {
    condition     = one([for q in aws_cloudwatch_metric_alarm.math["alb-5xx-rate"].metric_query : q.expression if q.return_data]) == "IF(requests > 0, 100 * FILL(errors, 0) / requests, 0)"
    error_message = "The ALB 5xx rate is ELB 5xx / requests, as a percentage."
  }

  assert {
    condition     = length(jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets) == 3 + 3 + 6 + 5 + 1
    error_message = "The dashboard shows ALB, ECS, RDS, cache and WAF widgets."
  }

  assert {
    condition     = alltrue([for w in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets : w.properties.region == "eu-west-1"])
    error_message = "Every widget reads the environment's region."
  }
}

run "prod_alarm_arns" {
  command = apply

  assert {
    condition     = length(output.alarm_arns) == 39 && contains(keys(output.alarm_arns), "alb-5xx-rate")
    error_message = "alarm_arns lists every alarm by key."
  }

  assert {
    condition     = output.dashboard_name == "acme-prod"
    error_message = "The dashboard is named after the environment."
  }

  assert {
    condition     = keys(output.alarm_definitions) == keys(output.alarm_arns)
    error_message = "alarm_definitions describes every alarm, by the same keys."
  }

  assert {
    condition = output.alarm_definitions["rds-cpu"] == {
      AlarmName          = "acme-prod-rds-cpu"
      AlarmDescription   = aws_cloudwatch_metric_alarm.metric["rds-cpu"].alarm_description
      ActionsEnabled     = true
      AlarmActions       = ["arn:aws:sns:eu-west-1:111111111111:acme-prod-alerts"]
      OKActions          = ["arn:aws:sns:eu-west-1:111111111111:acme-prod-alerts"]
      Namespace          = "AWS/RDS"
      MetricName         = "CPUUtilization"
      Dimensions         = [{ Name = "DBInstanceIdentifier", Value = "acme-prod-postgres" }]
      Statistic          = "Average"
      Period             = 60
      EvaluationPeriods  = 5
      DatapointsToAlarm  = 3
      ComparisonOperator = "GreaterThanThreshold"
      Threshold          = 80
      TreatMissingData   = "missing"
    }
    error_message = "A metric alarm's definition is the complete PutMetricAlarm request, matching the resource."
  }

  assert {
    condition     = output.alarm_definitions["alb-p95-latency"].ExtendedStatistic == "p95" && !contains(keys(output.alarm_definitions["alb-p95-latency"]), "Statistic")
    error_message = "Percentile alarms carry ExtendedStatistic and no Statistic."
  }

  assert {
    condition = (
      output.alarm_definitions["alb-5xx-rate"].Threshold == 2 &&
      output.alarm_definitions["alb-5xx-rate"].Metrics[0] == { Id = "result", Expression = "IF(requests > 0, 100 * FILL(errors, 0) / requests, 0)", Label = "ELB 5xx %", ReturnData = true } &&
      output.alarm_definitions["alb-5xx-rate"].Metrics[1].MetricStat.Metric.MetricName == "HTTPCode_ELB_5XX_Count" &&
      !contains(keys(output.alarm_definitions["alb-5xx-rate"]), "Namespace")
    )
    error_message = "A metric-math alarm's definition carries its metric queries."
  }

  assert {
    condition     = alltrue([for key, d in output.alarm_definitions : d.Threshold == (contains(keys(aws_cloudwatch_metric_alarm.metric), key) ? aws_cloudwatch_metric_alarm.metric[key].threshold : aws_cloudwatch_metric_alarm.math[key].threshold)])
    error_message = "Every definition has the threshold the alarm resource has."
  }
}

# dev-like: no database, no cache, no WAF, no Container Insights, no dashboard
run "dev_minimal" {
  command = plan

  variables {
    name            = "acme-dev"
    alarm_topic_arn = "arn:aws:sns:eu-west-1:111111111111:acme-dev-alerts"
    ecs = {
      cluster_name       = "acme-dev"
      service_names      = { auth = "auth", realtime = "realtime" }
      container_insights = false
    }
    rds              = null
    redis            = null
    waf              = null
    create_dashboard = false
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.metric) == 10 && keys(aws_cloudwatch_metric_alarm.math) == ["alb-5xx-rate"]
    error_message = "Only ALB and ECS alarms without a database, cache or WAF; no running-task alarm without Container Insights."
  }

  assert {
    condition     = length(aws_cloudwatch_dashboard.this) == 0
    error_message = "No dashboard when create_dashboard is false."
  }
}

# a pilot-light standby: services at 0 tasks report no task counts; no running-task alarm then
run "pilot_light_standby" {
  command = plan

  variables {
    ecs = {
      cluster_name        = "acme-prod-standby"
      service_names       = { auth = "auth", realtime = "realtime" }
      container_insights  = true
      running_task_alarms = false
    }
  }

  assert {
    condition     = length([for k in keys(aws_cloudwatch_metric_alarm.math) : k if endswith(k, "-running-tasks")]) == 0
    error_message = "No running-task alarm when running_task_alarms is false."
  }

  assert {
    condition     = contains(keys(aws_cloudwatch_metric_alarm.metric), "auth-cpu")
    error_message = "The other ECS alarms stay."
  }
}

run "cluster_mode_members" {
  command = plan

  variables {
    redis = {
      replication_group_id    = "acme-prod"
      cluster_mode_enabled    = true
      num_node_groups         = 2
      replicas_per_node_group = 1
    }
  }

  assert {
    condition     = sort([for k, a in aws_cloudwatch_metric_alarm.metric : a.dimensions.CacheClusterId if endswith(k, "-memory") && startswith(k, "redis-")]) == tolist(["acme-prod-0001-001", "acme-prod-0001-002", "acme-prod-0002-001", "acme-prod-0002-002"])
    error_message = "With cluster mode the members are <group>-<shard:%04d>-<node:%03d>."
  }
}

run "rejects_inverted_latency_thresholds" {
  command = plan

  variables {
    alb_thresholds = {
      elb_5xx_rate_percent      = 2
      target_5xx_count          = 20
      p95_response_time_seconds = 2
      p99_response_time_seconds = 1
      unhealthy_hosts           = 0
    }
  }

  expect_failures = [var.alb_thresholds]
}
