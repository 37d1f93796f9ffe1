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

  mock_data "aws_region" {
    defaults = {
      id = "eu-west-1"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  mock_resource "aws_s3_bucket" {
    defaults = {
      arn = "arn:aws:s3:::acme-assets"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::111111111111:role/acme-assets-replication"
    }
  }
}

mock_provider "aws" {
  alias = "dr"

  mock_data "aws_region" {
    defaults = {
      id = "eu-central-1"
    }
  }

  mock_resource "aws_kms_key" {
    defaults = {
      arn = "arn:aws:kms:eu-central-1:111111111111:key/00000000-0000-0000-0000-000000000000"
    }
  }

  mock_resource "aws_s3_bucket" {
    defaults = {
      arn = "arn:aws:s3:::acme-prod-assets-dr"
    }
  }
}

variables {
  bucket_name                            = "acme-dev-assets-111111111111"
  kms_key_arn                            = "arn:aws:kms:eu-west-1:111111111111:key/11111111-1111-1111-1111-111111111111"
  force_destroy                          = true
  noncurrent_version_expiration_days     = 30
  abort_incomplete_multipart_upload_days = 3
  access_log_bucket                      = "acme-dev-logs-111111111111"
  access_log_prefix                      = "s3-access/acme-dev-assets-111111111111/"
}

run "dev_like_no_cdn_no_replication" {
  command = plan

  assert {
    condition     = length(aws_s3_bucket_policy.this) == 1
    error_message = "without a CDN the module writes the TLS-only bucket policy"
  }

  assert {
    condition     = aws_s3_bucket_logging.this.target_bucket == "acme-dev-logs-111111111111" && aws_s3_bucket_logging.this.target_prefix == "s3-access/acme-dev-assets-111111111111/"
    error_message = "server access logs go to the log bucket below s3-access/<bucket>/"
  }

  assert {
    condition     = length(aws_s3_bucket.replica) == 0 && length(aws_s3_bucket_replication_configuration.this) == 0 && length(aws_iam_role.replication) == 0
    error_message = "no replication unless enabled"
  }

  assert {
    condition     = aws_s3_bucket_lifecycle_configuration.this.rule[0].noncurrent_version_expiration[0].noncurrent_days == 30
    error_message = "replaced versions expire"
  }
}

run "cdn_owns_the_policy" {
  command = plan

  variables {
    manage_bucket_policy = false
  }

  assert {
    condition     = length(aws_s3_bucket_policy.this) == 0
    error_message = "with a CDN the cdn unit owns the bucket policy"
  }
}

run "prod_like_replication" {
  # apply (under the mock provider): ARNs of the created key and buckets are only known after apply
  command = apply

  variables {
    bucket_name           = "acme-prod-assets-222222222222"
    force_destroy         = false
    replication_enabled   = true
    replica_bucket_name   = "acme-prod-assets-dr-222222222222"
    replica_storage_class = "STANDARD_IA"
    replication_role_name = "acme-prod-assets-replication"
    transition_to_ia_days = 90
  }

  assert {
    condition     = aws_s3_bucket.replica[0].bucket == "acme-prod-assets-dr-222222222222" && !aws_s3_bucket.replica[0].force_destroy
    error_message = "the replica bucket is created"
  }

  assert {
    condition     = aws_s3_bucket_versioning.replica[0].versioning_configuration[0].status == "Enabled"
    error_message = "the replica is versioned (replication requires it)"
  }

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.replica[0].rule[*].apply_server_side_encryption_by_default[0].kms_master_key_id) == "arn:aws:kms:eu-central-1:111111111111:key/00000000-0000-0000-0000-000000000000"
    error_message = "the replica is encrypted with the DR region's key"
  }

  assert {
    condition     = aws_kms_key.replica[0].enable_key_rotation
    error_message = "the DR key rotates"
  }

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.replica[0].block_public_acls,
      aws_s3_bucket_public_access_block.replica[0].block_public_policy,
      aws_s3_bucket_public_access_block.replica[0].ignore_public_acls,
      aws_s3_bucket_public_access_block.replica[0].restrict_public_buckets,
    ]) && aws_s3_bucket_ownership_controls.replica[0].rule[0].object_ownership == "BucketOwnerEnforced"
    error_message = "the replica is private with ACLs off"
  }

  assert {
    condition     = jsondecode(aws_s3_bucket_policy.replica[0].policy).Statement[0].Condition.Bool["aws:SecureTransport"] == "false"
    error_message = "the replica refuses plain HTTP"
  }

  assert {
    condition     = aws_s3_bucket_replication_configuration.this[0].rule[0].source_selection_criteria[0].sse_kms_encrypted_objects[0].status == "Enabled"
    error_message = "SSE-KMS objects are replicated"
  }

  assert {
    condition     = aws_s3_bucket_replication_configuration.this[0].rule[0].delete_marker_replication[0].status == "Enabled"
    error_message = "delete markers are replicated"
  }

  assert {
    condition     = aws_s3_bucket_replication_configuration.this[0].rule[0].destination[0].storage_class == "STANDARD_IA" && aws_s3_bucket_replication_configuration.this[0].rule[0].destination[0].encryption_configuration[0].replica_kms_key_id == "arn:aws:kms:eu-central-1:111111111111:key/00000000-0000-0000-0000-000000000000"
    error_message = "replicas use the storage class and the DR key"
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.replication[0].policy).Statement : s.Condition.StringEquals["kms:ViaService"]
      if s.Sid == "DecryptSourceThroughS3"
    ]) == "s3.eu-west-1.amazonaws.com"
    error_message = "the role decrypts with the source key only through S3 in the source region"
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.replication[0].policy).Statement : s.Resource
      if s.Sid == "DecryptSourceThroughS3"
    ]) == "arn:aws:kms:eu-west-1:111111111111:key/11111111-1111-1111-1111-111111111111"
    error_message = "the role decrypts with the customer key only"
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.replication[0].policy).Statement : s.Condition.StringEquals["kms:ViaService"]
      if s.Sid == "EncryptReplicaThroughS3"
    ]) == "s3.eu-central-1.amazonaws.com"
    error_message = "the role encrypts with the DR key only through S3 in the DR region"
  }

  assert {
    condition = toset(flatten([
      for s in jsondecode(aws_iam_role_policy.replication[0].policy).Statement : s.Action
      if s.Sid == "WriteReplica"
    ])) == toset(["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"])
    error_message = "the role may only replicate into the replica"
  }

  assert {
    condition     = jsondecode(aws_iam_role.replication[0].assume_role_policy).Statement[0].Principal.Service == "s3.amazonaws.com"
    error_message = "only S3 assumes the replication role"
  }
}

run "replication_needs_names" {
  command = plan

  variables {
    replication_enabled = true
    replica_bucket_name = "acme-dev-assets-dr-111111111111"
  }

  expect_failures = [var.replication_role_name]
}
