output "parameter_arns" {
  description = "ARN of every parameter, by \"<service>/<name>\" (placeholders and existing ones)."
  value = merge(
    { for key, p in aws_ssm_parameter.placeholder : key => p.arn },
    { for key, p in data.aws_ssm_parameter.existing : key => p.arn },
  )
}

output "parameter_names" {
  description = "Full name of every parameter, by \"<service>/<name>\"."
  value       = { for key in keys(var.parameters) : key => "${var.path_prefix}/${key}" }
}

output "parameter_path_prefix" {
  description = "Hierarchy every parameter lives under (/<customer>/<environment>)."
  value       = var.path_prefix
}

output "read_policy_arn" {
  description = "Managed IAM policy that may read (and decrypt) every parameter under the path prefix."
  value       = aws_iam_policy.read.arn
}
