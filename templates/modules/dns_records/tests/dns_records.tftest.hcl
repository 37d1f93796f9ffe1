mock_provider "aws" {}

variables {
  zone_id = "Z0123456789ABCDEFGHIJ"
  records = {
    "origin" = {
      name                   = "origin.acme.example.com"
      type                   = "A"
      target_dns_name        = "acme-prod-1234567890.eu-west-1.elb.amazonaws.com"
      target_zone_id         = "Z32O12XQLNTSW2"
      evaluate_target_health = true
    }
    "acme.example.com-A" = {
      name                   = "acme.example.com"
      type                   = "A"
      target_dns_name        = "d111111abcdef8.cloudfront.net"
      target_zone_id         = "Z2FDTNDATAQYW2"
      evaluate_target_health = false
    }
    "acme.example.com-AAAA" = {
      name                   = "acme.example.com"
      type                   = "AAAA"
      target_dns_name        = "d111111abcdef8.cloudfront.net"
      target_zone_id         = "Z2FDTNDATAQYW2"
      evaluate_target_health = false
    }
  }
}

run "aliases" {
  command = plan

  assert {
    condition     = alltrue([for r in aws_route53_record.this : r.zone_id == "Z0123456789ABCDEFGHIJ" && r.ttl == null && try(length(r.records), 0) == 0])
    error_message = "Every record is an alias (no TTL, no literal records) in the customer's zone."
  }

  assert {
    condition = (
      aws_route53_record.this["origin"].alias[0].name == "acme-prod-1234567890.eu-west-1.elb.amazonaws.com" &&
      aws_route53_record.this["origin"].alias[0].zone_id == "Z32O12XQLNTSW2" &&
      aws_route53_record.this["origin"].alias[0].evaluate_target_health
    )
    error_message = "The origin name is an alias of the ALB that follows its health."
  }

  assert {
    condition     = aws_route53_record.this["acme.example.com-AAAA"].type == "AAAA" && aws_route53_record.this["acme.example.com-AAAA"].alias[0].zone_id == "Z2FDTNDATAQYW2"
    error_message = "CloudFront aliases get AAAA records too."
  }
}

run "rejects_a_zone_path" {
  command = plan

  variables {
    zone_id = "/hostedzone/Z0123456789ABCDEFGHIJ"
  }

  expect_failures = [var.zone_id]
}

run "rejects_a_cname" {
  command = plan

  variables {
    records = {
      "x" = { name = "origin.acme.example.com", type = "CNAME", target_dns_name = "x.elb.amazonaws.com", target_zone_id = "Z32O12XQLNTSW2", evaluate_target_health = true }
    }
  }

  expect_failures = [var.records]
}
