# Threat detection of one environment: the GuardDuty findings of its account and region at or above
# a severity, forwarded to THIS environment's alert topic. The detector itself (and Security Hub,
# AWS Config) is a per-account-and-region singleton created once, by the account_baseline unit of
# the owner environment (see `fgen accounts`), so every environment sharing an account still gets
# its alerts without a second detector.

resource "aws_cloudwatch_event_rule" "findings" {
  name        = "${var.name}-guardduty-findings"
  description = "GuardDuty findings with severity >= ${var.finding_min_severity}"
  event_pattern = jsonencode({
    source        = ["aws.guardduty"]
    "detail-type" = ["GuardDuty Finding"]
    detail = {
      severity = [{ numeric = [">=", var.finding_min_severity] }]
    }
  })
}

resource "aws_cloudwatch_event_target" "findings" {
  rule      = aws_cloudwatch_event_rule.findings.name
  target_id = "alert-topic"
  arn       = var.alert_topic_arn
}

# Before the account baseline existed, the rule and target were counted (the unit also held the
# detector); keep their state when upgrading.
# The detector, recorder, Config rules and Security Hub once lived here; they are the account baseline's
# now (another unit, another state file, so no moved block can carry them). Should an upgraded unit
# still hold them in its state (the README's `terragrunt state rm` skipped), Terraform forgets them
# instead of destroying the account's detector, recorder or hub, which the baseline imports.

removed {
  from = aws_guardduty_detector.this

  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_guardduty_detector_feature.s3

  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_guardduty_detector_feature.runtime

  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_config_configuration_recorder.this

  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_config_delivery_channel.this

  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_config_configuration_recorder_status.this

  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_config_config_rule.managed

  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_securityhub_account.this

  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_securityhub_standards_subscription.fsbp

  lifecycle {
    destroy = false
  }
}

moved {
  from = aws_cloudwatch_event_rule.findings[0]
  to   = aws_cloudwatch_event_rule.findings
}

moved {
  from = aws_cloudwatch_event_target.findings[0]
  to   = aws_cloudwatch_event_target.findings
}
