data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  # id is the region name in provider 5 and 6 (name is deprecated in 6)
  region    = data.aws_region.current.id
  partition = data.aws_partition.current.partition

  # A fixed, non-secret marker: the real value is set out of band (aws ssm put-parameter --overwrite) and never
  # appears in manifests, inputs or code. Terraform ignores later changes to it (lifecycle below).
  placeholder_value = "CHANGE_ME"

  placeholders = { for key, p in var.parameters : key => p if !p.existing }
  existing     = { for key, p in var.parameters : key => p if p.existing }
}

# --- placeholders fgen owns ------------------------------------------------------------------------

resource "aws_ssm_parameter" "placeholder" {
  for_each = local.placeholders

  name        = "${var.path_prefix}/${each.key}"
  description = each.value.description
  type        = "SecureString"
  key_id      = var.kms_key_arn
  tier        = var.tier
  value       = local.placeholder_value

  lifecycle {
    # Operators own the value: `aws ssm put-parameter --overwrite` is never undone by the next apply.
    ignore_changes = [value]
  }
}

# --- parameters that exist already (created and owned elsewhere) -----------------------------------

data "aws_ssm_parameter" "existing" {
  for_each = local.existing

  name = "${var.path_prefix}/${each.key}"
  # Only the ARN is needed: never read the decrypted value into the state.
  with_decryption = false
}

# --- read access for operators and tools ------------------------------------------------------------

data "aws_iam_policy_document" "read" {
  statement {
    sid = "ReadParameters"
    actions = [
      "ssm:GetParameter",
      "ssm:GetParameters",
      "ssm:GetParametersByPath",
      "ssm:GetParameterHistory",
    ]
    resources = [
      "arn:${local.partition}:ssm:${local.region}:${local.account_id}:parameter${var.path_prefix}",
      "arn:${local.partition}:ssm:${local.region}:${local.account_id}:parameter${var.path_prefix}/*",
    ]
  }

  statement {
    sid       = "DecryptThroughSsm"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["ssm.${local.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_policy" "read" {
  name        = var.read_policy_name
  description = "Read the SSM parameters under ${var.path_prefix} (and decrypt them through SSM)."
  policy      = data.aws_iam_policy_document.read.json
}
