output "distribution_id" {
  description = "ID of the CloudFront distribution (for invalidations)."
  value       = aws_cloudfront_distribution.this.id
}

output "distribution_arn" {
  description = "ARN of the CloudFront distribution."
  value       = aws_cloudfront_distribution.this.arn
}

output "distribution_domain_name" {
  description = "The distribution's *.cloudfront.net name, the target of the aliases' DNS records."
  value       = aws_cloudfront_distribution.this.domain_name
}

output "distribution_hosted_zone_id" {
  description = "Route 53 hosted zone of the distribution, for alias records."
  value       = aws_cloudfront_distribution.this.hosted_zone_id
}

output "origin_dns_record" {
  description = "The DNS record the customer must keep: alb_origin_domain pointing at the ALB."
  value = {
    name  = var.alb_origin_domain
    type  = "CNAME"
    value = var.alb_dns_name
  }
}

output "standby_origin_dns_record" {
  description = "The DNS record the customer must keep when a warm standby exists: standby_alb_origin_domain pointing at the standby ALB (null without a standby). Without fgen's failover records (dns.hosted_zone_id), alb_origin_domain is switched to the standby ALB by hand on failover."
  value = var.standby_alb_origin_domain == null ? null : {
    name  = var.standby_alb_origin_domain
    type  = "CNAME"
    value = var.standby_alb_dns_name
  }
}

output "response_headers_policy_id" {
  description = "ID of the security headers policy every cache behaviour applies."
  value       = aws_cloudfront_response_headers_policy.security.id
}
