# IAM roles for people: <name>-readonly (AWS managed ReadOnlyAccess, and explicitly no shell of any
# kind) and <name>-admin (read-only plus operational access limited to this environment: Session
# Manager sessions and EC2 Instance Connect on the bastion instance only - when the bastion exists -
# and ECS Exec into the customer's cluster). Both can be assumed only by the listed principals, only
# with MFA and only within an hour of the MFA sign-in; sessions last at most max_session_duration.
# Nothing here grants write access to infrastructure: changes go through Terraform.

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
  # known at plan time even before the bastion exists (the instance id may not be)
  bastion = var.bastion_enabled
  # an admin role without a bastion or ECS Exec is read-only plus nothing: no inline policy
  admin_policy = contains(keys(local.roles), "admin") && (local.bastion || var.ecs_exec)
  bastion_arn  = "arn:${local.partition}:ec2:${local.region}:${local.account_id}:instance/${coalesce(var.bastion_instance_id, "none")}"
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
  description          = each.key == "admin" ? "Operators: read-only plus Session Manager on the bastion and ECS Exec in the ${var.customer} cluster (MFA)" : "Read-only access for ${var.customer}, no sessions (MFA)"
  assume_role_policy   = data.aws_iam_policy_document.trust[each.key].json
  max_session_duration = var.max_session_duration
}

resource "aws_iam_role_policy_attachment" "read_only" {
  for_each = local.roles

  role       = aws_iam_role.this[each.key].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/ReadOnlyAccess"
}

data "aws_iam_policy_document" "admin" {
  count = local.admin_policy ? 1 : 0

  # Session Manager (shell, or port forwarding to the database through it) on the bastion only.
  dynamic "statement" {
    for_each = local.bastion ? [1] : []

    content {
      sid       = "SessionManagerOnBastion"
      actions   = ["ssm:StartSession"]
      resources = [local.bastion_arn]
    }
  }

  dynamic "statement" {
    for_each = local.bastion ? [1] : []

    content {
      sid     = "SessionManagerDocuments"
      actions = ["ssm:StartSession"]
      resources = [
        "arn:${local.partition}:ssm:${local.region}::document/AWS-StartSSMSession",
        "arn:${local.partition}:ssm:${local.region}::document/AWS-StartPortForwardingSession",
        "arn:${local.partition}:ssm:${local.region}::document/AWS-StartPortForwardingSessionToRemoteHost",
      ]
    }
  }

  dynamic "statement" {
    for_each = local.bastion ? [1] : []

    content {
      sid       = "OwnSessionsOnly"
      actions   = ["ssm:ResumeSession", "ssm:TerminateSession"]
      resources = ["arn:${local.partition}:ssm:${local.region}:${local.account_id}:session/*"]

      condition {
        test     = "StringLike"
        variable = "ssm:resourceTag/aws:ssmmessages:session-id"
        values   = ["$${aws:userid}*"]
      }
    }
  }

  # SSH from the admin CIDRs (the bastion's security group) with a one-minute EC2 Instance Connect key.
  dynamic "statement" {
    for_each = local.bastion ? [1] : []

    content {
      sid       = "InstanceConnectToBastion"
      actions   = ["ec2-instance-connect:SendSSHPublicKey"]
      resources = [local.bastion_arn]

      condition {
        test     = "StringEquals"
        variable = "ec2:osuser"
        values   = ["ec2-user"]
      }
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
  count = local.admin_policy ? 1 : 0

  name   = "customer-operations"
  role   = aws_iam_role.this["admin"].id
  policy = data.aws_iam_policy_document.admin[0].json
}

# The read-only role reads; it never opens a shell, runs a command or gets a key onto an instance or
# into a container, whatever other policies say (ReadOnlyAccess grants none of this today; the deny
# keeps it so if AWS ever widens the managed policy).
data "aws_iam_policy_document" "readonly" {
  count = contains(keys(local.roles), "readonly") ? 1 : 0

  statement {
    sid    = "NoSessionsOrCommands"
    effect = "Deny"
    actions = [
      "ssm:StartSession",
      "ssm:SendCommand",
      "ssm:ResumeSession",
      "ecs:ExecuteCommand",
      "ec2-instance-connect:SendSSHPublicKey",
      "ec2-instance-connect:OpenTunnel",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "readonly" {
  count = contains(keys(local.roles), "readonly") ? 1 : 0

  name   = "no-sessions"
  role   = aws_iam_role.this["readonly"].id
  policy = data.aws_iam_policy_document.readonly[0].json
}
