mock_provider "aws" {
  mock_resource "aws_lb" {
    defaults = {
      arn        = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/acme-dev/0123456789abcdef"
      arn_suffix = "app/acme-dev/0123456789abcdef"
    }
  }

  mock_resource "aws_lb_listener" {
    defaults = {
      arn = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/acme-dev/0123456789abcdef/0123456789abcdef"
    }
  }

  mock_resource "aws_lb_target_group" {
    defaults = {
      arn        = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/acme-dev-auth/0123456789abcdef"
      arn_suffix = "targetgroup/acme-dev-auth/0123456789abcdef"
    }
  }
}

variables {
  name               = "acme-dev"
  vpc_id             = "vpc-00000000000000000"
  public_subnet_ids  = ["subnet-00000000000000001", "subnet-00000000000000002"]
  security_group_id  = "sg-00000000000000001"
  certificate_arn    = "arn:aws:acm:eu-west-1:111111111111:certificate/1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b"
  idle_timeout       = 300
  access_logs_bucket = "acme-dev-logs-111111111111"
  access_logs_prefix = "alb"
  health_check = {
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
    matcher             = "200-299"
  }
  deletion_protection = false
  target_groups = {
    auth = {
      name              = "acme-dev-auth-0a1b2c"
      port              = 8080
      health_check_path = "/health"
      stickiness        = false
      priority          = 10
      path_patterns     = ["/api/auth/*"]
    }
    realtime = {
      name              = "acme-dev-realtime-3d4e5f"
      port              = 9000
      health_check_path = "/healthz"
      stickiness        = true
      priority          = 40
      path_patterns     = ["/ws/*", "/socket/*"]
    }
  }
}

run "dev_like" {
  command = plan

  assert {
    condition     = !aws_lb.this.internal && aws_lb.this.load_balancer_type == "application"
    error_message = "the ALB is internet-facing"
  }

  assert {
    condition     = aws_lb.this.drop_invalid_header_fields
    error_message = "invalid header fields are dropped"
  }

  assert {
    condition     = aws_lb.this.idle_timeout == 300 && !aws_lb.this.enable_deletion_protection
    error_message = "idle timeout and deletion protection follow the inputs"
  }

  assert {
    condition     = aws_lb.this.access_logs[0].enabled && aws_lb.this.access_logs[0].bucket == "acme-dev-logs-111111111111" && aws_lb.this.access_logs[0].prefix == "alb"
    error_message = "access logs go to the log bucket"
  }

  assert {
    condition     = aws_lb_listener.https.protocol == "HTTPS" && aws_lb_listener.https.port == 443 && aws_lb_listener.https.ssl_policy == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    error_message = "the HTTPS listener uses the TLS 1.3/1.2 policy by default"
  }

  assert {
    condition     = aws_lb_listener.https.default_action[0].type == "fixed-response" && aws_lb_listener.https.default_action[0].fixed_response[0].status_code == "404"
    error_message = "unclaimed paths get a 404"
  }

  assert {
    condition     = aws_lb_listener.http.port == 80 && aws_lb_listener.http.default_action[0].redirect[0].protocol == "HTTPS" && aws_lb_listener.http.default_action[0].redirect[0].status_code == "HTTP_301"
    error_message = "HTTP redirects permanently to HTTPS"
  }

  assert {
    condition     = length(aws_lb_target_group.this) == 2 && aws_lb_target_group.this["realtime"].port == 9000 && aws_lb_target_group.this["realtime"].target_type == "ip"
    error_message = "one ip target group per service, on the service's port"
  }

  assert {
    condition     = aws_lb_target_group.this["realtime"].stickiness[0].enabled && !aws_lb_target_group.this["auth"].stickiness[0].enabled
    error_message = "stickiness follows the service"
  }

  assert {
    condition     = aws_lb_target_group.this["realtime"].health_check[0].path == "/healthz" && aws_lb_target_group.this["auth"].health_check[0].matcher == "200-299"
    error_message = "health checks call the service's path"
  }

  assert {
    condition     = aws_lb_listener_rule.this["realtime"].priority == 40 && toset(one(aws_lb_listener_rule.this["realtime"].condition).path_pattern[0].values) == toset(["/ws/*", "/socket/*"])
    error_message = "rules route the service's path patterns at its priority"
  }
}

run "prod_like" {
  command = plan

  variables {
    name                = "acme-prod"
    deletion_protection = true
    ssl_policy          = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
  }

  assert {
    condition     = aws_lb.this.enable_deletion_protection
    error_message = "production ALBs are deletion-protected"
  }

  assert {
    condition     = aws_lb_listener.https.ssl_policy == "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
    error_message = "post-quantum policies are accepted"
  }
}

run "apply_outputs" {
  command = apply

  assert {
    condition     = output.target_group_arn_suffixes["auth"] == "targetgroup/acme-dev-auth/0123456789abcdef" && output.alb_arn_suffix == "app/acme-dev/0123456789abcdef"
    error_message = "outputs carry the suffixes auto-scaling needs"
  }
}

run "refuses_tls10_policy" {
  command = plan

  variables {
    ssl_policy = "ELBSecurityPolicy-2016-08"
  }

  expect_failures = [var.ssl_policy]
}

run "refuses_long_target_group_name" {
  command = plan

  variables {
    target_groups = {
      auth = {
        name              = "a-target-group-name-longer-than-32"
        port              = 8080
        health_check_path = "/health"
        stickiness        = false
        priority          = 10
        path_patterns     = ["/api/*"]
      }
    }
  }

  expect_failures = [var.target_groups]
}

run "blue_green" {
  command = plan

  variables {
    target_groups = {
      auth = {
        name              = "acme-prod-auth-0a1b2c"
        port              = 8080
        health_check_path = "/health"
        stickiness        = false
        priority          = 15
        path_patterns     = ["/api/auth/*"]
        blue_green        = true
        green_name        = "acme-prod-auth-g-9f8e7d"
      }
      realtime = {
        name              = "acme-prod-realtime-3d4e5f"
        port              = 9000
        health_check_path = "/healthz"
        stickiness        = true
        priority          = 40
        path_patterns     = ["/ws/*"]
      }
    }
    test_listener = {
      port         = 8443
      source_cidrs = ["198.51.100.0/24"]
      source_ips   = ["203.0.113.10", "203.0.113.11"]
    }
  }

  assert {
    condition     = keys(aws_lb_target_group.green) == ["auth"] && aws_lb_target_group.green["auth"].name == "acme-prod-auth-g-9f8e7d" && aws_lb_target_group.green["auth"].port == 8080
    error_message = "only blue/green services get a green target group, on the same port"
  }

  assert {
    condition     = keys(aws_lb_listener_rule.blue_green) == ["auth"] && keys(aws_lb_listener_rule.this) == ["realtime"]
    error_message = "blue/green services' production rules are the CodeDeploy-owned resource"
  }

  assert {
    condition     = aws_lb_listener.test[0].port == 8443 && aws_lb_listener.test[0].protocol == "HTTPS" && keys(aws_lb_listener_rule.test) == ["auth"]
    error_message = "an HTTPS test listener with a rule per blue/green service"
  }

  assert {
    condition     = [for r in aws_vpc_security_group_ingress_rule.test_listener : r.cidr_ipv4] == ["198.51.100.0/24", "203.0.113.10/32", "203.0.113.11/32"] && alltrue([for r in aws_vpc_security_group_ingress_rule.test_listener : r.from_port == 8443 && r.to_port == 8443 && r.description != ""])
    error_message = "the test port is open to the listed CIDRs and NAT addresses only"
  }
}

run "refuses_open_test_listener" {
  command = plan

  variables {
    test_listener = {
      port         = 8443
      source_cidrs = ["0.0.0.0/0"]
      source_ips   = []
    }
  }

  expect_failures = [var.test_listener]
}
