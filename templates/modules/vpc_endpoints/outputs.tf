output "interface_endpoint_ids" {
  description = "Id of each interface endpoint, by service short name."
  value       = { for name, ep in aws_vpc_endpoint.interface : name => ep.id }
}

output "gateway_endpoint_ids" {
  description = "Id of each gateway endpoint, by service short name."
  value       = { for name, ep in aws_vpc_endpoint.gateway : name => ep.id }
}
