mock_provider "aws" {
  # unsorted, with a zone AWS added later (d) and one out of service for a while (b is still listed:
  # the data source does not filter on state)
  mock_data "aws_availability_zones" {
    defaults = {
      names = ["eu-west-1d", "eu-west-1c", "eu-west-1a", "eu-west-1b"]
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111111111111"
    }
  }
}

variables {
  name                    = "acme-dev"
  cidr_block              = "10.0.0.0/16"
  az_count                = 3
  public_subnet_cidrs     = ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"]
  private_subnet_cidrs    = ["10.0.64.0/20", "10.0.80.0/20", "10.0.96.0/20"]
  database_subnet_cidrs   = ["10.0.128.0/20", "10.0.144.0/20", "10.0.160.0/20"]
  nat_gateway_count       = 1
  kms_key_arn             = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000"
  flow_log_retention_days = 14
}

run "subnets_take_the_first_zones_in_name_order" {
  command = plan

  assert {
    condition     = aws_subnet.public[*].availability_zone == ["eu-west-1a", "eu-west-1b", "eu-west-1c"] && aws_subnet.private[*].availability_zone == ["eu-west-1a", "eu-west-1b", "eu-west-1c"] && aws_subnet.database[*].availability_zone == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    error_message = "a zone added later (d) sorts after the zones in use and moves no subnet"
  }

  assert {
    condition     = one(data.aws_availability_zones.available.filter).name == "opt-in-status" && data.aws_availability_zones.available.state == null
    error_message = "only opt-in-free zones, whatever their state (an impaired zone must not shift the subnets)"
  }
}

run "az_count_below_two_is_refused" {
  command = plan

  variables {
    az_count = 1
  }

  expect_failures = [var.az_count]
}
