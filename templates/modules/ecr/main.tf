# One private ECR repository per application service, named <customer>/<service>: the image the
# ecs unit deploys by default (<account>.dkr.ecr.<region>.amazonaws.com/<customer>/<service>).
#
# The registry's scanning configuration (basic or enhanced) is account-wide: the account_baseline
# unit owns it. One ecr unit per customer, account and region creates the repositories every
# environment of the customer there pulls from (see `fgen accounts`).
#
# Tags are immutable: every build must push a unique tag (e.g. the commit SHA); a moving tag such
# as "latest-approved" can be pushed once only.

resource "aws_ecr_repository" "this" {
  for_each = var.repository_names

  name                 = each.value
  image_tag_mutability = "IMMUTABLE"
  force_delete         = var.force_delete

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = var.kms_key_arn
  }
}

resource "aws_ecr_lifecycle_policy" "this" {
  for_each = var.repository_names

  repository = aws_ecr_repository.this[each.key].name
  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Expire untagged images after ${var.untagged_expiry_days} days"
        selection = {
          tagStatus   = "untagged"
          countType   = "sinceImagePushed"
          countUnit   = "days"
          countNumber = var.untagged_expiry_days
        }
        action = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Keep the last ${var.keep_last_images} images"
        selection = {
          tagStatus   = "any"
          countType   = "imageCountMoreThan"
          countNumber = var.keep_last_images
        }
        action = { type = "expire" }
      },
    ]
  })
}

# The registry scanning configuration (one per account and region) is the account baseline's now;
# a unit upgraded from a version that held it forgets it instead of resetting the registry to basic
# scanning (the baseline puts its own configuration).
removed {
  from = aws_ecr_registry_scanning_configuration.this

  lifecycle {
    destroy = false
  }
}
