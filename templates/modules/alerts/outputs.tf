output "topic_arn" {
  description = "ARN of the alert topic (alarm, event, budget and cost anomaly notifications go here)."
  value       = aws_sns_topic.this.arn
  # publishers are allowed by the topic policy: hand the ARN out only once it is in place
  depends_on = [aws_sns_topic_policy.this]
}

output "topic_name" {
  description = "Name of the alert topic."
  value       = aws_sns_topic.this.name
}
