data "aws_region" "current" {}

locals {
  # id is the region name in provider 5 and 6 (name is deprecated in 6, region does not exist in 5)
  region = data.aws_region.current.id
}

# Gateway endpoints cost nothing and keep S3 (including ECR image layers) and DynamoDB traffic off
# the NAT gateways.
resource "aws_vpc_endpoint" "gateway" {
  for_each = toset(var.gateway_services)

  vpc_id            = var.vpc_id
  service_name      = "com.amazonaws.${local.region}.${each.key}"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = var.private_route_table_ids

  tags = {
    Name = "${var.name}-${each.key}"
  }
}

# Interface endpoints: one network interface per private subnet, reachable on 443 from the VPC only;
# private DNS makes the regular service hostnames resolve to them.
resource "aws_vpc_endpoint" "interface" {
  for_each = toset(var.interface_services)

  vpc_id              = var.vpc_id
  service_name        = "com.amazonaws.${local.region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = var.private_subnet_ids
  security_group_ids  = [var.security_group_id]
  private_dns_enabled = true

  tags = {
    Name = "${var.name}-${each.key}"
  }
}
