# Cross-region replication of the assets bucket to the disaster-recovery region (aws.dr).
#
# The replica is a bucket of its own in the DR region: versioned, SSE-KMS with a key created in the
# DR region (a KMS key cannot leave its region), private, ACLs off, TLS only. Every object version,
# tag and delete marker is replicated, including the SSE-KMS objects (all of them: the source
# bucket's default encryption is the customer key). The replication role may read the source
# bucket's versions and decrypt with the source key through S3 only, and write and encrypt in the
# replica only.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

data "aws_region" "dr" {
  provider = aws.dr
}

locals {
  replicate  = var.replication_enabled
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  # id is the region name in provider 5 and 6 (name is deprecated in 6)
  source_region = data.aws_region.current.id
  dr_region     = data.aws_region.dr.id
}

resource "aws_kms_key" "replica" {
  count    = local.replicate ? 1 : 0
  provider = aws.dr

  description             = "Encrypts the DR replica of ${var.bucket_name}"
  deletion_window_in_days = var.replica_kms_deletion_window_in_days
  enable_key_rotation     = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # Administration by the account; the replication role's use is granted by its IAM policy.
        Sid       = "AccountAdministration"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
    ]
  })
}

resource "aws_kms_alias" "replica" {
  count    = local.replicate ? 1 : 0
  provider = aws.dr

  name          = "alias/${var.replica_bucket_name}"
  target_key_id = aws_kms_key.replica[0].key_id
}

resource "aws_s3_bucket" "replica" {
  # checkov:skip=CKV2_AWS_62:the replica is written only by S3 replication and read by nobody until a DR failover; nothing consumes its object events
  # checkov:skip=CKV_AWS_18:the replica is written only by S3 replication from the assets bucket, whose access is logged; the DR region has no log bucket, and replication writes are recorded by CloudTrail
  count    = local.replicate ? 1 : 0
  provider = aws.dr

  bucket        = var.replica_bucket_name
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket_ownership_controls" "replica" {
  count    = local.replicate ? 1 : 0
  provider = aws.dr

  bucket = aws_s3_bucket.replica[0].id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "replica" {
  count    = local.replicate ? 1 : 0
  provider = aws.dr

  bucket                  = aws_s3_bucket.replica[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "replica" {
  count    = local.replicate ? 1 : 0
  provider = aws.dr

  bucket = aws_s3_bucket.replica[0].id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "replica" {
  count    = local.replicate ? 1 : 0
  provider = aws.dr

  bucket = aws_s3_bucket.replica[0].id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.replica[0].arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "replica" {
  count    = local.replicate ? 1 : 0
  provider = aws.dr

  bucket = aws_s3_bucket.replica[0].id

  rule {
    id     = "replica-lifecycle"
    status = "Enabled"

    filter {
      prefix = ""
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.replica]
}

resource "aws_s3_bucket_policy" "replica" {
  count    = local.replicate ? 1 : 0
  provider = aws.dr

  bucket = aws_s3_bucket.replica[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [aws_s3_bucket.replica[0].arn, "${aws_s3_bucket.replica[0].arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })

  depends_on = [aws_s3_bucket_public_access_block.replica]
}

resource "aws_iam_role" "replication" {
  count = local.replicate ? 1 : 0

  name        = var.replication_role_name
  description = "S3 replication of ${var.bucket_name} to its DR replica"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = { Service = "s3.amazonaws.com" }
        Action    = "sts:AssumeRole"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
          ArnLike      = { "aws:SourceArn" = aws_s3_bucket.this.arn }
        }
      },
    ]
  })
}

resource "aws_iam_role_policy" "replication" {
  count = local.replicate ? 1 : 0

  name = "replicate-to-dr"
  role = aws_iam_role.replication[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ReadSourceConfiguration"
        Effect   = "Allow"
        Action   = ["s3:GetReplicationConfiguration", "s3:ListBucket"]
        Resource = aws_s3_bucket.this.arn
      },
      {
        Sid    = "ReadSourceVersions"
        Effect = "Allow"
        Action = [
          "s3:GetObjectVersionForReplication",
          "s3:GetObjectVersionAcl",
          "s3:GetObjectVersionTagging",
        ]
        Resource = "${aws_s3_bucket.this.arn}/*"
      },
      {
        Sid      = "WriteReplica"
        Effect   = "Allow"
        Action   = ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"]
        Resource = "${aws_s3_bucket.replica[0].arn}/*"
      },
      {
        Sid      = "DecryptSourceThroughS3"
        Effect   = "Allow"
        Action   = "kms:Decrypt"
        Resource = var.kms_key_arn
        Condition = {
          StringEquals = { "kms:ViaService" = "s3.${local.source_region}.amazonaws.com" }
          # with S3 Bucket Keys the encryption context is the bucket ARN, else the object ARN
          StringLike = { "kms:EncryptionContext:aws:s3:arn" = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"] }
        }
      },
      {
        # GenerateDataKey: the replica bucket uses S3 Bucket Keys, which S3 derives from a data key
        Sid      = "EncryptReplicaThroughS3"
        Effect   = "Allow"
        Action   = ["kms:Encrypt", "kms:GenerateDataKey"]
        Resource = aws_kms_key.replica[0].arn
        Condition = {
          StringEquals = { "kms:ViaService" = "s3.${local.dr_region}.amazonaws.com" }
          StringLike   = { "kms:EncryptionContext:aws:s3:arn" = [aws_s3_bucket.replica[0].arn, "${aws_s3_bucket.replica[0].arn}/*"] }
        }
      },
    ]
  })
}

resource "aws_s3_bucket_replication_configuration" "this" {
  count = local.replicate ? 1 : 0

  bucket = aws_s3_bucket.this.id
  role   = aws_iam_role.replication[0].arn

  rule {
    id     = "disaster-recovery"
    status = "Enabled"

    filter {}

    delete_marker_replication {
      status = "Enabled"
    }

    source_selection_criteria {
      sse_kms_encrypted_objects {
        status = "Enabled"
      }
    }

    destination {
      bucket        = aws_s3_bucket.replica[0].arn
      storage_class = var.replica_storage_class

      encryption_configuration {
        replica_kms_key_id = aws_kms_key.replica[0].arn
      }
    }
  }

  # S3 refuses a replication configuration unless both buckets are versioned
  depends_on = [aws_s3_bucket_versioning.this, aws_s3_bucket_versioning.replica, aws_iam_role_policy.replication]
}
