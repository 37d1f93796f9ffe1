output "cloudfront_web_acl_arn" {
  description = "ARN of the CLOUDFRONT-scope web ACL (the distribution's web_acl_id); null when no CDN."
  value       = one(module.cloudfront[*].web_acl_arn)
}

output "regional_web_acl_arn" {
  description = "ARN of the REGIONAL web ACL associated with the ALB."
  value       = module.regional.web_acl_arn
}

output "cloudfront_log_group_name" {
  description = "CloudWatch log group (us-east-1) of the CLOUDFRONT web ACL; null when no CDN."
  value       = one(module.cloudfront[*].log_group.name)
}

output "regional_log_group_name" {
  description = "CloudWatch log group of the REGIONAL web ACL."
  value       = module.regional.log_group.name
}
