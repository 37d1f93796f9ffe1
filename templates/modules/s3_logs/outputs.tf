output "bucket_name" {
  description = "Name of the log bucket."
  value       = aws_s3_bucket.this.id

  # Consumers (the ALB) may only use the bucket once it lets them write: ALB creation fails otherwise.
  depends_on = [aws_s3_bucket_policy.this]
}

output "bucket_arn" {
  description = "ARN of the log bucket."
  value       = aws_s3_bucket.this.arn
}
