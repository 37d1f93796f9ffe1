# Everything here lives in the disaster-recovery region (provider aws.dr); the source database is in the
# primary region. RDS copies the instance's automated backups (snapshots and transaction logs) to the DR
# region, re-encrypted with a key of that region, so the database can be restored there to any point in time.

data "aws_caller_identity" "current" {
  provider = aws.dr
}

data "aws_partition" "current" {
  provider = aws.dr
}

data "aws_region" "dr" {
  provider = aws.dr
}

locals {
  account_id = data.aws_caller_identity.current.account_id
  # id is the region name in provider 5 and 6 (name is deprecated in 6)
  dr_region = data.aws_region.dr.id
}

data "aws_iam_policy_document" "key" {
  # checkov:skip=CKV_AWS_111:a KMS key policy: Resource "*" means this key only, and writes are limited to the account root and the principals named
  # checkov:skip=CKV_AWS_356:a KMS key policy: Resource "*" means this key only (key policies cannot name their own key)
  # checkov:skip=CKV_AWS_109:a KMS key policy: Resource "*" means this key only; key administration stays with the account root as AWS's default key policy does
  provider = aws.dr

  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${local.account_id}:root"]
    }
  }
}

resource "aws_kms_key" "dr" {
  provider = aws.dr

  description             = "Encrypts ${var.name}'s replicated database backups in ${local.dr_region}"
  deletion_window_in_days = var.kms_deletion_window_days
  enable_key_rotation     = true
  policy                  = data.aws_iam_policy_document.key.json
}

resource "aws_kms_alias" "dr" {
  provider = aws.dr

  name          = "alias/${var.name}-dr"
  target_key_id = aws_kms_key.dr.key_id
}

resource "aws_db_instance_automated_backups_replication" "this" {
  provider = aws.dr

  source_db_instance_arn = var.source_db_instance_arn
  kms_key_id             = aws_kms_key.dr.arn
  retention_period       = var.retention_days
}
