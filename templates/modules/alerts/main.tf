data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  # id is the region name in provider 5 and 6 (name is deprecated in 6)
  region = data.aws_region.current.id

  # The resources each publishing service sends from, for an aws:SourceArn condition on top of
  # aws:SourceAccount; services not listed here are limited to this account only.
  source_arns = {
    "cloudwatch.amazonaws.com" = "arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:*"
    "events.amazonaws.com"     = "arn:${local.partition}:events:${local.region}:${local.account_id}:rule/*"
    "budgets.amazonaws.com"    = "arn:${local.partition}:budgets::${local.account_id}:*"
  }
}

resource "aws_sns_topic" "this" {
  name              = var.name
  display_name      = var.display_name
  kms_master_key_id = var.kms_key_arn

  tags = {
    Name = var.name
  }
}

locals {
  # Written as JSON here (not aws_iam_policy_document) so that module tests can read it back.
  topic_policy = {
    Version = "2012-10-17"
    Statement = concat(
      [{
        Sid       = "AccountAdministration"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action = [
          "sns:GetTopicAttributes",
          "sns:SetTopicAttributes",
          "sns:AddPermission",
          "sns:RemovePermission",
          "sns:DeleteTopic",
          "sns:Subscribe",
          "sns:ListSubscriptionsByTopic",
          "sns:Publish",
        ]
        Resource = aws_sns_topic.this.arn
      }],
      [for p in var.publisher_service_principals : {
        Sid       = "Publish${replace(title(replace(split(".", p)[0], "-", " ")), " ", "")}"
        Effect    = "Allow"
        Principal = { Service = p }
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.this.arn
        Condition = merge(
          { StringEquals = { "aws:SourceAccount" = local.account_id } },
          contains(keys(local.source_arns), p) ? { ArnLike = { "aws:SourceArn" = local.source_arns[p] } } : {},
        )
      }],
      [{
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.this.arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      }],
    )
  }
}

resource "aws_sns_topic_policy" "this" {
  arn    = aws_sns_topic.this.arn
  policy = jsonencode(local.topic_policy)
}

# Email subscriptions stay "pending confirmation" until the recipient clicks the link SNS sends;
# Terraform cannot confirm them, and AWS removes unconfirmed ones after three days.
resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.email_addresses)

  topic_arn = aws_sns_topic.this.arn
  protocol  = "email"
  endpoint  = each.value
}
