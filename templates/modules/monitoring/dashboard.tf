# One dashboard per environment: the metrics the alarms watch, two widgets per row. Each widget is
# encoded on its own so that sections can come and go (no database, no cache, no WAF) without
# Terraform having to unify differently shaped objects.

locals {
  alb_lb = ["LoadBalancer", var.alb.arn_suffix]

  alb_widgets = [
    jsonencode({
      title   = "ALB requests and 5xx"
      stat    = "Sum"
      metrics = [for m in ["RequestCount", "HTTPCode_ELB_5XX_Count", "HTTPCode_Target_5XX_Count"] : concat(["AWS/ApplicationELB", m], local.alb_lb)]
    }),
    jsonencode({
      title = "ALB target response time (s)"
      stat  = "p95"
      metrics = [
        concat(["AWS/ApplicationELB", "TargetResponseTime"], local.alb_lb, [{ stat = "p95", label = "p95" }]),
        concat(["AWS/ApplicationELB", "TargetResponseTime"], local.alb_lb, [{ stat = "p99", label = "p99" }]),
      ]
    }),
    jsonencode({
      title = "Unhealthy targets per service"
      stat  = "Maximum"
      metrics = [for s in var.services :
        concat(["AWS/ApplicationELB", "UnHealthyHostCount", "TargetGroup", var.alb.target_group_arn_suffixes[s]], local.alb_lb, [{ label = s }])
      ]
    }),
  ]

  ecs_widgets = concat(
    [for m in ["CPUUtilization", "MemoryUtilization"] : jsonencode({
      title = "ECS ${m == "CPUUtilization" ? "CPU" : "memory"} per service (%)"
      stat  = "Average"
      metrics = [for s in var.services :
        ["AWS/ECS", m, "ClusterName", var.ecs.cluster_name, "ServiceName", local.ecs_service_names[s], { label = s }]
      ]
    })],
    var.ecs.container_insights ? [jsonencode({
      title = "ECS running tasks per service"
      stat  = "Average"
      metrics = [for s in var.services :
        ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", var.ecs.cluster_name, "ServiceName", local.ecs_service_names[s], { label = s }]
      ]
    })] : [],
  )

  rds_instances = var.rds == null ? [] : concat([var.rds.instance_identifier], values(local.rds_replicas))

  rds_widgets = var.rds == null ? [] : [for w in [
    { title = "RDS CPU (%)", stat = "Average", metric = "CPUUtilization" },
    { title = "RDS connections", stat = "Maximum", metric = "DatabaseConnections" },
    { title = "RDS free storage (bytes)", stat = "Minimum", metric = "FreeStorageSpace" },
    { title = "RDS freeable memory (bytes)", stat = "Minimum", metric = "FreeableMemory" },
    { title = "RDS read latency (s)", stat = "Average", metric = "ReadLatency" },
    { title = "RDS write latency (s)", stat = "Average", metric = "WriteLatency" },
    ] : jsonencode({
      title   = w.title
      stat    = w.stat
      metrics = [for id in local.rds_instances : ["AWS/RDS", w.metric, "DBInstanceIdentifier", id]]
  })]

  redis_widgets = length(local.redis_nodes) == 0 ? [] : concat(
    [for w in [
      { title = "Cache CPU (%)", stat = "Average", metric = "CPUUtilization" },
      { title = "Cache engine CPU (%)", stat = "Average", metric = "EngineCPUUtilization" },
      { title = "Cache memory usage (%)", stat = "Maximum", metric = "DatabaseMemoryUsagePercentage" },
      { title = "Cache connections", stat = "Maximum", metric = "CurrConnections" },
      ] : jsonencode({
        title   = w.title
        stat    = w.stat
        metrics = [for id in values(local.redis_nodes) : ["AWS/ElastiCache", w.metric, "CacheClusterId", id]]
    })],
    [jsonencode({
      title = "Cache hits, misses and evictions"
      stat  = "Sum"
      metrics = [for pair in setproduct(["CacheHits", "CacheMisses", "Evictions"], keys(local.redis_nodes)) :
        ["AWS/ElastiCache", pair[0], "CacheClusterId", local.redis_nodes[pair[1]], { label = "${pair[0]} ${pair[1]}" }]
      ]
    })],
  )

  waf_widgets = var.waf == null ? [] : [jsonencode({
    title   = "WAF requests (${var.waf.web_acl_name})"
    stat    = "Sum"
    metrics = [for m in ["AllowedRequests", "BlockedRequests"] : ["AWS/WAFV2", m, "WebACL", var.waf.web_acl_name, "Rule", "ALL", "Region", local.region]]
  })]

  widgets = concat(local.alb_widgets, local.ecs_widgets, local.rds_widgets, local.redis_widgets, local.waf_widgets)

  dashboard_body = jsonencode({
    widgets = [for i, w in local.widgets : {
      type   = "metric"
      x      = (i % 2) * 12
      y      = floor(i / 2) * 6
      width  = 12
      height = 6
      properties = merge(jsondecode(w), {
        region = local.region
        view   = "timeSeries"
        period = var.period_seconds
      })
    }]
  })
}

resource "aws_cloudwatch_dashboard" "this" {
  count = var.create_dashboard ? 1 : 0

  dashboard_name = var.name
  dashboard_body = local.dashboard_body
}
