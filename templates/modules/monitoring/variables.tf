variable "name" {
  description = "Prefix of every alarm name and the dashboard name (<customer>-<env>)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,99}$", var.name))
    error_message = "name must be lowercase letters, digits and hyphens, at most 100 characters."
  }
}

variable "alarm_topic_arn" {
  description = "SNS topic every alarm notifies on ALARM and on OK."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:sns:", var.alarm_topic_arn))
    error_message = "alarm_topic_arn must be an SNS topic ARN."
  }
}

variable "period_seconds" {
  description = "Period of every alarm's statistic, seconds."
  type        = number

  validation {
    condition     = contains([60, 300], var.period_seconds)
    error_message = "period_seconds must be 60 or 300."
  }
}

variable "evaluation_periods" {
  description = "Periods each alarm evaluates."
  type        = number

  validation {
    condition     = var.evaluation_periods >= 1 && var.evaluation_periods <= 60
    error_message = "evaluation_periods must be 1-60."
  }
}

variable "datapoints_to_alarm" {
  description = "Breaching periods (out of evaluation_periods) that raise an alarm."
  type        = number

  validation {
    condition     = var.datapoints_to_alarm >= 1 && var.datapoints_to_alarm <= var.evaluation_periods
    error_message = "datapoints_to_alarm must be between 1 and evaluation_periods."
  }
}

variable "create_dashboard" {
  description = "Create the environment's CloudWatch dashboard."
  type        = bool
  default     = true
}

variable "services" {
  description = "Names of the application services to watch (keys of the ALB and ECS maps)."
  type        = list(string)

  validation {
    condition     = length(var.services) >= 1 && length(distinct(var.services)) == length(var.services)
    error_message = "services must list at least one service, each once."
  }
}

variable "alb" {
  description = "The load balancer: its ARN suffix and the ARN suffix of each service's target group."
  type = object({
    arn_suffix                = string
    target_group_arn_suffixes = map(string)
  })
}

variable "alb_thresholds" {
  description = "ALB alarm thresholds: ELB 5xx share of requests (%), target 5xx per period, p95/p99 response time (s), tolerated unhealthy targets."
  type = object({
    elb_5xx_rate_percent      = number
    target_5xx_count          = number
    p95_response_time_seconds = number
    p99_response_time_seconds = number
    unhealthy_hosts           = number
  })

  validation {
    condition     = var.alb_thresholds.elb_5xx_rate_percent > 0 && var.alb_thresholds.elb_5xx_rate_percent <= 100
    error_message = "elb_5xx_rate_percent must be in (0, 100]."
  }

  validation {
    condition     = var.alb_thresholds.p99_response_time_seconds >= var.alb_thresholds.p95_response_time_seconds
    error_message = "The p99 response time threshold must not be below the p95 one."
  }
}

variable "ecs" {
  description = "The ECS cluster, the ECS service name of each service, whether Container Insights (running/desired task metrics) is on, and whether to alarm on fewer running than desired tasks (off for services scaled to 0, such as a pilot-light standby's)."
  type = object({
    cluster_name        = string
    service_names       = map(string)
    container_insights  = bool
    running_task_alarms = optional(bool, true)
  })
}

variable "ecs_thresholds" {
  description = "ECS alarm thresholds: average CPU and memory utilisation per service (%), minutes with fewer running than desired tasks."
  type = object({
    cpu_percent           = number
    memory_percent        = number
    running_tasks_minutes = number
  })

  validation {
    condition     = var.ecs_thresholds.running_tasks_minutes >= 1 && var.ecs_thresholds.running_tasks_minutes <= 60
    error_message = "running_tasks_minutes must be 1-60."
  }
}

variable "rds" {
  description = "The PostgreSQL instance and its read replica count (replicas are named <identifier>-replica-<n> by the rds_postgres module); null when there is no database."
  type = object({
    instance_identifier = string
    replica_count       = number
  })
  default = null
}

variable "rds_thresholds" {
  description = "RDS alarm thresholds: CPU (%), minimum free storage (GiB) and freeable memory (MiB), maximum connections, read/write latency (ms), replica lag (s)."
  type = object({
    cpu_percent         = number
    free_storage_gib    = number
    freeable_memory_mib = number
    connections         = number
    read_latency_ms     = number
    write_latency_ms    = number
    replica_lag_seconds = number
  })
}

variable "redis" {
  description = "The cache replication group and its shape (member clusters are derived from it); null when there is no cache."
  type = object({
    replication_group_id    = string
    cluster_mode_enabled    = bool
    num_node_groups         = number
    replicas_per_node_group = number
  })
  default = null

  validation {
    condition     = var.redis == null || try(var.redis.cluster_mode_enabled || var.redis.num_node_groups == 1, false)
    error_message = "Without cluster mode a replication group has exactly one node group."
  }
}

variable "redis_thresholds" {
  description = "Cache alarm thresholds per node: CPU, engine CPU and memory usage (%), evictions per period, connections, minimum hit rate (%)."
  type = object({
    cpu_percent        = number
    engine_cpu_percent = number
    memory_percent     = number
    evictions          = number
    connections        = number
    hit_rate_percent   = number
  })
}

variable "waf" {
  description = "The REGIONAL web ACL in front of the ALB (its ARN, and its name, which WAF metrics are dimensioned by); null without a WAF."
  type = object({
    web_acl_arn  = string
    web_acl_name = string
  })
  default = null
}

variable "waf_thresholds" {
  description = "WAF alarm threshold: blocked requests per period."
  type = object({
    blocked_requests = number
  })
}
