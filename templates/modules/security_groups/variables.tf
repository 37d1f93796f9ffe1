variable "name" {
  description = "Name prefix of every security group (<customer>-<environment>)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,60}$", var.name))
    error_message = "name must be lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "vpc_id" {
  description = "Id of the VPC the security groups belong to."
  type        = string
}

variable "vpc_cidr_block" {
  description = "CIDR block of the VPC; the only source the VPC endpoints accept HTTPS from."
  type        = string

  validation {
    condition     = can(cidrhost(var.vpc_cidr_block, 0))
    error_message = "vpc_cidr_block must be a valid IPv4 CIDR block."
  }
}

variable "alb_ingress" {
  description = "Who may reach the ALB: \"internet\" (80 and 443 from anywhere) or \"cloudfront\" (443 from CloudFront's origin-facing prefix list only)."
  type        = string
  default     = "internet"

  validation {
    condition     = contains(["internet", "cloudfront"], var.alb_ingress)
    error_message = "alb_ingress must be \"internet\" or \"cloudfront\"."
  }
}

variable "alb_ingress_ipv6" {
  description = "In internet mode, also accept 80 and 443 from ::/0 (for a dual-stack ALB)."
  type        = bool
  default     = false
}

variable "services" {
  description = "Enabled application services by name, each with the container port the ALB forwards to."
  type = map(object({
    port = number
  }))

  validation {
    condition     = alltrue([for s in values(var.services) : s.port >= 1 && s.port <= 65535 && floor(s.port) == s.port])
    error_message = "Every service port must be an integer between 1 and 65535."
  }

  validation {
    condition     = alltrue([for k in keys(var.services) : can(regex("^[a-z][a-z0-9-]{0,22}[a-z0-9]$", k))])
    error_message = "Service names must be lowercase letters, digits and hyphens (2-24 characters)."
  }
}

variable "rds_enabled" {
  description = "Whether the environment has the PostgreSQL database: adds the service (and bastion) rules to the RDS group."
  type        = bool
  default     = true
}

variable "rds_port" {
  description = "Port PostgreSQL listens on."
  type        = number
  default     = 5432
}

variable "redis_enabled" {
  description = "Whether the environment has the Redis cache: adds the service rules to the Redis group."
  type        = bool
  default     = true
}

variable "redis_port" {
  description = "Port Redis listens on."
  type        = number
  default     = 6379
}

variable "bastion_enabled" {
  description = "Whether the environment has a bastion host: creates its group and lets it reach the database."
  type        = bool
  default     = false
}

variable "bastion_admin_cidrs" {
  description = "IPv4 CIDRs allowed to SSH to the bastion; empty allows no SSH at all (Session Manager only)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.bastion_admin_cidrs : can(cidrhost(c, 0)) && !endswith(c, "/0")])
    error_message = "bastion_admin_cidrs must be IPv4 CIDR blocks and may not contain 0.0.0.0/0 (or any /0)."
  }
}
