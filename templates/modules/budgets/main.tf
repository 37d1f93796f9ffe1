# Budgets and Cost Explorer are global services: no region is involved.

locals {
  # AWS Budgets' tag filter format is "user:<key>$<value>" for user-defined cost-allocation tags.
  tag_filter = format("user:%s$%s", var.cost_allocation_tag.key, var.cost_allocation_tag.value)

  anomaly = var.anomaly_detection != null
  # Cost Explorer expression (the API's own shape, all root operators present) of the tag monitor.
  tag_monitor_specification = jsonencode({
    And            = null
    CostCategories = null
    Dimensions     = null
    Not            = null
    Or             = null
    Tags = {
      Key          = "user:${var.cost_allocation_tag.key}"
      MatchOptions = null
      Values       = [var.cost_allocation_tag.value]
    }
  })
}

resource "aws_budgets_budget" "monthly" {
  name         = "${var.name}-monthly"
  budget_type  = "COST"
  limit_amount = tostring(var.monthly_limit_usd)
  limit_unit   = "USD"
  time_unit    = "MONTHLY"

  cost_filter {
    name   = "TagKeyValue"
    values = [local.tag_filter]
  }

  dynamic "notification" {
    for_each = var.notifications

    content {
      comparison_operator        = "GREATER_THAN"
      threshold                  = notification.value.threshold_percent
      threshold_type             = "PERCENTAGE"
      notification_type          = notification.value.type
      subscriber_email_addresses = var.emails
      subscriber_sns_topic_arns  = var.notify_sns ? [var.sns_topic_arn] : []
    }
  }
}

# --- Cost Anomaly Detection ------------------------------------------------------------------------

resource "aws_ce_anomaly_monitor" "this" {
  count = local.anomaly ? 1 : 0

  name                  = "${var.name}-costs"
  monitor_type          = var.anomaly_detection.monitor == "tag" ? "CUSTOM" : "DIMENSIONAL"
  monitor_dimension     = var.anomaly_detection.monitor == "services" ? "SERVICE" : null
  monitor_specification = var.anomaly_detection.monitor == "tag" ? local.tag_monitor_specification : null
}

# Email recipients get a daily summary (AWS allows IMMEDIATE only for SNS subscribers).
resource "aws_ce_anomaly_subscription" "email" {
  count = local.anomaly ? 1 : 0

  name             = "${var.name}-anomalies-email"
  frequency        = "DAILY"
  monitor_arn_list = [aws_ce_anomaly_monitor.this[0].arn]

  dynamic "subscriber" {
    for_each = var.emails

    content {
      type    = "EMAIL"
      address = subscriber.value
    }
  }

  threshold_expression {
    dimension {
      key           = "ANOMALY_TOTAL_IMPACT_ABSOLUTE"
      match_options = ["GREATER_THAN_OR_EQUAL"]
      values        = [tostring(var.anomaly_detection.threshold_usd)]
    }
  }
}

# The alert topic is told at once (an alert subscription takes either emails or one SNS topic).
resource "aws_ce_anomaly_subscription" "sns" {
  count = local.anomaly && var.notify_sns ? 1 : 0

  name             = "${var.name}-anomalies-sns"
  frequency        = "IMMEDIATE"
  monitor_arn_list = [aws_ce_anomaly_monitor.this[0].arn]

  subscriber {
    type    = "SNS"
    address = var.sns_topic_arn
  }

  threshold_expression {
    dimension {
      key           = "ANOMALY_TOTAL_IMPACT_ABSOLUTE"
      match_options = ["GREATER_THAN_OR_EQUAL"]
      values        = [tostring(var.anomaly_detection.threshold_usd)]
    }
  }
}
