output "role_arns" {
  description = "Operator role ARNs by role (admin, readonly); roles without principals are absent."
  value       = { for k, r in aws_iam_role.this : k => r.arn }
}

output "role_names" {
  description = "Operator role names by role (admin, readonly)."
  value       = { for k, r in aws_iam_role.this : k => r.name }
}
