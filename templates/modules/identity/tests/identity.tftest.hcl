mock_provider "aws" {
  mock_data "aws_region" {
    defaults = {
      id   = "eu-west-1"
      name = "eu-west-1"
    }
  }

  mock_resource "aws_cognito_user_pool" {
    defaults = {
      id  = "eu-west-1_AbCdEf123"
      arn = "arn:aws:cognito-idp:eu-west-1:111111111111:userpool/eu-west-1_AbCdEf123"
    }
  }
}

variables {
  name                          = "acme-prod"
  domain_prefix                 = "acme-prod"
  mfa_configuration             = "ON"
  password_minimum_length       = 14
  threat_protection             = "ENFORCED"
  deletion_protection           = true
  groups                        = { admin = 10, moderator = 20, player = 30 }
  access_token_validity_minutes = 60
  id_token_validity_minutes     = 60
  refresh_token_validity_days   = 30
  refresh_token_rotation        = true
}

run "prod_pool" {
  command = apply

  assert {
    condition     = aws_cognito_user_pool.this.mfa_configuration == "ON" && aws_cognito_user_pool.this.software_token_mfa_configuration[0].enabled
    error_message = "MFA is required, with TOTP."
  }

  assert {
    condition = alltrue([
      aws_cognito_user_pool.this.password_policy[0].minimum_length == 14,
      aws_cognito_user_pool.this.password_policy[0].require_lowercase,
      aws_cognito_user_pool.this.password_policy[0].require_uppercase,
      aws_cognito_user_pool.this.password_policy[0].require_numbers,
      aws_cognito_user_pool.this.password_policy[0].require_symbols,
    ])
    error_message = "The password policy must require the length and every character class."
  }

  assert {
    condition     = aws_cognito_user_pool.this.deletion_protection == "ACTIVE" && aws_cognito_user_pool.this.user_pool_tier == "PLUS" && aws_cognito_user_pool.this.user_pool_add_ons[0].advanced_security_mode == "ENFORCED"
    error_message = "Production pools are protected from deletion and enforce threat protection."
  }

  assert {
    condition     = one([for m in aws_cognito_user_pool.this.account_recovery_setting[0].recovery_mechanism : m.name]) == "verified_email"
    error_message = "Accounts are recovered by verified email."
  }

  assert {
    condition     = aws_cognito_user_group.this["admin"].precedence == 10 && length(aws_cognito_user_group.this) == 3
    error_message = "The groups exist with their precedence."
  }

  assert {
    condition = alltrue([
      !aws_cognito_user_pool_client.web.generate_secret,
      aws_cognito_user_pool_client.web.enable_token_revocation,
      aws_cognito_user_pool_client.web.prevent_user_existence_errors == "ENABLED",
      aws_cognito_user_pool_client.web.refresh_token_validity == 30,
      aws_cognito_user_pool_client.web.token_validity_units[0].refresh_token == "days",
      aws_cognito_user_pool_client.web.explicit_auth_flows == toset(["ALLOW_USER_SRP_AUTH"]),
      aws_cognito_user_pool_client.web.refresh_token_rotation[0].feature == "ENABLED",
    ])
    error_message = "The public client: no secret, revocation, no user existence errors, rotation without REFRESH_TOKEN_AUTH."
  }

  assert {
    condition     = output.issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123"
    error_message = "The issuer is the pool's cognito-idp URL."
  }
}

run "dev_pool" {
  command = plan

  variables {
    name                    = "acme-dev"
    domain_prefix           = "acme-dev"
    mfa_configuration       = "OPTIONAL"
    password_minimum_length = 12
    threat_protection       = "OFF"
    deletion_protection     = false
    refresh_token_rotation  = false
  }

  assert {
    condition     = aws_cognito_user_pool.this.mfa_configuration == "OPTIONAL" && aws_cognito_user_pool.this.deletion_protection == "INACTIVE" && length(aws_cognito_user_pool.this.user_pool_add_ons) == 0 && aws_cognito_user_pool.this.user_pool_tier == "ESSENTIALS"
    error_message = "Dev: optional MFA, no deletion protection, Essentials tier."
  }

  assert {
    condition     = aws_cognito_user_pool_client.web.explicit_auth_flows == toset(["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    error_message = "Without rotation, SRP sign-in and refresh-token auth."
  }
}

run "short_password_refused" {
  command = plan

  variables {
    password_minimum_length = 8
  }

  expect_failures = [var.password_minimum_length]
}

run "reserved_domain_word_refused" {
  command = plan

  variables {
    domain_prefix = "acme-cognito"
  }

  expect_failures = [var.domain_prefix]
}
