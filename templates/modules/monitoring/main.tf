data "aws_region" "current" {}

locals {
  # id is the region name in provider 5 and 6 (name is deprecated in 6)
  region = data.aws_region.current.id

  gib = 1073741824
  mib = 1048576

  # The ecs module names each ECS service after its key; the fallback only matters for mock outputs
  # that list other services (Terragrunt plans before the ecs unit exists).
  ecs_service_names = { for s in var.services : s => lookup(var.ecs.service_names, s, s) }

  # Member clusters of the replication group, keyed by node position so that for_each keys are known
  # at plan time even when the group id is not. ElastiCache names them <group>-<node:%03d> without
  # cluster mode and <group>-<shard:%04d>-<node:%03d> with it. Caveat: after replicas are removed and
  # added again the numbering may have gaps; the alarms then need a fresh apply of this unit.
  redis_nodes = var.redis == null ? {} : (
    var.redis.cluster_mode_enabled ? {
      for pair in setproduct(range(1, var.redis.num_node_groups + 1), range(1, var.redis.replicas_per_node_group + 2)) :
      format("%04d-%03d", pair[0], pair[1]) => format("%s-%04d-%03d", var.redis.replication_group_id, pair[0], pair[1])
      } : {
      for n in range(1, var.redis.replicas_per_node_group + 2) :
      format("%03d", n) => format("%s-%03d", var.redis.replication_group_id, n)
    }
  )

  # Read replicas as the rds_postgres module names them (local.replica_identifiers there).
  rds_replicas = var.rds == null ? {} : {
    for i in range(1, var.rds.replica_count + 1) : "replica-${i}" => "${var.rds.instance_identifier}-replica-${i}"
  }

  # --- alarms on one metric ------------------------------------------------------------------------
  # treat_missing_data per metric: counts that are simply absent when nothing happens (5xx, evictions,
  # blocked requests) do not breach; gauges that stop reporting keep their last state ("missing").

  alb_alarms = concat(
    [
      {
        key                = "alb-p95-latency"
        description        = "p95 target response time of the load balancer above ${var.alb_thresholds.p95_response_time_seconds}s."
        namespace          = "AWS/ApplicationELB"
        metric_name        = "TargetResponseTime"
        dimensions         = tomap({ LoadBalancer = var.alb.arn_suffix })
        statistic          = null
        extended_statistic = "p95"
        comparison         = "GreaterThanThreshold"
        threshold          = var.alb_thresholds.p95_response_time_seconds
        treat_missing_data = "notBreaching"
      },
      {
        key                = "alb-p99-latency"
        description        = "p99 target response time of the load balancer above ${var.alb_thresholds.p99_response_time_seconds}s."
        namespace          = "AWS/ApplicationELB"
        metric_name        = "TargetResponseTime"
        dimensions         = tomap({ LoadBalancer = var.alb.arn_suffix })
        statistic          = null
        extended_statistic = "p99"
        comparison         = "GreaterThanThreshold"
        threshold          = var.alb_thresholds.p99_response_time_seconds
        treat_missing_data = "notBreaching"
      },
    ],
    flatten([for s in var.services : [
      {
        key                = "${s}-target-5xx"
        description        = "Targets of service ${s} returned more than ${var.alb_thresholds.target_5xx_count} 5xx responses in a period."
        namespace          = "AWS/ApplicationELB"
        metric_name        = "HTTPCode_Target_5XX_Count"
        dimensions         = tomap({ LoadBalancer = var.alb.arn_suffix, TargetGroup = var.alb.target_group_arn_suffixes[s] })
        statistic          = "Sum"
        extended_statistic = null
        comparison         = "GreaterThanThreshold"
        threshold          = var.alb_thresholds.target_5xx_count
        treat_missing_data = "notBreaching"
      },
      {
        key                = "${s}-unhealthy-hosts"
        description        = "More than ${var.alb_thresholds.unhealthy_hosts} unhealthy targets in the target group of service ${s}."
        namespace          = "AWS/ApplicationELB"
        metric_name        = "UnHealthyHostCount"
        dimensions         = tomap({ LoadBalancer = var.alb.arn_suffix, TargetGroup = var.alb.target_group_arn_suffixes[s] })
        statistic          = "Maximum"
        extended_statistic = null
        comparison         = "GreaterThanThreshold"
        threshold          = var.alb_thresholds.unhealthy_hosts
        treat_missing_data = "notBreaching"
      },
    ]]),
  )

  ecs_alarms = flatten([for s in var.services : [
    {
      key                = "${s}-cpu"
      description        = "Average CPU of service ${s} above ${var.ecs_thresholds.cpu_percent}%."
      namespace          = "AWS/ECS"
      metric_name        = "CPUUtilization"
      dimensions         = tomap({ ClusterName = var.ecs.cluster_name, ServiceName = local.ecs_service_names[s] })
      statistic          = "Average"
      extended_statistic = null
      comparison         = "GreaterThanThreshold"
      threshold          = var.ecs_thresholds.cpu_percent
      treat_missing_data = "missing"
    },
    {
      key                = "${s}-memory"
      description        = "Average memory of service ${s} above ${var.ecs_thresholds.memory_percent}%."
      namespace          = "AWS/ECS"
      metric_name        = "MemoryUtilization"
      dimensions         = tomap({ ClusterName = var.ecs.cluster_name, ServiceName = local.ecs_service_names[s] })
      statistic          = "Average"
      extended_statistic = null
      comparison         = "GreaterThanThreshold"
      threshold          = var.ecs_thresholds.memory_percent
      treat_missing_data = "missing"
    },
  ]])

  rds_alarms = var.rds == null ? [] : concat(
    [
      {
        key                = "rds-cpu"
        description        = "CPU of database ${var.rds.instance_identifier} above ${var.rds_thresholds.cpu_percent}%."
        namespace          = "AWS/RDS"
        metric_name        = "CPUUtilization"
        dimensions         = tomap({ DBInstanceIdentifier = var.rds.instance_identifier })
        statistic          = "Average"
        extended_statistic = null
        comparison         = "GreaterThanThreshold"
        threshold          = var.rds_thresholds.cpu_percent
        treat_missing_data = "missing"
      },
      {
        key                = "rds-free-storage"
        description        = "Free storage of database ${var.rds.instance_identifier} below ${var.rds_thresholds.free_storage_gib} GiB."
        namespace          = "AWS/RDS"
        metric_name        = "FreeStorageSpace"
        dimensions         = tomap({ DBInstanceIdentifier = var.rds.instance_identifier })
        statistic          = "Minimum"
        extended_statistic = null
        comparison         = "LessThanThreshold"
        threshold          = var.rds_thresholds.free_storage_gib * local.gib
        treat_missing_data = "missing"
      },
      {
        key                = "rds-freeable-memory"
        description        = "Freeable memory of database ${var.rds.instance_identifier} below ${var.rds_thresholds.freeable_memory_mib} MiB."
        namespace          = "AWS/RDS"
        metric_name        = "FreeableMemory"
        dimensions         = tomap({ DBInstanceIdentifier = var.rds.instance_identifier })
        statistic          = "Minimum"
        extended_statistic = null
        comparison         = "LessThanThreshold"
        threshold          = var.rds_thresholds.freeable_memory_mib * local.mib
        treat_missing_data = "missing"
      },
      {
        key                = "rds-connections"
        description        = "More than ${var.rds_thresholds.connections} connections to database ${var.rds.instance_identifier}."
        namespace          = "AWS/RDS"
        metric_name        = "DatabaseConnections"
        dimensions         = tomap({ DBInstanceIdentifier = var.rds.instance_identifier })
        statistic          = "Maximum"
        extended_statistic = null
        comparison         = "GreaterThanThreshold"
        threshold          = var.rds_thresholds.connections
        treat_missing_data = "missing"
      },
      {
        key                = "rds-read-latency"
        description        = "Average read latency of database ${var.rds.instance_identifier} above ${var.rds_thresholds.read_latency_ms} ms."
        namespace          = "AWS/RDS"
        metric_name        = "ReadLatency"
        dimensions         = tomap({ DBInstanceIdentifier = var.rds.instance_identifier })
        statistic          = "Average"
        extended_statistic = null
        comparison         = "GreaterThanThreshold"
        threshold          = var.rds_thresholds.read_latency_ms / 1000
        treat_missing_data = "notBreaching"
      },
      {
        key                = "rds-write-latency"
        description        = "Average write latency of database ${var.rds.instance_identifier} above ${var.rds_thresholds.write_latency_ms} ms."
        namespace          = "AWS/RDS"
        metric_name        = "WriteLatency"
        dimensions         = tomap({ DBInstanceIdentifier = var.rds.instance_identifier })
        statistic          = "Average"
        extended_statistic = null
        comparison         = "GreaterThanThreshold"
        threshold          = var.rds_thresholds.write_latency_ms / 1000
        treat_missing_data = "notBreaching"
      },
    ],
    [for key, id in local.rds_replicas : {
      key                = "rds-${key}-lag"
      description        = "Read replica ${id} more than ${var.rds_thresholds.replica_lag_seconds}s behind the primary."
      namespace          = "AWS/RDS"
      metric_name        = "ReplicaLag"
      dimensions         = tomap({ DBInstanceIdentifier = id })
      statistic          = "Maximum"
      extended_statistic = null
      comparison         = "GreaterThanThreshold"
      threshold          = var.rds_thresholds.replica_lag_seconds
      treat_missing_data = "breaching" # a replica that stops reporting lag has stopped replicating
    }],
  )

  redis_alarms = flatten([for key, id in local.redis_nodes : [
    {
      key                = "redis-${key}-cpu"
      description        = "CPU of cache node ${id} above ${var.redis_thresholds.cpu_percent}%."
      namespace          = "AWS/ElastiCache"
      metric_name        = "CPUUtilization"
      dimensions         = tomap({ CacheClusterId = id })
      statistic          = "Average"
      extended_statistic = null
      comparison         = "GreaterThanThreshold"
      threshold          = var.redis_thresholds.cpu_percent
      treat_missing_data = "missing"
    },
    {
      key                = "redis-${key}-engine-cpu"
      description        = "Engine CPU of cache node ${id} above ${var.redis_thresholds.engine_cpu_percent}%."
      namespace          = "AWS/ElastiCache"
      metric_name        = "EngineCPUUtilization"
      dimensions         = tomap({ CacheClusterId = id })
      statistic          = "Average"
      extended_statistic = null
      comparison         = "GreaterThanThreshold"
      threshold          = var.redis_thresholds.engine_cpu_percent
      treat_missing_data = "missing"
    },
    {
      key                = "redis-${key}-memory"
      description        = "Memory usage of cache node ${id} above ${var.redis_thresholds.memory_percent}%."
      namespace          = "AWS/ElastiCache"
      metric_name        = "DatabaseMemoryUsagePercentage"
      dimensions         = tomap({ CacheClusterId = id })
      statistic          = "Maximum"
      extended_statistic = null
      comparison         = "GreaterThanThreshold"
      threshold          = var.redis_thresholds.memory_percent
      treat_missing_data = "missing"
    },
    {
      key                = "redis-${key}-evictions"
      description        = "Cache node ${id} evicted more than ${var.redis_thresholds.evictions} keys in a period."
      namespace          = "AWS/ElastiCache"
      metric_name        = "Evictions"
      dimensions         = tomap({ CacheClusterId = id })
      statistic          = "Sum"
      extended_statistic = null
      comparison         = "GreaterThanThreshold"
      threshold          = var.redis_thresholds.evictions
      treat_missing_data = "notBreaching"
    },
    {
      key                = "redis-${key}-connections"
      description        = "More than ${var.redis_thresholds.connections} connections to cache node ${id}."
      namespace          = "AWS/ElastiCache"
      metric_name        = "CurrConnections"
      dimensions         = tomap({ CacheClusterId = id })
      statistic          = "Maximum"
      extended_statistic = null
      comparison         = "GreaterThanThreshold"
      threshold          = var.redis_thresholds.connections
      treat_missing_data = "missing"
    },
  ]])

  # WAF metrics are dimensioned by web ACL name, rule (ALL: the whole ACL) and region.
  waf_alarms = var.waf == null ? [] : [{
    key                = "waf-blocked-requests"
    description        = "Web ACL ${var.waf.web_acl_name} blocked more than ${var.waf_thresholds.blocked_requests} requests in a period: an attack, or a rule blocking players."
    namespace          = "AWS/WAFV2"
    metric_name        = "BlockedRequests"
    dimensions         = tomap({ WebACL = var.waf.web_acl_name, Rule = "ALL", Region = local.region })
    statistic          = "Sum"
    extended_statistic = null
    comparison         = "GreaterThanThreshold"
    threshold          = var.waf_thresholds.blocked_requests
    treat_missing_data = "notBreaching"
  }]

  metric_alarms = {
    for a in concat(local.alb_alarms, local.ecs_alarms, local.rds_alarms, local.redis_alarms, local.waf_alarms) : a.key => a
  }

  # --- alarms on metric math ---------------------------------------------------------------------

  math_alarms = merge(
    {
      "alb-5xx-rate" = {
        description         = "Load balancer 5xx responses above ${var.alb_thresholds.elb_5xx_rate_percent}% of requests."
        expression          = "IF(requests > 0, 100 * FILL(errors, 0) / requests, 0)"
        label               = "ELB 5xx %"
        comparison          = "GreaterThanThreshold"
        threshold           = var.alb_thresholds.elb_5xx_rate_percent
        treat_missing_data  = "notBreaching"
        period              = var.period_seconds
        evaluation_periods  = var.evaluation_periods
        datapoints_to_alarm = var.datapoints_to_alarm
        metrics = [
          { id = "errors", namespace = "AWS/ApplicationELB", metric_name = "HTTPCode_ELB_5XX_Count", stat = "Sum", dimensions = tomap({ LoadBalancer = var.alb.arn_suffix }) },
          { id = "requests", namespace = "AWS/ApplicationELB", metric_name = "RequestCount", stat = "Sum", dimensions = tomap({ LoadBalancer = var.alb.arn_suffix }) },
        ]
      }
    },
    # Container Insights publishes desired and running task counts per service every minute.
    # Missing data breaches: a service that reports no tasks at all is down. A service kept at 0 tasks
    # (a pilot-light standby) reports none by design: running_task_alarms = false leaves these out.
    !var.ecs.container_insights || !var.ecs.running_task_alarms ? {} : {
      for s in var.services : "${s}-running-tasks" => {
        description         = "Fewer tasks of service ${s} running than desired for ${var.ecs_thresholds.running_tasks_minutes} minutes."
        expression          = "desired - running"
        label               = "Missing tasks"
        comparison          = "GreaterThanThreshold"
        threshold           = 0
        treat_missing_data  = "breaching"
        period              = 60
        evaluation_periods  = var.ecs_thresholds.running_tasks_minutes
        datapoints_to_alarm = var.ecs_thresholds.running_tasks_minutes
        metrics = [
          { id = "desired", namespace = "ECS/ContainerInsights", metric_name = "DesiredTaskCount", stat = "Average", dimensions = tomap({ ClusterName = var.ecs.cluster_name, ServiceName = local.ecs_service_names[s] }) },
          { id = "running", namespace = "ECS/ContainerInsights", metric_name = "RunningTaskCount", stat = "Average", dimensions = tomap({ ClusterName = var.ecs.cluster_name, ServiceName = local.ecs_service_names[s] }) },
        ]
      }
    },
    {
      for key, id in local.redis_nodes : "redis-${key}-hit-rate" => {
        description         = "Cache hit rate of node ${id} below ${var.redis_thresholds.hit_rate_percent}%."
        expression          = "IF(hits + misses > 0, 100 * hits / (hits + misses), 100)"
        label               = "Hit rate %"
        comparison          = "LessThanThreshold"
        threshold           = var.redis_thresholds.hit_rate_percent
        treat_missing_data  = "notBreaching"
        period              = var.period_seconds
        evaluation_periods  = var.evaluation_periods
        datapoints_to_alarm = var.datapoints_to_alarm
        metrics = [
          { id = "hits", namespace = "AWS/ElastiCache", metric_name = "CacheHits", stat = "Sum", dimensions = tomap({ CacheClusterId = id }) },
          { id = "misses", namespace = "AWS/ElastiCache", metric_name = "CacheMisses", stat = "Sum", dimensions = tomap({ CacheClusterId = id }) },
        ]
      }
    },
  )
}

resource "aws_cloudwatch_metric_alarm" "metric" {
  for_each = local.metric_alarms

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric_name
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  extended_statistic  = each.value.extended_statistic
  period              = var.period_seconds
  evaluation_periods  = var.evaluation_periods
  datapoints_to_alarm = var.datapoints_to_alarm
  comparison_operator = each.value.comparison
  threshold           = each.value.threshold
  treat_missing_data  = each.value.treat_missing_data
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  tags = {
    Name = "${var.name}-${each.key}"
  }
}

resource "aws_cloudwatch_metric_alarm" "math" {
  for_each = local.math_alarms

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  evaluation_periods  = each.value.evaluation_periods
  datapoints_to_alarm = each.value.datapoints_to_alarm
  comparison_operator = each.value.comparison
  threshold           = each.value.threshold
  treat_missing_data  = each.value.treat_missing_data
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  metric_query {
    id          = "result"
    expression  = each.value.expression
    label       = each.value.label
    return_data = true
  }

  dynamic "metric_query" {
    for_each = each.value.metrics

    content {
      id          = metric_query.value.id
      return_data = false

      metric {
        namespace   = metric_query.value.namespace
        metric_name = metric_query.value.metric_name
        dimensions  = metric_query.value.dimensions
        stat        = metric_query.value.stat
        period      = each.value.period
      }
    }
  }

  tags = {
    Name = "${var.name}-${each.key}"
  }
}

# --- full alarm definitions ------------------------------------------------------------------------
# Every alarm as a CloudWatch PutMetricAlarm request, built from the same locals as the resources
# above. PutMetricAlarm replaces a whole alarm, so whoever re-puts one (the scaling_events unit
# raises thresholds for a traffic event and restores them after) must send all of it.

locals {
  alarm_actions = {
    ActionsEnabled = true
    AlarmActions   = [var.alarm_topic_arn]
    OKActions      = [var.alarm_topic_arn]
  }

  metric_alarm_definitions = {
    for key, a in local.metric_alarms : key => merge(
      local.alarm_actions,
      {
        AlarmName          = "${var.name}-${key}"
        AlarmDescription   = a.description
        Namespace          = a.namespace
        MetricName         = a.metric_name
        Dimensions         = [for name, value in a.dimensions : { Name = name, Value = value }]
        Period             = var.period_seconds
        EvaluationPeriods  = var.evaluation_periods
        DatapointsToAlarm  = var.datapoints_to_alarm
        ComparisonOperator = a.comparison
        Threshold          = a.threshold
        TreatMissingData   = a.treat_missing_data
      },
      # exactly one of the two statistics (null is not a valid value in the request)
      { for name, value in { Statistic = a.statistic, ExtendedStatistic = a.extended_statistic } : name => value if value != null },
    )
  }

  math_alarm_definitions = {
    for key, a in local.math_alarms : key => merge(local.alarm_actions, {
      AlarmName          = "${var.name}-${key}"
      AlarmDescription   = a.description
      EvaluationPeriods  = a.evaluation_periods
      DatapointsToAlarm  = a.datapoints_to_alarm
      ComparisonOperator = a.comparison
      Threshold          = a.threshold
      TreatMissingData   = a.treat_missing_data
      Metrics = concat(
        [{ Id = "result", Expression = a.expression, Label = a.label, ReturnData = true }],
        [for m in a.metrics : {
          Id         = m.id
          ReturnData = false
          MetricStat = {
            Metric = {
              Namespace  = m.namespace
              MetricName = m.metric_name
              Dimensions = [for name, value in m.dimensions : { Name = name, Value = value }]
            }
            Period = a.period
            Stat   = m.stat
          }
        }],
      )
    })
  }
}
