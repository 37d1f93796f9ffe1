output "alb_security_group_id" {
  description = "Security group of the application load balancer."
  value       = aws_security_group.alb.id
}

output "service_security_group_ids" {
  description = "Security group of each ECS service, by service name."
  value       = { for name, sg in aws_security_group.service : name => sg.id }
}

output "rds_security_group_id" {
  description = "Security group of the PostgreSQL database."
  value       = aws_security_group.rds.id
}

output "redis_security_group_id" {
  description = "Security group of the Redis cache."
  value       = aws_security_group.redis.id
}

output "bastion_security_group_id" {
  description = "Security group of the bastion host; null when the environment has no bastion."
  value       = one(aws_security_group.bastion[*].id)
}

output "endpoints_security_group_id" {
  description = "Security group of the VPC interface endpoints."
  value       = aws_security_group.endpoints.id
}
