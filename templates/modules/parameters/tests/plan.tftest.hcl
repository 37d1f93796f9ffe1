mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111111111111"
    }
  }

  mock_data "aws_region" {
    defaults = {
      id   = "eu-west-1"
      name = "eu-west-1"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  mock_data "aws_ssm_parameter" {
    defaults = {
      arn = "arn:aws:ssm:eu-west-1:111111111111:parameter/acme/prod/auth/existing"
    }
  }

  mock_resource "aws_ssm_parameter" {
    defaults = {
      arn = "arn:aws:ssm:eu-west-1:111111111111:parameter/acme/prod/mock"
    }
  }

  mock_resource "aws_iam_policy" {
    defaults = {
      arn = "arn:aws:iam::111111111111:policy/acme-prod-read-parameters"
    }
  }
}

variables {
  path_prefix      = "/acme/prod"
  kms_key_arn      = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000"
  read_policy_name = "acme-prod-read-parameters"
  parameters = {
    "auth/jwt-signing-key"  = { description = "JWT_SIGNING_KEY of auth", existing = false }
    "game-logic/stripe-key" = { description = "STRIPE_KEY of game-logic", existing = false }
    "auth/legacy-secret"    = { description = "LEGACY_SECRET of auth", existing = true }
  }
}

run "placeholders_are_secure_strings_with_the_customer_key" {
  command = plan

  assert {
    condition     = length(aws_ssm_parameter.placeholder) == 2
    error_message = "One placeholder per non-existing parameter."
  }

  assert {
    condition     = alltrue([for p in aws_ssm_parameter.placeholder : p.type == "SecureString" && p.key_id == var.kms_key_arn])
    error_message = "Placeholders must be SecureString parameters encrypted with the customer key."
  }

  assert {
    condition     = aws_ssm_parameter.placeholder["auth/jwt-signing-key"].name == "/acme/prod/auth/jwt-signing-key"
    error_message = "Parameters are named <path_prefix>/<service>/<name>."
  }

  assert {
    condition     = nonsensitive(aws_ssm_parameter.placeholder["auth/jwt-signing-key"].value) == "CHANGE_ME"
    error_message = "Placeholders hold the fixed non-secret marker."
  }

  assert {
    condition     = aws_ssm_parameter.placeholder["auth/jwt-signing-key"].tier == "Standard"
    error_message = "Default tier is Standard."
  }

  assert {
    condition     = length(data.aws_ssm_parameter.existing) == 1 && data.aws_ssm_parameter.existing["auth/legacy-secret"].with_decryption == false
    error_message = "Existing parameters are referenced without reading their value."
  }

  assert {
    condition     = aws_iam_policy.read.name == "acme-prod-read-parameters"
    error_message = "The read policy takes the given name."
  }
}

run "outputs_cover_every_parameter" {
  command = apply

  assert {
    condition     = toset(keys(output.parameter_arns)) == toset(["auth/jwt-signing-key", "game-logic/stripe-key", "auth/legacy-secret"])
    error_message = "parameter_arns has every parameter, placeholders and existing ones."
  }

  assert {
    condition     = output.parameter_path_prefix == "/acme/prod"
    error_message = "parameter_path_prefix is the path prefix."
  }

  assert {
    condition     = output.read_policy_arn == "arn:aws:iam::111111111111:policy/acme-prod-read-parameters"
    error_message = "read_policy_arn is the policy's ARN."
  }
}

run "no_parameters" {
  command = plan

  variables {
    parameters = {}
  }

  assert {
    condition     = length(aws_ssm_parameter.placeholder) == 0 && length(data.aws_ssm_parameter.existing) == 0
    error_message = "Without secrets nothing is created but the read policy."
  }
}

run "rejects_a_bad_prefix" {
  command = plan

  variables {
    path_prefix = "acme/prod/"
  }

  expect_failures = [var.path_prefix]
}
