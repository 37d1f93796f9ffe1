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

  mock_resource "aws_sns_topic" {
    defaults = {
      arn = "arn:aws:sns:eu-west-1:111111111111:acme-prod-alerts"
    }
  }
}

variables {
  name                         = "acme-prod-alerts"
  display_name                 = "Acme (prod)"
  kms_key_arn                  = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000"
  email_addresses              = ["ops@acme.example.com", "oncall@acme.example.com"]
  publisher_service_principals = ["cloudwatch.amazonaws.com", "events.amazonaws.com", "budgets.amazonaws.com", "costalerts.amazonaws.com"]
}

run "encrypted_topic_with_subscriptions" {
  command = plan

  assert {
    condition     = aws_sns_topic.this.kms_master_key_id == var.kms_key_arn
    error_message = "The topic must be encrypted with the customer key."
  }

  assert {
    condition     = length(aws_sns_topic_subscription.email) == 2
    error_message = "One email subscription per address."
  }

  assert {
    condition     = alltrue([for s in aws_sns_topic_subscription.email : s.protocol == "email"])
    error_message = "Subscriptions are email subscriptions."
  }
}

run "policy_lets_services_publish_from_this_account" {
  command = apply

  assert {
    condition = alltrue([
      for p in var.publisher_service_principals : anytrue([
        for s in jsondecode(aws_sns_topic_policy.this.policy).Statement :
        try(s.Principal.Service == p && s.Action == "sns:Publish" && s.Condition.StringEquals["aws:SourceAccount"] == "111111111111", false)
      ])
    ])
    error_message = "Every publisher may publish, limited to this account."
  }

  assert {
    condition = anytrue([
      for s in jsondecode(aws_sns_topic_policy.this.policy).Statement :
      try(s.Effect == "Deny" && s.Condition.Bool["aws:SecureTransport"] == "false", false)
    ])
    error_message = "Publishing without TLS is denied."
  }

  assert {
    condition = anytrue([
      for s in jsondecode(aws_sns_topic_policy.this.policy).Statement :
      try(s.Principal.Service == "cloudwatch.amazonaws.com" && s.Condition.ArnLike["aws:SourceArn"] == "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:*", false)
    ])
    error_message = "CloudWatch may publish for this account's alarms only."
  }

  assert {
    condition     = output.topic_arn == "arn:aws:sns:eu-west-1:111111111111:acme-prod-alerts"
    error_message = "topic_arn is the topic's ARN."
  }
}

run "rejects_duplicate_emails" {
  command = plan

  variables {
    email_addresses = ["ops@acme.example.com", "OPS@acme.example.com"]
  }

  expect_failures = [var.email_addresses]
}
