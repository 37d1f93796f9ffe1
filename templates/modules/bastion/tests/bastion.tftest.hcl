mock_provider "aws" {
  mock_data "aws_ami" {
    defaults = {
      id           = "ami-0123456789abcdef0"
      architecture = "arm64"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::111111111111:role/acme-dev-bastion"
    }
  }

  mock_resource "aws_iam_instance_profile" {
    defaults = {
      arn = "arn:aws:iam::111111111111:instance-profile/acme-dev-bastion"
    }
  }
}

variables {
  name              = "acme-dev"
  public_subnet_ids = ["subnet-00000000000000001", "subnet-00000000000000002"]
  security_group_id = "sg-00000000000000008"
  kms_key_arn       = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000"
  instance_type     = "t4g.nano"
  architecture      = "arm64"
}

run "dev_like" {
  command = plan

  assert {
    condition     = aws_instance.this.metadata_options[0].http_tokens == "required" && aws_instance.this.metadata_options[0].http_put_response_hop_limit == 1
    error_message = "IMDSv2 is required, hop limit 1"
  }

  assert {
    condition     = aws_instance.this.root_block_device[0].encrypted && aws_instance.this.root_block_device[0].kms_key_id == var.kms_key_arn
    error_message = "the root volume is encrypted with the customer key"
  }

  assert {
    condition     = aws_instance.this.subnet_id == "subnet-00000000000000001" && toset(aws_instance.this.vpc_security_group_ids) == toset(["sg-00000000000000008"])
    error_message = "first public subnet, the bastion security group"
  }

  assert {
    condition     = aws_iam_role_policy_attachment.ssm.policy_arn == "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
    error_message = "Session Manager access via the managed policy"
  }

  assert {
    condition     = data.aws_ami.al2023.architecture == var.architecture
    error_message = "the AMI matches the instance architecture"
  }

  assert {
    condition     = aws_instance.this.credit_specification[0].cpu_credits == "standard"
    error_message = "burstable bastions never run up unlimited credits"
  }
}

run "x86_is_accepted" {
  command = plan

  variables {
    instance_type = "t3.nano"
    architecture  = "x86_64"
  }

  assert {
    condition     = aws_instance.this.instance_type == "t3.nano"
    error_message = "x86 instance types work too"
  }
}

run "unknown_architecture_is_refused" {
  command = plan

  variables {
    architecture = "sparc"
  }

  expect_failures = [var.architecture]
}

run "ebs_optimized" {
  command = plan

  assert {
    condition     = aws_instance.this.ebs_optimized == true
    error_message = "the bastion is EBS-optimized"
  }
}

run "previous_generation_type_is_refused" {
  command = plan

  variables {
    instance_type = "t2.micro"
    architecture  = "x86_64"
  }

  expect_failures = [var.instance_type]
}
