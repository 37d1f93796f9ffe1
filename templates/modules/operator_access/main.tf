# IAM roles for people: <name>-readonly (AWS managed ReadOnlyAccess) and <name>-admin (read-only
# plus operational access limited to this customer's resources: Session Manager sessions on
# instances tagged customer=<customer> - the bastion - and ECS Exec into the customer's cluster).
# Both can be assumed only by the listed principals, only with MFA and only within an hour of the
# MFA sign-in; sessions last at most max_session_duration. Nothing here grants write access to
# infrastructure: changes go through Terraform.

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.id
  roles = {
    for role, principals in { admin = var.admin_principals, readonly = var.readonly_principals } :
    role => principals if length(principals) > 0
  }
  ecs_cluster_name = var.ecs_exec ? element(split("/", var.ecs_cluster_arn), length(split("/", var.ecs_cluster_arn)) - 1) : null
}

data "aws_iam_policy_document" "trust" {
  for_each = local.roles

  statement {
    sid     = "AssumeWithMfa"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = each.value
    }

    condition {
      test     = "Bool"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["true"]
    }

    condition {
      test     = "NumericLessThanEquals"
      variable = "aws:MultiFactorAuthAge"
      values   = [tostring(var.mfa_max_age_seconds)]
    }
  }
}

resource "aws_iam_role" "this" {
  for_each = local.roles

  name                 = "${var.name}-${each.key}"
  description          = each.key == "admin" ? "Operators: read-only plus Session Manager and ECS Exec on ${var.customer} resources (MFA)" : "Read-only access for ${var.customer} (MFA)"
  assume_role_policy   = data.aws_iam_policy_document.trust[each.key].json
  max_session_duration = var.max_session_duration
}

resource "aws_iam_role_policy_attachment" "read_only" {
  for_each = local.roles

  role       = aws_iam_role.this[each.key].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/ReadOnlyAccess"
}

data "aws_iam_policy_document" "admin" {
  count = contains(keys(local.roles), "admin") ? 1 : 0

  statement {
    sid       = "SessionManagerOnCustomerInstances"
    actions   = ["ssm:StartSession"]
    resources = ["arn:${local.partition}:ec2:${local.region}:${local.account_id}:instance/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/customer"
      values   = [var.customer]
    }
  }

  statement {
    sid     = "SessionManagerDocuments"
    actions = ["ssm:StartSession"]
    resources = [
      "arn:${local.partition}:ssm:${local.region}::document/AWS-StartSSMSession",
      "arn:${local.partition}:ssm:${local.region}::document/AWS-StartPortForwardingSession",
      "arn:${local.partition}:ssm:${local.region}::document/AWS-StartPortForwardingSessionToRemoteHost",
    ]
  }

  statement {
    sid       = "OwnSessionsOnly"
    actions   = ["ssm:ResumeSession", "ssm:TerminateSession"]
    resources = ["arn:${local.partition}:ssm:${local.region}:${local.account_id}:session/*"]

    condition {
      test     = "StringLike"
      variable = "ssm:resourceTag/aws:ssmmessages:session-id"
      values   = ["$${aws:userid}*"]
    }
  }

  dynamic "statement" {
    for_each = var.ecs_exec ? [1] : []

    content {
      sid     = "EcsExecInCustomerCluster"
      actions = ["ecs:ExecuteCommand"]
      resources = [
        var.ecs_cluster_arn,
        "arn:${local.partition}:ecs:${local.region}:${local.account_id}:task/${local.ecs_cluster_name}/*",
      ]
    }
  }

  dynamic "statement" {
    for_each = var.ecs_exec ? [1] : []

    content {
      sid       = "EncryptedSessions"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [var.kms_key_arn]
    }
  }
}

resource "aws_iam_role_policy" "admin" {
  count = contains(keys(local.roles), "admin") ? 1 : 0

  name   = "customer-operations"
  role   = aws_iam_role.this["admin"].id
  policy = data.aws_iam_policy_document.admin[0].json
}
