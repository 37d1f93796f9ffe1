mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111111111111"
    }
  }

  mock_data "aws_region" {
    defaults = {
      id   = "eu-west-1"
      name = "eu-west-1"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::111111111111:role/acme-prod-admin"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

variables {
  name                = "acme-prod"
  customer            = "acme"
  admin_principals    = ["arn:aws:iam::999999999999:role/platform-admins"]
  readonly_principals = ["arn:aws:iam::999999999999:root"]
  ecs_exec            = true
  ecs_cluster_arn     = "arn:aws:ecs:eu-west-1:111111111111:cluster/acme-prod"
  kms_key_arn         = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000"
  bastion_enabled     = true
  bastion_instance_id = "i-0123456789abcdef0"
}

run "roles_require_mfa" {
  command = plan

  assert {
    condition     = toset(keys(aws_iam_role.this)) == toset(["admin", "readonly"]) && aws_iam_role.this["admin"].name == "acme-prod-admin"
    error_message = "Both roles exist, named <prefix>-admin and <prefix>-readonly."
  }

  assert {
    condition     = alltrue([for r in aws_iam_role.this : r.max_session_duration == 3600])
    error_message = "Sessions last at most an hour."
  }

  assert {
    condition = alltrue([for d in data.aws_iam_policy_document.trust : alltrue([
      anytrue([for c in d.statement[0].condition : c.variable == "aws:MultiFactorAuthPresent" && c.test == "Bool" && contains(c.values, "true")]),
      anytrue([for c in d.statement[0].condition : c.variable == "aws:MultiFactorAuthAge" && c.test == "NumericLessThanEquals" && contains(c.values, "3600")]),
    ])])
    error_message = "Both trust policies require MFA, used within the hour."
  }

  assert {
    condition     = one([for p in data.aws_iam_policy_document.trust["admin"].statement[0].principals : p.identifiers]) == toset(var.admin_principals)
    error_message = "Only the listed principals may assume the admin role."
  }

  assert {
    condition     = alltrue([for a in aws_iam_role_policy_attachment.read_only : a.policy_arn == "arn:aws:iam::aws:policy/ReadOnlyAccess"])
    error_message = "Both roles get ReadOnlyAccess."
  }

  assert {
    condition     = [for s in data.aws_iam_policy_document.admin[0].statement : s.resources if s.sid == "SessionManagerOnBastion"] == [toset(["arn:aws:ec2:eu-west-1:111111111111:instance/i-0123456789abcdef0"])]
    error_message = "Admins may start Session Manager sessions on the bastion instance and on no other."
  }

  assert {
    condition = alltrue([for s in data.aws_iam_policy_document.admin[0].statement :
      alltrue([for r in s.resources : !startswith(r, "arn:aws:ec2:") || r == "arn:aws:ec2:eu-west-1:111111111111:instance/i-0123456789abcdef0"])
    ])
    error_message = "No admin statement reaches any instance but the bastion."
  }

  assert {
    condition = anytrue([for s in data.aws_iam_policy_document.admin[0].statement :
      s.sid == "InstanceConnectToBastion" && s.resources == toset(["arn:aws:ec2:eu-west-1:111111111111:instance/i-0123456789abcdef0"])
    ])
    error_message = "EC2 Instance Connect keys only for the bastion."
  }

  assert {
    condition = one([for s in data.aws_iam_policy_document.readonly[0].statement : s.effect if s.sid == "NoSessionsOrCommands"]) == "Deny" && alltrue([
      for a in ["ssm:StartSession", "ssm:SendCommand", "ecs:ExecuteCommand", "ec2-instance-connect:SendSSHPublicKey"] :
      contains(one([for s in data.aws_iam_policy_document.readonly[0].statement : s.actions if s.sid == "NoSessionsOrCommands"]), a)
    ]) && aws_iam_role_policy.readonly[0].name == "no-sessions"
    error_message = "The read-only role is denied every way into an instance or container."
  }

  assert {
    condition = anytrue([for s in data.aws_iam_policy_document.admin[0].statement :
    s.sid == "EcsExecInCustomerCluster" && contains(s.resources, "arn:aws:ecs:eu-west-1:111111111111:task/acme-prod/*")])
    error_message = "ECS Exec is limited to the customer's cluster."
  }
}

run "readonly_only" {
  command = plan

  variables {
    admin_principals = []
  }

  assert {
    condition     = keys(aws_iam_role.this) == ["readonly"] && length(aws_iam_role_policy.admin) == 0
    error_message = "No admin role without admin principals."
  }
}

run "no_bastion" {
  command = plan

  variables {
    bastion_enabled     = false
    bastion_instance_id = null
  }

  assert {
    condition     = length([for s in data.aws_iam_policy_document.admin[0].statement : s if contains(s.actions, "ssm:StartSession") || contains(s.actions, "ec2-instance-connect:SendSSHPublicKey")]) == 0
    error_message = "Without a bastion, admins may start no session on any instance."
  }

  assert {
    condition     = anytrue([for s in data.aws_iam_policy_document.admin[0].statement : s.sid == "EcsExecInCustomerCluster"])
    error_message = "ECS Exec stays."
  }
}

run "no_bastion_no_exec" {
  command = plan

  variables {
    bastion_enabled     = false
    bastion_instance_id = null
    ecs_exec            = false
    ecs_cluster_arn     = null
    kms_key_arn         = null
  }

  assert {
    condition     = length(aws_iam_role_policy.admin) == 0 && contains(keys(aws_iam_role.this), "admin")
    error_message = "An admin role with nothing to operate gets no (empty) inline policy."
  }
}

run "bad_bastion_id" {
  command = plan

  variables {
    bastion_instance_id = "bastion"
  }

  expect_failures = [var.bastion_instance_id]
}

run "bad_principal" {
  command = plan

  variables {
    admin_principals = ["arn:aws:sts::999999999999:assumed-role/x/y"]
  }

  expect_failures = [var.admin_principals]
}
