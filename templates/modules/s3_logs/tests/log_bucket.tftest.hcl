mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111111111111"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }
}

variables {
  bucket_name                            = "acme-dev-logs-111111111111"
  force_destroy                          = true
  expiration_days                        = 30
  noncurrent_version_expiration_days     = 7
  abort_incomplete_multipart_upload_days = 3
  elb_account_id                         = "156460612806"
}

run "dev_like_legacy_region" {
  command = plan

  assert {
    condition     = one([for r in aws_s3_bucket_server_side_encryption_configuration.this.rule : r.apply_server_side_encryption_by_default[0].sse_algorithm]) == "AES256"
    error_message = "ALB access logs need SSE-S3 (AES256)"
  }

  assert {
    condition     = aws_s3_bucket_versioning.this.versioning_configuration[0].status == "Enabled"
    error_message = "the log bucket is versioned"
  }

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.this.block_public_acls,
      aws_s3_bucket_public_access_block.this.block_public_policy,
      aws_s3_bucket_public_access_block.this.ignore_public_acls,
      aws_s3_bucket_public_access_block.this.restrict_public_buckets,
    ])
    error_message = "public access is blocked"
  }

  assert {
    condition     = aws_s3_bucket_ownership_controls.this.rule[0].object_ownership == "BucketOwnerEnforced"
    error_message = "ACLs are off by default"
  }

  assert {
    condition     = aws_s3_bucket_lifecycle_configuration.this.rule[0].filter[0].prefix == "" && aws_s3_bucket_lifecycle_configuration.this.rule[0].expiration[0].days == 30
    error_message = "logs expire after expiration_days, for every key"
  }

  assert {
    condition     = aws_s3_bucket_lifecycle_configuration.this.rule[0].abort_incomplete_multipart_upload[0].days_after_initiation == 3
    error_message = "incomplete uploads are aborted"
  }

  assert {
    condition     = contains([for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Sid], "DenyInsecureTransport")
    error_message = "the bucket refuses plain HTTP"
  }

  assert {
    condition = one([
      for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Resource
      if s.Sid == "AlbLogDelivery" && s.Principal == { Service = "logdelivery.elasticloadbalancing.amazonaws.com" }
    ]) == "arn:aws:s3:::acme-dev-logs-111111111111/alb/AWSLogs/111111111111/*"
    error_message = "the ELB log delivery service principal may write below alb/AWSLogs/<account>/"
  }

  assert {
    condition = one([
      for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Principal.AWS
      if s.Sid == "AlbLogDeliveryRegionalAccount"
    ]) == "arn:aws:iam::156460612806:root"
    error_message = "in regions opened before August 2022 the regional ELB account may write too"
  }

  assert {
    condition = one([
      for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Condition.StringEquals["aws:SourceAccount"]
      if s.Sid == "S3ServerAccessLogs" && s.Principal == { Service = "logging.s3.amazonaws.com" }
    ]) == "111111111111"
    error_message = "S3 server access logging of this account's buckets may write below s3-access/"
  }
}

run "prod_like_new_region" {
  command = plan

  variables {
    bucket_name          = "acme-prod-logs-222222222222"
    force_destroy        = false
    expiration_days      = 365
    elb_account_id       = null
    object_ownership     = "BucketOwnerPreferred"
    s3_access_log_prefix = "s3"
  }

  assert {
    condition     = !aws_s3_bucket.this.force_destroy
    error_message = "production buckets are not force-destroyed"
  }

  assert {
    condition     = length([for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s if s.Sid == "AlbLogDeliveryRegionalAccount"]) == 0
    error_message = "newer regions grant only the service principal"
  }

  assert {
    condition     = aws_s3_bucket_ownership_controls.this.rule[0].object_ownership == "BucketOwnerPreferred"
    error_message = "object ownership follows the variable"
  }

  assert {
    condition     = aws_s3_bucket_lifecycle_configuration.this.rule[0].expiration[0].days == 365
    error_message = "production keeps logs longer"
  }

  assert {
    condition     = length([for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s if s.Sid == "CloudFrontLogDelivery"]) == 0
    error_message = "without a CloudFront prefix no CloudFront delivery is granted"
  }
}

run "cloudfront_v2_delivery" {
  command = plan

  variables {
    cloudfront_log_prefix = "cloudfront"
  }

  assert {
    condition = one([
      for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Resource
      if s.Sid == "CloudFrontLogDelivery" && s.Principal == { Service = "delivery.logs.amazonaws.com" }
    ]) == "arn:aws:s3:::acme-dev-logs-111111111111/cloudfront/*"
    error_message = "CloudFront v2 log delivery may write below cloudfront/ only"
  }

  assert {
    condition = one([
      for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Condition.ArnLike["aws:SourceArn"]
      if s.Sid == "CloudFrontLogDelivery"
    ]) == "arn:aws:logs:us-east-1:111111111111:delivery-source:*"
    error_message = "only this account's delivery sources in us-east-1 (where CloudFront's live) may deliver"
  }

  assert {
    condition     = aws_s3_bucket_ownership_controls.this.rule[0].object_ownership == "BucketOwnerEnforced"
    error_message = "CloudFront v2 logging works with ACLs off"
  }
}

run "refuses_awslogs_prefix" {
  command = plan

  variables {
    alb_log_prefix = "AWSLogs"
  }

  expect_failures = [var.alb_log_prefix]
}
