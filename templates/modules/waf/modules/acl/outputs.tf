output "web_acl_arn" {
  description = "ARN of the web ACL."
  value       = aws_wafv2_web_acl.this.arn
}

output "web_acl" {
  description = "The web ACL's name, scope, rules and visibility configuration, as planned (for the parent module's tests and assertions)."
  value = {
    name              = aws_wafv2_web_acl.this.name
    scope             = aws_wafv2_web_acl.this.scope
    rule              = aws_wafv2_web_acl.this.rule
    visibility_config = aws_wafv2_web_acl.this.visibility_config
  }
}

output "log_group" {
  description = "The log group's name, ARN, retention and KMS key."
  value = {
    name              = aws_cloudwatch_log_group.this.name
    arn               = aws_cloudwatch_log_group.this.arn
    retention_in_days = aws_cloudwatch_log_group.this.retention_in_days
    kms_key_id        = aws_cloudwatch_log_group.this.kms_key_id
  }
}

output "log_policy_document" {
  description = "The CloudWatch Logs resource policy that lets log delivery write to exactly the log group (JSON)."
  value       = aws_cloudwatch_log_resource_policy.this.policy_document
}

output "redacted_headers" {
  description = "Headers redacted from the logs (lower case)."
  value       = [for f in aws_wafv2_web_acl_logging_configuration.this.redacted_fields : one(f.single_header).name]
}
