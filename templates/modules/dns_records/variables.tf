variable "zone_id" {
  description = "Id of the Route 53 public hosted zone of the customer's domain (e.g. Z0123456789ABCDEFGHIJ), in this account."
  type        = string

  validation {
    condition     = can(regex("^Z[A-Z0-9]{4,31}$", var.zone_id))
    error_message = "zone_id must be a Route 53 hosted zone id: Z followed by 4-31 capital letters and digits (no /hostedzone/ prefix)."
  }
}

variable "records" {
  description = "Alias records by key: the record name, its type (A or AAAA) and the AWS target (DNS name and hosted zone id of an ALB or a CloudFront distribution)."
  type = map(object({
    name                   = string
    type                   = string
    target_dns_name        = string
    target_zone_id         = string
    evaluate_target_health = bool
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
}
