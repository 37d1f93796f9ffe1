# Bucket for access logs of the ALB, the CloudFront distribution and S3 server access logs of other buckets.
#
# Encryption is SSE-S3 (AES256), not the customer KMS key: ALB access logs and S3 server access
# logging only deliver to buckets whose default encryption is SSE-S3.
#
# ALB log delivery is granted to both principals AWS documents: the service principal
# logdelivery.elasticloadbalancing.amazonaws.com (the only one in regions opened since August 2022,
# and AWS's direction for all regions) and, in regions opened before August 2022, the region's
# Elastic Load Balancing account, whose policy AWS still documents there. Granting both works in
# every region without a change when AWS completes the move to the service principal.
#
# CloudFront access logs arrive through CloudFront standard logging v2 (CloudWatch Logs vended log
# delivery, set up by the cdn module in us-east-1), not through standard logging (legacy): legacy
# logging writes with ACLs and would need object_ownership = "BucketOwnerPreferred" plus an ACL grant
# to the awslogsdelivery account, i.e. ACLs switched back on for a bucket that holds every access
# log. v2 is granted by bucket policy (delivery.logs.amazonaws.com, limited to this account's
# delivery sources in us-east-1 and to the cloudfront_log_prefix) and works with ACLs off.
#
# Object ownership is therefore BucketOwnerEnforced (ACLs off): all three log services here (ALB,
# S3 server access logging, CloudFront v2) are granted by bucket policy.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  bucket_arn = "arn:${local.partition}:s3:::${var.bucket_name}"
  # <bucket>/<prefix>/AWSLogs/<account>/elasticloadbalancing/<region>/...
  alb_log_objects = "${local.bucket_arn}/${var.alb_log_prefix}/AWSLogs/${local.account_id}/*"

  policy_statements = concat(
    [
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [local.bucket_arn, "${local.bucket_arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        Sid       = "AlbLogDelivery"
        Effect    = "Allow"
        Principal = { Service = "logdelivery.elasticloadbalancing.amazonaws.com" }
        Action    = "s3:PutObject"
        Resource  = local.alb_log_objects
      },
    ],
    var.elb_account_id == null ? [] : [
      {
        Sid       = "AlbLogDeliveryRegionalAccount"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${var.elb_account_id}:root" }
        Action    = "s3:PutObject"
        Resource  = local.alb_log_objects
      },
    ],
    [
      {
        Sid       = "S3ServerAccessLogs"
        Effect    = "Allow"
        Principal = { Service = "logging.s3.amazonaws.com" }
        Action    = "s3:PutObject"
        Resource  = "${local.bucket_arn}/${var.s3_access_log_prefix}/*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
          ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:s3:::*" }
        }
      },
    ],
    var.cloudfront_log_prefix == null ? [] : [
      {
        # CloudFront standard logging v2: the delivery sources of CloudFront live in us-east-1.
        Sid       = "CloudFrontLogDelivery"
        Effect    = "Allow"
        Principal = { Service = "delivery.logs.amazonaws.com" }
        Action    = "s3:PutObject"
        Resource  = "${local.bucket_arn}/${var.cloudfront_log_prefix}/*"
        Condition = {
          StringEquals = {
            "aws:SourceAccount" = local.account_id
            "s3:x-amz-acl"      = "bucket-owner-full-control"
          }
          ArnLike = { "aws:SourceArn" = "arn:${local.partition}:logs:us-east-1:${local.account_id}:delivery-source:*" }
        }
      },
    ],
  )
}

resource "aws_s3_bucket" "this" {
  # checkov:skip=CKV_AWS_18:this is the access-log target of the environment's buckets; logging it into itself would loop and into another bucket would only move the question; its own API access is recorded by CloudTrail
  # checkov:skip=CKV2_AWS_62:nothing consumes object events of the log bucket; logs are read on demand
  # checkov:skip=CKV_AWS_144:access logs are operational data, expired by lifecycle after log_bucket.expiration_days; a cross-region copy is not worth doubling their storage
  # checkov:skip=CKV_AWS_145:ALB access logs and S3 server access logging only deliver to SSE-S3 (AES256) buckets, so this bucket cannot use the customer KMS key
  bucket        = var.bucket_name
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = var.object_ownership
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "expire-logs"
    status = "Enabled"

    filter {
      prefix = ""
    }

    expiration {
      days = var.expiration_days
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  rule {
    id     = "remove-expired-delete-markers"
    status = "Enabled"

    filter {
      prefix = ""
    }

    expiration {
      expired_object_delete_marker = true
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = local.policy_statements
  })

  depends_on = [aws_s3_bucket_public_access_block.this, aws_s3_bucket_ownership_controls.this]
}
