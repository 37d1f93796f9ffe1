# The platform's own users (players, moderators, admins): a Cognito user pool per environment with
# email sign-in, TOTP MFA, a strong password policy, groups, a public app client for the web and
# mobile games (no client secret; SRP sign-in) and a hosted domain. Services validate the JWTs
# against the issuer output (https://cognito-idp.<region>.amazonaws.com/<pool id>).

data "aws_region" "current" {}

locals {
  region = data.aws_region.current.id
  # REFRESH_TOKEN_AUTH cannot be combined with refresh token rotation
  auth_flows = var.refresh_token_rotation ? ["ALLOW_USER_SRP_AUTH"] : ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
}

resource "aws_cognito_user_pool" "this" {
  name                     = "${var.name}-players"
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  mfa_configuration        = var.mfa_configuration
  deletion_protection      = var.deletion_protection ? "ACTIVE" : "INACTIVE"
  # threat protection (advanced security) is a Plus tier feature
  user_pool_tier = var.threat_protection == "OFF" ? "ESSENTIALS" : "PLUS"

  software_token_mfa_configuration {
    enabled = true
  }

  password_policy {
    minimum_length                   = var.password_minimum_length
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = true
    temporary_password_validity_days = var.temporary_password_validity_days
  }

  dynamic "user_pool_add_ons" {
    for_each = var.threat_protection == "OFF" ? [] : [1]

    content {
      advanced_security_mode = var.threat_protection
    }
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }

  username_configuration {
    case_sensitive = false
  }

  admin_create_user_config {
    allow_admin_create_user_only = false
  }
}

resource "aws_cognito_user_group" "this" {
  for_each = var.groups

  name         = each.key
  user_pool_id = aws_cognito_user_pool.this.id
  precedence   = each.value
  description  = "${each.key} (precedence ${each.value})"
}

resource "aws_cognito_user_pool_client" "web" {
  name         = "${var.name}-web"
  user_pool_id = aws_cognito_user_pool.this.id

  # public client (browser and mobile games): no secret, SRP so passwords never leave the device
  generate_secret               = false
  explicit_auth_flows           = local.auth_flows
  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true

  access_token_validity  = var.access_token_validity_minutes
  id_token_validity      = var.id_token_validity_minutes
  refresh_token_validity = var.refresh_token_validity_days

  token_validity_units {
    access_token  = "minutes"
    id_token      = "minutes"
    refresh_token = "days"
  }

  dynamic "refresh_token_rotation" {
    for_each = var.refresh_token_rotation ? [1] : []

    content {
      feature                    = "ENABLED"
      retry_grace_period_seconds = var.refresh_token_retry_grace_seconds
    }
  }
}

resource "aws_cognito_user_pool_domain" "this" {
  domain       = var.domain_prefix
  user_pool_id = aws_cognito_user_pool.this.id
}
