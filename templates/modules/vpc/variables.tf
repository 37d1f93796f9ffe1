variable "name" {
  description = "Name prefix of every network resource (<customer>-<environment>)."
  type        = string
}

variable "cidr_block" {
  description = "IPv4 CIDR block of the VPC."
  type        = string

  validation {
    condition     = can(cidrhost(var.cidr_block, 0))
    error_message = "cidr_block must be a valid IPv4 CIDR block."
  }
}

variable "az_count" {
  description = "Number of availability zones to spread the subnets over."
  type        = number

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 6
    error_message = "az_count must be between 2 and 6."
  }
}

variable "public_subnet_cidrs" {
  description = "One CIDR per availability zone for the public subnets (ALB, NAT gateways, bastion)."
  type        = list(string)
}

variable "private_subnet_cidrs" {
  description = "One CIDR per availability zone for the private subnets (ECS tasks, Redis, endpoints)."
  type        = list(string)
}

variable "database_subnet_cidrs" {
  description = "One CIDR per availability zone for the database subnets (no route to the internet)."
  type        = list(string)
}

variable "nat_gateway_count" {
  description = "NAT gateways: 1 shares one gateway across the zones, az_count gives each zone its own."
  type        = number

  validation {
    condition     = var.nat_gateway_count >= 1
    error_message = "At least one NAT gateway is needed for the private subnets to reach AWS APIs and the internet."
  }
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the flow log group."
  type        = string
}

variable "flow_log_retention_days" {
  description = "Retention of the VPC flow log group, in days."
  type        = number
}

variable "flow_log_traffic_type" {
  description = "Which traffic the flow logs capture: ACCEPT, REJECT or ALL."
  type        = string
  default     = "ALL"

  validation {
    condition     = contains(["ACCEPT", "REJECT", "ALL"], var.flow_log_traffic_type)
    error_message = "flow_log_traffic_type must be ACCEPT, REJECT or ALL."
  }
}
