output "bucket_name" {
  description = "Name of the static assets bucket."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "ARN of the static assets bucket."
  value       = aws_s3_bucket.this.arn
}

output "bucket_regional_domain_name" {
  description = "Regional domain name of the bucket (the CloudFront origin)."
  value       = aws_s3_bucket.this.bucket_regional_domain_name
}

output "replica_bucket_arn" {
  description = "ARN of the DR replica bucket; null when replication is off."
  value       = one(aws_s3_bucket.replica[*].arn)
}
