output "trail_arn" {
  description = "ARN of the CloudTrail trail."
  value       = aws_cloudtrail.this.arn
}

output "trail_name" {
  description = "Name of the CloudTrail trail."
  value       = aws_cloudtrail.this.name
}

output "bucket_name" {
  description = "Name of the audit bucket (CloudTrail log files; AWS Config delivers here too)."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "ARN of the audit bucket."
  value       = aws_s3_bucket.this.arn
}

output "log_group_name" {
  description = "CloudWatch log group the trail delivers to."
  value       = aws_cloudwatch_log_group.this.name
}

output "cis_alarm_arns" {
  description = "CIS benchmark alarm ARNs by check name."
  value       = { for k, a in aws_cloudwatch_metric_alarm.cis : k => a.arn }
}
