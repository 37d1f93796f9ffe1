mock_provider "aws" {
  mock_data "aws_ec2_managed_prefix_list" {
    defaults = {
      id = "pl-4fa04526"
    }
  }
}

variables {
  name           = "acme-dev"
  vpc_id         = "vpc-00000000000000000"
  vpc_cidr_block = "10.10.0.0/16"
  services = {
    auth     = { port = 8080 }
    realtime = { port = 9000 }
  }
  rds_enabled         = true
  redis_enabled       = true
  bastion_enabled     = true
  bastion_admin_cidrs = ["198.51.100.0/24"]
}

run "dev_like_internet_with_bastion" {
  command = plan

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.alb_internet_ipv4) == 2 && length(aws_vpc_security_group_ingress_rule.alb_internet_ipv6) == 0
    error_message = "internet mode opens 80 and 443 over IPv4 only by default"
  }

  assert {
    condition     = alltrue([for r in aws_vpc_security_group_ingress_rule.alb_internet_ipv4 : r.cidr_ipv4 == "0.0.0.0/0" && contains([80, 443], r.from_port)])
    error_message = "the ALB accepts 80/443 from the internet"
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.alb_cloudfront) == 0
    error_message = "no CloudFront rule in internet mode"
  }

  assert {
    condition     = aws_vpc_security_group_egress_rule.alb_to_service["realtime"].from_port == 9000
    error_message = "the ALB reaches each service on its own port"
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.service_from_alb["auth"].to_port == 8080
    error_message = "services accept their port from the ALB"
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.rds_from_service) == 2 && length(aws_vpc_security_group_ingress_rule.rds_from_bastion) == 1
    error_message = "RDS accepts 5432 from each service and the bastion"
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.redis_from_service) == 2
    error_message = "Redis accepts 6379 from each service"
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.bastion_ssh["198.51.100.0/24"].from_port == 22
    error_message = "SSH only from the admin CIDR"
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.endpoints_https.cidr_ipv4 == "10.10.0.0/16"
    error_message = "endpoints accept HTTPS from the VPC CIDR only"
  }

  assert {
    condition     = length(aws_security_group.bastion) == 1
    error_message = "the bastion group exists when the bastion is on"
  }
}

run "prod_like_cloudfront_without_bastion" {
  command = plan

  variables {
    alb_ingress         = "cloudfront"
    bastion_enabled     = false
    bastion_admin_cidrs = []
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.alb_internet_ipv4) == 0 && length(aws_vpc_security_group_ingress_rule.alb_internet_ipv6) == 0
    error_message = "cloudfront mode opens nothing to the internet"
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.alb_cloudfront[0].prefix_list_id == "pl-4fa04526" && aws_vpc_security_group_ingress_rule.alb_cloudfront[0].from_port == 443
    error_message = "cloudfront mode accepts 443 from the CloudFront prefix list"
  }

  assert {
    condition     = length(aws_security_group.bastion) == 0 && length(aws_vpc_security_group_ingress_rule.rds_from_bastion) == 0 && length(aws_vpc_security_group_egress_rule.bastion_https) == 0
    error_message = "no bastion group or rule when the bastion is off"
  }

  assert {
    condition     = output.bastion_security_group_id == null
    error_message = "bastion_security_group_id is null when the bastion is off"
  }
}

run "bastion_without_ssh" {
  command = plan

  variables {
    bastion_admin_cidrs = []
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.bastion_ssh) == 0 && length(aws_vpc_security_group_egress_rule.bastion_https) == 1
    error_message = "an empty admin CIDR list means no SSH rule at all"
  }
}

run "no_database_no_cache" {
  command = plan

  variables {
    rds_enabled   = false
    redis_enabled = false
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.rds_from_service) == 0 && length(aws_vpc_security_group_egress_rule.service_to_rds) == 0 && length(aws_vpc_security_group_ingress_rule.rds_from_bastion) == 0
    error_message = "no database rules without a database"
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.redis_from_service) == 0 && length(aws_vpc_security_group_egress_rule.service_to_redis) == 0
    error_message = "no cache rules without a cache"
  }
}

run "ssh_from_anywhere_is_refused" {
  command = plan

  variables {
    bastion_admin_cidrs = ["0.0.0.0/0"]
  }

  expect_failures = [var.bastion_admin_cidrs]
}
