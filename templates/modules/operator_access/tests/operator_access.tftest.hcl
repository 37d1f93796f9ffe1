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
    condition = anytrue([for s in data.aws_iam_policy_document.admin[0].statement :
    s.sid == "SessionManagerOnCustomerInstances" && anytrue([for c in s.condition : c.variable == "aws:ResourceTag/customer" && contains(c.values, "acme")])])
    error_message = "Session Manager is limited to instances tagged with the customer."
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

run "bad_principal" {
  command = plan

  variables {
    admin_principals = ["arn:aws:sts::999999999999:assumed-role/x/y"]
  }

  expect_failures = [var.admin_principals]
}
