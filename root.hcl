# Root Terragrunt configuration, included by every unit fgen generates:
#   include "root" { path = find_in_parent_folders("root.hcl") }
# Units live at output/<customer>/infra/environments/<environment>/<unit>/terragrunt.hcl; the
# environment's account, region, state bucket and tags come from
# output/<customer>/infra/config/<environment>.hcl, which fgen generates from the manifests.
# This file is maintained by hand (it holds no customer data).

locals {
  unit_path   = path_relative_to_include("root")
  path_parts  = split("/", local.unit_path)
  env_index   = index(local.path_parts, "environments")
  tree        = join("/", slice(local.path_parts, 0, local.env_index - 1))
  environment = local.path_parts[local.env_index + 1]
  unit        = join("/", slice(local.path_parts, local.env_index + 2, length(local.path_parts)))
  config      = read_terragrunt_config("${get_parent_terragrunt_dir("root")}/${local.tree}/infra/config/${local.environment}.hcl").locals
  # Units under <environment>/standby/ are the environment's warm standby: they run in its standby
  # region, keep their state in a bucket there (so the standby can be promoted while the primary
  # region is down), and their "dr" alias is the primary region.
  standby      = length(local.path_parts) > local.env_index + 3 && local.path_parts[local.env_index + 2] == "standby"
  region       = local.standby ? local.config.standby_region : local.config.region
  state_bucket = local.standby ? local.config.standby_state_bucket : local.config.state_bucket
  state_region = local.standby ? local.config.standby_region : local.config.state_region
  # Without a DR region the "dr" provider alias points at the primary region (it is then unused).
  dr_region = local.standby ? local.config.region : (local.config.dr_region != null ? local.config.dr_region : local.config.region)
}

# One state object per customer, environment and unit; S3-native locking (Terraform >= 1.11).
# Since Terragrunt 0.87 the bucket is not created implicitly: bootstrap it once per account with
#   terragrunt run --all --backend-bootstrap plan    (or: terragrunt backend bootstrap --all)
remote_state {
  backend = "s3"
  generate = {
    path      = "backend.tf"
    if_exists = "overwrite_terragrunt"
  }
  config = {
    bucket       = local.state_bucket
    key          = "${local.config.customer}/${local.environment}/${local.unit}/terraform.tfstate"
    region       = local.state_region
    encrypt      = true
    use_lockfile = true
    s3_bucket_tags = {
      customer   = local.config.customer
      managed-by = "terragrunt"
    }
  }
}

# The AWS provider of every unit: pinned to the environment's account, every resource tagged.
# "us_east_1" serves CloudFront certificates and CLOUDFRONT-scoped WAF; "dr" the disaster-recovery region.
generate "provider" {
  path      = "provider.tf"
  if_exists = "overwrite_terragrunt"
  contents  = <<-EOF
    provider "aws" {
      region              = "${local.region}"
      allowed_account_ids = ["${local.config.account_id}"]

      default_tags {
        tags = ${jsonencode(local.config.tags)}
      }
    }

    provider "aws" {
      alias               = "us_east_1"
      region              = "us-east-1"
      allowed_account_ids = ["${local.config.account_id}"]

      default_tags {
        tags = ${jsonencode(local.config.tags)}
      }
    }

    provider "aws" {
      alias               = "dr"
      region              = "${local.dr_region}"
      allowed_account_ids = ["${local.config.account_id}"]

      default_tags {
        tags = ${jsonencode(local.config.tags)}
      }
    }
  EOF
}
