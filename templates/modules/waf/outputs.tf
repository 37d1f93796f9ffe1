output "cloudfront_web_acl_arn" {
  description = "ARN of the CLOUDFRONT-scope web ACL (the distribution's web_acl_id); null when no CDN."
  value       = one(aws_wafv2_web_acl.cloudfront[*].arn)
}

output "regional_web_acl_arn" {
  description = "ARN of the REGIONAL web ACL associated with the ALB."
  value       = aws_wafv2_web_acl.regional.arn
}

output "cloudfront_log_group_name" {
  description = "CloudWatch log group (us-east-1) of the CLOUDFRONT web ACL; null when no CDN."
  value       = one(aws_cloudwatch_log_group.cloudfront[*].name)
}

output "regional_log_group_name" {
  description = "CloudWatch log group of the REGIONAL web ACL."
  value       = aws_cloudwatch_log_group.regional.name
}
