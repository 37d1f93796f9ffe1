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

run "no_health_checks_without_failover" {
  command = plan

  assert {
    condition     = length(aws_route53_health_check.this) == 0 && alltrue([for r in aws_route53_record.this : length(r.failover_routing_policy) == 0 && r.set_identifier == null && r.health_check_id == null])
    error_message = "Plain alias records: no health checks, no routing policy."
  }
}

run "warm_standby_failover" {
  command = plan

  variables {
    records = {
      "origin" = {
        name                   = "origin.acme.example.com"
        type                   = "A"
        target_dns_name        = "acme-prod-1234567890.eu-west-1.elb.amazonaws.com"
        target_zone_id         = "Z32O12XQLNTSW2"
        evaluate_target_health = true
        failover               = "PRIMARY"
        set_identifier         = "primary"
        health_check           = "alb"
      }
      "origin-secondary" = {
        name                   = "origin.acme.example.com"
        type                   = "A"
        target_dns_name        = "acme-prod-standby-987654321.eu-central-1.elb.amazonaws.com"
        target_zone_id         = "Z215JYRZR1TBD5"
        evaluate_target_health = true
        failover               = "SECONDARY"
        set_identifier         = "secondary"
        health_check           = "standby-alb"
      }
    }
    health_checks = {
      alb         = { name = "acme-prod-alb", fqdn = "acme-prod-1234567890.eu-west-1.elb.amazonaws.com", resource_path = "/api/auth/health" }
      standby-alb = { name = "acme-prod-standby-alb", fqdn = "acme-prod-standby-987654321.eu-central-1.elb.amazonaws.com", resource_path = "/api/auth/health" }
    }
  }

  assert {
    condition     = aws_route53_record.this["origin"].failover_routing_policy[0].type == "PRIMARY" && aws_route53_record.this["origin-secondary"].failover_routing_policy[0].type == "SECONDARY"
    error_message = "The origin name is a PRIMARY/SECONDARY pair."
  }

  assert {
    condition     = aws_route53_record.this["origin"].set_identifier == "primary" && aws_route53_record.this["origin-secondary"].set_identifier == "secondary"
    error_message = "Failover records carry their set identifiers."
  }

  assert {
    condition     = alltrue([for c in aws_route53_health_check.this : c.type == "HTTPS" && c.port == 443 && c.enable_sni && c.request_interval == 30 && c.failure_threshold == 3 && c.resource_path == "/api/auth/health"])
    error_message = "Both ALBs are checked over HTTPS on the health path, every 30 s, unhealthy after 3 failures."
  }

  assert {
    condition     = aws_route53_health_check.this["standby-alb"].fqdn == "acme-prod-standby-987654321.eu-central-1.elb.amazonaws.com" && aws_route53_health_check.this["standby-alb"].tags.Name == "acme-prod-standby-alb"
    error_message = "The standby ALB is checked on its own DNS name."
  }
}

run "rejects_failover_without_a_health_check" {
  command = plan

  variables {
    records = {
      "x" = { name = "origin.acme.example.com", type = "A", target_dns_name = "x.elb.amazonaws.com", target_zone_id = "Z32O12XQLNTSW2", evaluate_target_health = true, failover = "PRIMARY", set_identifier = "primary" }
    }
  }

  expect_failures = [var.records]
}

run "rejects_an_unknown_health_check" {
  command = plan

  variables {
    records = {
      "x" = { name = "origin.acme.example.com", type = "A", target_dns_name = "x.elb.amazonaws.com", target_zone_id = "Z32O12XQLNTSW2", evaluate_target_health = true, failover = "SECONDARY", set_identifier = "secondary", health_check = "nope" }
    }
  }

  expect_failures = [var.records]
}
