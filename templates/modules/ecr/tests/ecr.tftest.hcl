mock_provider "aws" {}

variables {
  repository_names = {
    auth        = "acme/auth"
    game-logic  = "acme/game-logic"
    leaderboard = "acme/leaderboard"
  }
  kms_key_arn      = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000"
  keep_last_images = 30
}

run "prod_repositories" {
  command = plan

  assert {
    condition     = length(aws_ecr_repository.this) == 3 && aws_ecr_repository.this["game-logic"].name == "acme/game-logic"
    error_message = "One repository per service, named <customer>/<service>."
  }

  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : r.image_tag_mutability == "IMMUTABLE" && r.image_scanning_configuration[0].scan_on_push && !r.force_delete])
    error_message = "Tags are immutable, images scanned on push, repositories never force-deleted."
  }

  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : r.encryption_configuration[0].encryption_type == "KMS" && r.encryption_configuration[0].kms_key == var.kms_key_arn])
    error_message = "Images are encrypted with the customer key."
  }

  assert {
    condition     = jsondecode(aws_ecr_lifecycle_policy.this["auth"].policy).rules[1].selection.countNumber == 30
    error_message = "The lifecycle policy keeps the last N images."
  }
}

run "force_delete" {
  command = plan

  variables {
    force_delete = true
  }

  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : r.force_delete])
    error_message = "force_delete reaches every repository."
  }
}

run "bad_repository_name" {
  command = plan

  variables {
    repository_names = { auth = "Acme/Auth" }
  }

  expect_failures = [var.repository_names]
}
