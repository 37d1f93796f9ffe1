# Least privilege: every group starts with no rules at all (Terraform removes AWS's default
# allow-all egress rule), and each need gets exactly one rule resource with a description.

locals {
  internet_ports = var.alb_ingress == "internet" ? { http = 80, https = 443 } : {}
  ipv6_ports     = var.alb_ingress_ipv6 ? local.internet_ports : {}
  rds_services   = var.rds_enabled ? var.services : {}
  redis_services = var.redis_enabled ? var.services : {}
  bastion_count  = var.bastion_enabled ? 1 : 0
  bastion_to_rds = var.bastion_enabled && var.rds_enabled ? 1 : 0
  admin_cidrs    = var.bastion_enabled ? toset(var.bastion_admin_cidrs) : toset([])
}

# --- security groups -----------------------------------------------------------------------------

resource "aws_security_group" "alb" {
  # checkov:skip=CKV2_AWS_5:the alb module attaches it to the load balancer (security_group_ids output); checkov does not follow a module output into another module
  name_prefix = "${var.name}-alb-"
  description = "${var.name} application load balancer"
  vpc_id      = var.vpc_id

  tags = {
    Name = "${var.name}-alb"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "service" {
  # checkov:skip=CKV2_AWS_5:the ecs module attaches it to its service's tasks (service_security_group_ids output); checkov does not follow a module output into another module
  for_each = var.services

  name_prefix = "${var.name}-svc-${each.key}-"
  description = "${var.name} ECS service ${each.key}"
  vpc_id      = var.vpc_id

  tags = {
    Name = "${var.name}-svc-${each.key}"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "rds" {
  # checkov:skip=CKV2_AWS_5:the rds_postgres module attaches it to the database instances; checkov does not follow a module output into another module
  name_prefix = "${var.name}-rds-"
  description = "${var.name} PostgreSQL database"
  vpc_id      = var.vpc_id

  tags = {
    Name = "${var.name}-rds"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "redis" {
  # checkov:skip=CKV2_AWS_5:the redis module attaches it to the replication group; checkov does not follow a module output into another module
  name_prefix = "${var.name}-redis-"
  description = "${var.name} Redis cache"
  vpc_id      = var.vpc_id

  tags = {
    Name = "${var.name}-redis"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "bastion" {
  # checkov:skip=CKV2_AWS_5:the bastion module attaches it to the instance; checkov does not follow a module output into another module
  count = local.bastion_count

  name_prefix = "${var.name}-bastion-"
  description = "${var.name} bastion host"
  vpc_id      = var.vpc_id

  tags = {
    Name = "${var.name}-bastion"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "endpoints" {
  # checkov:skip=CKV2_AWS_5:the vpc_endpoints module attaches it to the interface endpoints; checkov does not follow a module output into another module
  name_prefix = "${var.name}-endpoints-"
  description = "${var.name} VPC interface endpoints"
  vpc_id      = var.vpc_id

  tags = {
    Name = "${var.name}-endpoints"
  }

  lifecycle {
    create_before_destroy = true
  }
}

# --- ALB -----------------------------------------------------------------------------------------

resource "aws_vpc_security_group_ingress_rule" "alb_internet_ipv4" {
  # checkov:skip=CKV_AWS_260:port 80 only reaches the ALB's HTTP listener, which redirects every request to HTTPS (HTTP 301) and forwards nothing
  for_each = local.internet_ports

  security_group_id = aws_security_group.alb.id
  description       = "${upper(each.key)} from the internet (IPv4)"
  ip_protocol       = "tcp"
  from_port         = each.value
  to_port           = each.value
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "alb_internet_ipv6" {
  # checkov:skip=CKV_AWS_260:port 80 only reaches the ALB's HTTP listener, which redirects every request to HTTPS (HTTP 301) and forwards nothing
  for_each = local.ipv6_ports

  security_group_id = aws_security_group.alb.id
  description       = "${upper(each.key)} from the internet (IPv6)"
  ip_protocol       = "tcp"
  from_port         = each.value
  to_port           = each.value
  cidr_ipv6         = "::/0"
}

data "aws_ec2_managed_prefix_list" "cloudfront" {
  count = var.alb_ingress == "cloudfront" ? 1 : 0

  name = "com.amazonaws.global.cloudfront.origin-facing"
}

# HTTPS only: the CloudFront prefix list weighs about 55 rules against the group's quota of 60,
# so a second (port 80) rule referencing it would not fit. CloudFront talks to the origin over HTTPS.
resource "aws_vpc_security_group_ingress_rule" "alb_cloudfront" {
  count = var.alb_ingress == "cloudfront" ? 1 : 0

  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from CloudFront origin-facing servers only"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = data.aws_ec2_managed_prefix_list.cloudfront[0].id
}

resource "aws_vpc_security_group_egress_rule" "alb_to_service" {
  for_each = var.services

  security_group_id            = aws_security_group.alb.id
  description                  = "To ECS service ${each.key} on its container port ${each.value.port}"
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = aws_security_group.service[each.key].id
}

# --- ECS services --------------------------------------------------------------------------------

resource "aws_vpc_security_group_ingress_rule" "service_from_alb" {
  for_each = var.services

  security_group_id            = aws_security_group.service[each.key].id
  description                  = "From the ALB on container port ${each.value.port}"
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = aws_security_group.alb.id
}

resource "aws_vpc_security_group_egress_rule" "service_https" {
  for_each = var.services

  security_group_id = aws_security_group.service[each.key].id
  description       = "HTTPS to AWS APIs and ECR (VPC endpoints or NAT)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "service_to_rds" {
  for_each = local.rds_services

  security_group_id            = aws_security_group.service[each.key].id
  description                  = "PostgreSQL to the RDS database"
  ip_protocol                  = "tcp"
  from_port                    = var.rds_port
  to_port                      = var.rds_port
  referenced_security_group_id = aws_security_group.rds.id
}

resource "aws_vpc_security_group_egress_rule" "service_to_redis" {
  for_each = local.redis_services

  security_group_id            = aws_security_group.service[each.key].id
  description                  = "Redis to the ElastiCache cache"
  ip_protocol                  = "tcp"
  from_port                    = var.redis_port
  to_port                      = var.redis_port
  referenced_security_group_id = aws_security_group.redis.id
}

# --- RDS and Redis -------------------------------------------------------------------------------

resource "aws_vpc_security_group_ingress_rule" "rds_from_service" {
  for_each = local.rds_services

  security_group_id            = aws_security_group.rds.id
  description                  = "PostgreSQL from ECS service ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = var.rds_port
  to_port                      = var.rds_port
  referenced_security_group_id = aws_security_group.service[each.key].id
}

resource "aws_vpc_security_group_ingress_rule" "rds_from_bastion" {
  count = local.bastion_to_rds

  security_group_id            = aws_security_group.rds.id
  description                  = "PostgreSQL from the bastion host"
  ip_protocol                  = "tcp"
  from_port                    = var.rds_port
  to_port                      = var.rds_port
  referenced_security_group_id = aws_security_group.bastion[0].id
}

resource "aws_vpc_security_group_ingress_rule" "redis_from_service" {
  for_each = local.redis_services

  security_group_id            = aws_security_group.redis.id
  description                  = "Redis from ECS service ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = var.redis_port
  to_port                      = var.redis_port
  referenced_security_group_id = aws_security_group.service[each.key].id
}

# --- bastion -------------------------------------------------------------------------------------

resource "aws_vpc_security_group_ingress_rule" "bastion_ssh" {
  for_each = local.admin_cidrs

  security_group_id = aws_security_group.bastion[0].id
  description       = "SSH from admin network ${each.key}"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = each.key
}

resource "aws_vpc_security_group_egress_rule" "bastion_https" {
  count = local.bastion_count

  security_group_id = aws_security_group.bastion[0].id
  description       = "HTTPS to Session Manager, AWS APIs and package repositories"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "bastion_to_rds" {
  count = local.bastion_to_rds

  security_group_id            = aws_security_group.bastion[0].id
  description                  = "PostgreSQL to the RDS database"
  ip_protocol                  = "tcp"
  from_port                    = var.rds_port
  to_port                      = var.rds_port
  referenced_security_group_id = aws_security_group.rds.id
}

# --- VPC interface endpoints ---------------------------------------------------------------------

resource "aws_vpc_security_group_ingress_rule" "endpoints_https" {
  security_group_id = aws_security_group.endpoints.id
  description       = "HTTPS from inside the VPC only"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = var.vpc_cidr_block
}
