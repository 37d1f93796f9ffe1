output "alb_arn" {
  description = "ARN of the load balancer."
  value       = aws_lb.this.arn
}

output "alb_arn_suffix" {
  description = "ARN suffix of the load balancer (CloudWatch dimension, auto-scaling resource label)."
  value       = aws_lb.this.arn_suffix
}

output "alb_dns_name" {
  description = "DNS name of the load balancer."
  value       = aws_lb.this.dns_name
}

output "alb_zone_id" {
  description = "Route 53 hosted zone id of the load balancer (for alias records)."
  value       = aws_lb.this.zone_id
}

output "https_listener_arn" {
  description = "ARN of the HTTPS listener."
  value       = aws_lb_listener.https.arn
}

output "http_listener_arn" {
  description = "ARN of the HTTP listener (redirects to HTTPS)."
  value       = aws_lb_listener.http.arn
}

output "target_group_arns" {
  description = "Target group ARN by service name."
  value       = { for name, tg in aws_lb_target_group.this : name => tg.arn }

  # ECS can attach a service only to a target group that a listener rule uses.
  depends_on = [aws_lb_listener_rule.this, aws_lb_listener_rule.blue_green]
}

output "target_group_arn_suffixes" {
  description = "Target group ARN suffix by service name (auto-scaling resource label)."
  value       = { for name, tg in aws_lb_target_group.this : name => tg.arn_suffix }
}

output "target_group_names" {
  description = "Target group name by service (the blue group of blue/green services)."
  value       = { for name, tg in aws_lb_target_group.this : name => tg.name }
}

output "green_target_group_arns" {
  description = "Second (green) target group ARN by blue/green service."
  value       = { for name, tg in aws_lb_target_group.green : name => tg.arn }
}

output "green_target_group_names" {
  description = "Second (green) target group name by blue/green service."
  value       = { for name, tg in aws_lb_target_group.green : name => tg.name }
}

output "green_target_group_arn_suffixes" {
  description = "Second (green) target group ARN suffix by blue/green service (CloudWatch dimension)."
  value       = { for name, tg in aws_lb_target_group.green : name => tg.arn_suffix }
}

output "test_listener_arn" {
  description = "ARN of the CodeDeploy test listener (null when no service is released blue/green)."
  value       = one(aws_lb_listener.test[*].arn)

  depends_on = [aws_lb_listener_rule.test]
}
