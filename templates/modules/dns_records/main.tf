# Alias records in the customer's Route 53 hosted zone (dns.hosted_zone_id), so nobody has to copy
# the ALB's or the distribution's DNS name by hand: with the CDN, the origin name CloudFront connects
# to points at the ALB and every CloudFront alias at the distribution (A and AAAA: the distribution
# is dual-stack); without it, dns.domain points at the ALB. Alias records follow the target when AWS
# changes its addresses and cost nothing to query. The zone must live in this environment's account;
# Route 53 refuses names outside the zone's domain.

resource "aws_route53_record" "this" {
  for_each = var.records

  zone_id = var.zone_id
  name    = each.value.name
  type    = each.value.type
  # Until fgen managed them, operators created these names by hand (the cdn unit's origin_dns_record
  # output said what to create): take such a record over instead of failing with "already exists".
  # A CNAME of the same name must be deleted first (Route 53 allows no other record beside it).
  allow_overwrite = true

  alias {
    name                   = each.value.target_dns_name
    zone_id                = each.value.target_zone_id
    evaluate_target_health = each.value.evaluate_target_health
  }
}
