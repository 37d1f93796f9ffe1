variable "zone_id" {
  description = "Id of the Route 53 public hosted zone of the customer's domain (e.g. Z0123456789ABCDEFGHIJ), in this account."
  type        = string

  validation {
    condition     = can(regex("^Z[A-Z0-9]{4,31}$", var.zone_id))
    error_message = "zone_id must be a Route 53 hosted zone id: Z followed by 4-31 capital letters and digits (no /hostedzone/ prefix)."
  }
}

variable "records" {
  description = "Alias records by key: the record name, its type (A or AAAA) and the AWS target (DNS name and hosted zone id of an ALB or a CloudFront distribution); failover records add PRIMARY or SECONDARY, a set_identifier and the key of their health check in health_checks."
  type = map(object({
    name                   = string
    type                   = string
    target_dns_name        = string
    target_zone_id         = string
    evaluate_target_health = bool
    failover               = optional(string)
    set_identifier         = optional(string)
    health_check           = optional(string)
  }))

  validation {
    condition     = length(var.records) >= 1
    error_message = "At least one record is needed (the unit exists only with dns.hosted_zone_id)."
  }

  validation {
    condition     = alltrue([for r in values(var.records) : contains(["A", "AAAA"], r.type)])
    error_message = "Alias records here are A or AAAA."
  }

  validation {
    condition     = alltrue([for r in values(var.records) : can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", r.name))])
    error_message = "Record names are lowercase fully qualified domain names without a trailing dot."
  }

  validation {
    condition     = alltrue([for r in values(var.records) : r.failover == null ? (r.set_identifier == null && r.health_check == null) : (contains(["PRIMARY", "SECONDARY"], r.failover) && try(length(r.set_identifier) >= 1 && length(r.set_identifier) <= 128, false) && r.health_check != null)])
    error_message = "A failover record is PRIMARY or SECONDARY with a set_identifier (1-128 characters) and a health check; other records have neither."
  }

  validation {
    condition     = alltrue([for r in values(var.records) : r.health_check == null || contains(keys(var.health_checks), coalesce(r.health_check, "-"))])
    error_message = "A record's health_check must be a key of health_checks."
  }
}

variable "health_checks" {
  description = "Route 53 HTTPS health checks by key (failover records name them): the ALB's own DNS name, the path to request (2xx/3xx is healthy), the check interval (10 or 30 s) and the consecutive failures that make it unhealthy."
  type = map(object({
    name              = string
    fqdn              = string
    resource_path     = string
    request_interval  = optional(number, 30)
    failure_threshold = optional(number, 3)
  }))
  default = {}

  validation {
    condition     = alltrue([for c in values(var.health_checks) : startswith(c.resource_path, "/") && length(c.resource_path) <= 255 && contains([10, 30], c.request_interval) && c.failure_threshold >= 1 && c.failure_threshold <= 10])
    error_message = "Health checks need a resource_path starting with '/' (at most 255 characters), request_interval 10 or 30 and failure_threshold 1-10."
  }
}
