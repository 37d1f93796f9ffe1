variable "name" {
  description = "Name prefix of every endpoint (<customer>-<environment>)."
  type        = string
}

variable "vpc_id" {
  description = "Id of the VPC the endpoints are created in."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets that receive an interface endpoint network interface each."
  type        = list(string)
}

variable "private_route_table_ids" {
  description = "Private route tables that get a route to each gateway endpoint."
  type        = list(string)
}

variable "security_group_id" {
  description = "Security group of the interface endpoints (HTTPS from the VPC CIDR only)."
  type        = string
}

variable "interface_services" {
  description = "Interface endpoint services, by the short name after com.amazonaws.<region>. (e.g. ecr.api)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.interface_services : can(regex("^[a-z0-9][a-z0-9.-]*[a-z0-9]$", s))])
    error_message = "Interface service names are short names such as ecr.api, logs or ssm."
  }

  validation {
    condition     = length(setintersection(var.interface_services, ["s3", "dynamodb"])) == 0
    error_message = "s3 and dynamodb are gateway endpoints (free); list them in gateway_services."
  }
}

variable "gateway_services" {
  description = "Gateway endpoint services: s3 and/or dynamodb."
  type        = list(string)
  default     = ["s3", "dynamodb"]

  validation {
    condition     = alltrue([for s in var.gateway_services : contains(["s3", "dynamodb"], s)])
    error_message = "Only s3 and dynamodb have gateway endpoints."
  }
}
