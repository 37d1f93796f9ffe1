mock_provider "aws" {
  mock_data "aws_region" {
    defaults = {
      id   = "eu-west-1"
      name = "eu-west-1"
    }
  }
}

variables {
  name                    = "acme-prod"
  vpc_id                  = "vpc-00000000000000000"
  private_subnet_ids      = ["subnet-1", "subnet-2", "subnet-3"]
  private_route_table_ids = ["rtb-1", "rtb-2", "rtb-3"]
  security_group_id       = "sg-00000000000000009"
  gateway_services        = ["s3", "dynamodb"]
  interface_services      = ["ecr.api", "ecr.dkr", "logs", "ssm", "ssmmessages", "ec2messages", "secretsmanager", "kms", "sts"]
}

run "prod_like" {
  command = plan

  assert {
    condition     = aws_vpc_endpoint.gateway["s3"].service_name == "com.amazonaws.eu-west-1.s3" && aws_vpc_endpoint.gateway["s3"].vpc_endpoint_type == "Gateway"
    error_message = "S3 gateway endpoint in the region"
  }

  assert {
    condition     = toset(aws_vpc_endpoint.gateway["dynamodb"].route_table_ids) == toset(["rtb-1", "rtb-2", "rtb-3"])
    error_message = "gateway endpoints sit on the private route tables"
  }

  assert {
    condition     = length(aws_vpc_endpoint.interface) == 9
    error_message = "one interface endpoint per listed service"
  }

  assert {
    condition     = alltrue([for e in aws_vpc_endpoint.interface : e.private_dns_enabled && e.vpc_endpoint_type == "Interface" && toset(e.security_group_ids) == toset(["sg-00000000000000009"]) && length(e.subnet_ids) == 3])
    error_message = "interface endpoints: private DNS, the endpoints group, every private subnet"
  }

  assert {
    condition     = aws_vpc_endpoint.interface["ecr.dkr"].service_name == "com.amazonaws.eu-west-1.ecr.dkr"
    error_message = "interface service names are com.amazonaws.<region>.<service>"
  }
}

run "dev_like_gateways_only" {
  command = plan

  variables {
    interface_services = []
  }

  assert {
    condition     = length(aws_vpc_endpoint.interface) == 0 && length(aws_vpc_endpoint.gateway) == 2
    error_message = "dev: free gateway endpoints only"
  }
}

run "s3_is_not_an_interface_endpoint_here" {
  command = plan

  variables {
    interface_services = ["s3"]
  }

  expect_failures = [var.interface_services]
}
