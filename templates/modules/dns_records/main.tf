# Alias records in the customer's Route 53 hosted zone (dns.hosted_zone_id), so nobody has to copy
# the ALB's or the distribution's DNS name by hand: with the CDN, the origin name CloudFront connects
# to points at the ALB and every CloudFront alias at the distribution (A and AAAA: the distribution
# is dual-stack); without it, dns.domain points at the ALB. Alias records follow the target when AWS
# changes its addresses and cost nothing to query. The zone must live in this environment's account;
# Route 53 refuses names outside the zone's domain.
#
# Warm standby: the origin name gets two failover records instead of one, PRIMARY (the primary
# region's ALB) and SECONDARY (the standby's), each tied to an HTTPS health check of its ALB
# (health_checks) and evaluating the ALB's targets: Route 53 answers with the SECONDARY while the
# PRIMARY is unhealthy, so CloudFront's read-write API paths follow the standby. Health checks have
# no unique names; they are checked from Route 53's checker regions against the ALBs' own DNS names
# (never the failover name, which would follow the failover) and do not validate certificates.

resource "aws_route53_health_check" "this" {
  for_each = var.health_checks

  type              = "HTTPS"
  fqdn              = each.value.fqdn
  port              = 443
  resource_path     = each.value.resource_path
  enable_sni        = true
  request_interval  = each.value.request_interval
  failure_threshold = each.value.failure_threshold
  measure_latency   = false

  tags = {
    Name = each.value.name
  }
}

resource "aws_route53_record" "this" {
  for_each = var.records

  zone_id = var.zone_id
  name    = each.value.name
  type    = each.value.type
  # Until fgen managed them, operators created these names by hand (the cdn unit's origin_dns_record
  # output said what to create): take such a record over instead of failing with "already exists".
  # A CNAME of the same name must be deleted first (Route 53 allows no other record beside it).
  allow_overwrite = true
  set_identifier  = each.value.failover == null ? null : each.value.set_identifier
  health_check_id = each.value.health_check == null ? null : aws_route53_health_check.this[each.value.health_check].id

  dynamic "failover_routing_policy" {
    for_each = each.value.failover == null ? [] : [each.value.failover]

    content {
      type = failover_routing_policy.value
    }
  }

  alias {
    name                   = each.value.target_dns_name
    zone_id                = each.value.target_zone_id
    evaluate_target_health = each.value.evaluate_target_health
  }
}
