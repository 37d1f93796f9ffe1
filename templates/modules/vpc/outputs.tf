output "vpc_id" {
  description = "Id of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "CIDR block of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "azs" {
  description = "Availability zones the subnets are spread over, in subnet order."
  value       = local.azs
}

output "public_subnet_ids" {
  description = "Ids of the public subnets, one per zone."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "Ids of the private subnets, one per zone."
  value       = aws_subnet.private[*].id
}

output "database_subnet_ids" {
  description = "Ids of the database subnets, one per zone."
  value       = aws_subnet.database[*].id
}

output "public_route_table_ids" {
  description = "Ids of the public route tables."
  value       = [aws_route_table.public.id]
}

output "private_route_table_ids" {
  description = "Ids of the private route tables, one per zone."
  value       = aws_route_table.private[*].id
}

output "database_route_table_ids" {
  description = "Ids of the database route tables."
  value       = [aws_route_table.database.id]
}

output "nat_public_ips" {
  description = "Public IPs of the NAT gateways (what third parties see as the platform's egress addresses)."
  value       = aws_eip.nat[*].public_ip
}

output "flow_log_group_name" {
  description = "CloudWatch log group that receives the VPC flow logs."
  value       = aws_cloudwatch_log_group.flow_logs.name
}
