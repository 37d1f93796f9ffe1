variable "name" {
  description = "Name of the load balancer (at most 32 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9-]{0,30}[a-zA-Z0-9]$", var.name)) && !startswith(var.name, "internal-")
    error_message = "ALB names are 1-32 letters, digits and hyphens, not starting or ending with a hyphen, not starting with internal-."
  }
}

variable "vpc_id" {
  description = "VPC of the target groups."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets the internet-facing load balancer is placed in (at least two zones)."
  type        = list(string)

  validation {
    condition     = length(var.public_subnet_ids) >= 2
    error_message = "An Application Load Balancer needs subnets in at least two availability zones."
  }
}

variable "security_group_id" {
  description = "Security group of the load balancer."
  type        = string
}

variable "certificate_arn" {
  description = "ACM certificate of the HTTPS listener (same region as the load balancer)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]{36}$", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN."
  }
}

variable "ssl_policy" {
  description = "TLS security policy of the HTTPS listener; TLS 1.2 or newer only."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"

  validation {
    condition     = can(regex("^ELBSecurityPolicy-(TLS13-1-[23]-|TLS-1-2-|FS-1-2-)", var.ssl_policy))
    error_message = "ssl_policy must be an ELB security policy that refuses TLS 1.0 and 1.1 (ELBSecurityPolicy-TLS13-1-2-*, -TLS13-1-3-*, -TLS-1-2-*, -FS-1-2-*)."
  }
}

variable "idle_timeout" {
  description = "Seconds a connection may stay idle (long enough for websockets between pings)."
  type        = number
  default     = 300

  validation {
    condition     = var.idle_timeout >= 1 && var.idle_timeout <= 4000
    error_message = "idle_timeout must be between 1 and 4000 seconds."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the load balancer through the API (production)."
  type        = bool
  default     = true
}

variable "access_logs_bucket" {
  description = "S3 bucket (SSE-S3) that receives the access logs."
  type        = string
}

variable "access_logs_prefix" {
  description = "Key prefix of the access logs in the bucket."
  type        = string
  default     = "alb"
}

variable "deregistration_delay" {
  description = "Seconds a deregistering target keeps serving in-flight requests."
  type        = number
  default     = 60

  validation {
    condition     = var.deregistration_delay >= 0 && var.deregistration_delay <= 3600
    error_message = "deregistration_delay must be between 0 and 3600 seconds."
  }
}

variable "health_check" {
  description = "Health check timing shared by every target group."
  type = object({
    interval            = number
    timeout             = number
    healthy_threshold   = number
    unhealthy_threshold = number
    matcher             = string
  })

  validation {
    condition     = var.health_check.timeout < var.health_check.interval
    error_message = "The health check timeout must be shorter than its interval."
  }
}

variable "target_groups" {
  description = "One target group (and listener rule) per service, by service name."
  type = map(object({
    name              = string
    port              = number
    health_check_path = string
    stickiness        = bool
    priority          = number
    path_patterns     = list(string)
    blue_green        = optional(bool, false)
    green_name        = optional(string)
  }))

  validation {
    condition     = length(var.target_groups) > 0
    error_message = "At least one target group is needed."
  }

  validation {
    condition     = alltrue([for tg in values(var.target_groups) : length(tg.name) <= 32 && can(regex("^[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]$", tg.name))])
    error_message = "Target group names are at most 32 letters, digits and hyphens, not starting or ending with a hyphen."
  }

  validation {
    condition     = length(distinct([for tg in values(var.target_groups) : tg.priority])) == length(var.target_groups)
    error_message = "Listener rule priorities must be unique."
  }

  validation {
    condition     = alltrue([for tg in values(var.target_groups) : tg.priority >= 1 && tg.priority <= 50000 && length(tg.path_patterns) >= 1 && length(tg.path_patterns) <= 5])
    error_message = "Each rule needs a priority of 1-50000 and 1-5 path patterns."
  }

  validation {
    condition = alltrue([for tg in values(var.target_groups) : !tg.blue_green || (
      tg.green_name != null && try(length(tg.green_name) <= 32 && can(regex("^[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]$", tg.green_name)) && tg.green_name != tg.name, false)
    )])
    error_message = "A blue/green service needs a green_name of at most 32 letters, digits and hyphens, different from its name."
  }
}

variable "test_listener" {
  description = "HTTPS listener CodeDeploy routes test traffic through to the green task set of blue/green services (port, and who may reach it: CIDRs and single addresses such as the NAT IPs); null: none."
  type = object({
    port         = number
    source_cidrs = list(string)
    source_ips   = list(string)
  })
  default = null

  validation {
    condition     = var.test_listener == null || try(var.test_listener.port >= 1024 && var.test_listener.port <= 65535, false)
    error_message = "The test listener port must be between 1024 and 65535 (80 and 443 are the production listeners)."
  }

  validation {
    condition     = var.test_listener == null || try(alltrue([for c in var.test_listener.source_cidrs : can(cidrhost(c, 0)) && !endswith(c, "/0")]), false)
    error_message = "Test listener source CIDRs must be IPv4 CIDRs narrower than /0."
  }
}
