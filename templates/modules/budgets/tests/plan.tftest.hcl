mock_provider "aws" {
  mock_resource "aws_ce_anomaly_monitor" {
    defaults = {
      arn = "arn:aws:ce::111111111111:anomalymonitor/00000000-0000-0000-0000-000000000000"
    }
  }
}

variables {
  name                = "acme-prod"
  monthly_limit_usd   = 2500
  cost_allocation_tag = { key = "customer", value = "acme" }
  notifications = [
    { threshold_percent = 80, type = "FORECASTED" },
    { threshold_percent = 100, type = "ACTUAL" },
  ]
  emails            = ["platform@acme.example.com"]
  sns_topic_arn     = "arn:aws:sns:eu-west-1:111111111111:acme-prod-alerts"
  notify_sns        = true
  anomaly_detection = { monitor = "tag", threshold_usd = 100 }
}

run "prod_budget_and_tag_monitor" {
  command = plan

  assert {
    condition     = aws_budgets_budget.monthly.name == "acme-prod-monthly" && aws_budgets_budget.monthly.budget_type == "COST" && aws_budgets_budget.monthly.time_unit == "MONTHLY"
    error_message = "One monthly COST budget named after the environment."
  }

  assert {
    condition     = aws_budgets_budget.monthly.limit_amount == "2500" && aws_budgets_budget.monthly.limit_unit == "USD"
    error_message = "The limit is the manifest amount in USD."
  }

  assert {
    condition     = one(aws_budgets_budget.monthly.cost_filter).name == "TagKeyValue" && one(aws_budgets_budget.monthly.cost_filter).values == tolist(["user:customer$acme"])
    error_message = "The budget is filtered by the customer cost-allocation tag (user:<key>$<value>)."
  }

  assert {
    condition     = length(aws_budgets_budget.monthly.notification) == 2
    error_message = "One notification per threshold."
  }

  assert {
    condition = alltrue([for n in aws_budgets_budget.monthly.notification :
    n.threshold_type == "PERCENTAGE" && n.comparison_operator == "GREATER_THAN" && contains(n.subscriber_sns_topic_arns, var.sns_topic_arn)])
    error_message = "Notifications are percentages of the limit and reach the alert topic."
  }

  assert {
    condition     = toset([for n in aws_budgets_budget.monthly.notification : "${n.notification_type}/${n.threshold}"]) == toset(["FORECASTED/80", "ACTUAL/100"])
    error_message = "80% forecasted and 100% actual."
  }

  assert {
    condition     = aws_ce_anomaly_monitor.this[0].monitor_type == "CUSTOM" && jsondecode(aws_ce_anomaly_monitor.this[0].monitor_specification).Tags.Key == "user:customer"
    error_message = "The tag monitor is a CUSTOM monitor of the customer tag."
  }

  assert {
    condition     = jsondecode(aws_ce_anomaly_monitor.this[0].monitor_specification).Tags.Values == ["acme"]
    error_message = "The tag monitor watches the customer's tag value."
  }

  assert {
    condition     = aws_ce_anomaly_subscription.email[0].frequency == "DAILY" && one(one(aws_ce_anomaly_subscription.email[0].threshold_expression).dimension).key == "ANOMALY_TOTAL_IMPACT_ABSOLUTE"
    error_message = "Email subscribers get a daily summary above an absolute impact."
  }

  assert {
    condition     = one(one(aws_ce_anomaly_subscription.email[0].threshold_expression).dimension).values == toset(["100"]) && one(one(aws_ce_anomaly_subscription.email[0].threshold_expression).dimension).match_options == toset(["GREATER_THAN_OR_EQUAL"])
    error_message = "The threshold is >= the manifest amount."
  }

  assert {
    condition     = aws_ce_anomaly_subscription.sns[0].frequency == "IMMEDIATE" && one(aws_ce_anomaly_subscription.sns[0].subscriber).type == "SNS"
    error_message = "The alert topic is notified immediately."
  }
}

run "dev_email_only_services_monitor" {
  command = plan

  variables {
    monthly_limit_usd = 300
    sns_topic_arn     = null
    notify_sns        = false
    anomaly_detection = { monitor = "services", threshold_usd = 20 }
  }

  assert {
    condition     = alltrue([for n in aws_budgets_budget.monthly.notification : length(n.subscriber_sns_topic_arns) == 0])
    error_message = "Without an alert topic notifications go to email only."
  }

  assert {
    condition     = aws_ce_anomaly_monitor.this[0].monitor_type == "DIMENSIONAL" && aws_ce_anomaly_monitor.this[0].monitor_dimension == "SERVICE"
    error_message = "The services monitor is DIMENSIONAL by SERVICE."
  }

  assert {
    condition     = length(aws_ce_anomaly_subscription.sns) == 0
    error_message = "No SNS subscription without a topic."
  }
}

run "anomaly_detection_off" {
  command = apply

  variables {
    anomaly_detection = null
  }

  assert {
    condition     = length(aws_ce_anomaly_monitor.this) == 0 && output.anomaly_monitor_arn == null
    error_message = "No monitor when anomaly detection is off."
  }

  assert {
    condition     = output.budget_name == "acme-prod-monthly"
    error_message = "budget_name is the budget's name."
  }
}

run "rejects_a_zero_budget" {
  command = plan

  variables {
    monthly_limit_usd = 0
  }

  expect_failures = [var.monthly_limit_usd]
}
