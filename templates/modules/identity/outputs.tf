output "user_pool_id" {
  description = "ID of the user pool."
  value       = aws_cognito_user_pool.this.id
}

output "user_pool_arn" {
  description = "ARN of the user pool."
  value       = aws_cognito_user_pool.this.arn
}

output "issuer" {
  description = "Token issuer (iss claim) services validate JWTs against; its /.well-known/jwks.json holds the signing keys."
  value       = "https://cognito-idp.${local.region}.amazonaws.com/${aws_cognito_user_pool.this.id}"
}

output "client_id" {
  description = "ID of the public web/mobile app client (the aud / client_id claim)."
  value       = aws_cognito_user_pool_client.web.id
}

output "domain" {
  description = "Hosted (managed login) domain."
  value       = "${aws_cognito_user_pool_domain.this.domain}.auth.${local.region}.amazoncognito.com"
}
