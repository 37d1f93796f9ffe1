resource "aws_lb" "this" {
  name                       = var.name
  load_balancer_type         = "application"
  internal                   = false
  ip_address_type            = "ipv4"
  subnets                    = var.public_subnet_ids
  security_groups            = [var.security_group_id]
  idle_timeout               = var.idle_timeout
  enable_deletion_protection = var.deletion_protection
  enable_http2               = true
  drop_invalid_header_fields = true
  desync_mitigation_mode     = "defensive"

  access_logs {
    bucket  = var.access_logs_bucket
    prefix  = var.access_logs_prefix
    enabled = true
  }

  tags = {
    Name = var.name
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = var.certificate_arn

  # Only paths a service claims are forwarded; everything else ends here.
  default_action {
    type = "fixed-response"

    fixed_response {
      content_type = "text/plain"
      message_body = "Not Found"
      status_code  = "404"
    }
  }

  tags = {
    Name = "${var.name}-https"
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      protocol    = "HTTPS"
      port        = "443"
      status_code = "HTTP_301"
    }
  }

  tags = {
    Name = "${var.name}-http"
  }
}

resource "aws_lb_target_group" "this" {
  # checkov:skip=CKV_AWS_378:TLS ends at the ALB; ALB-to-task traffic stays in the VPC's private subnets, and the tasks' security groups accept it from the ALB's security group only
  for_each = var.target_groups

  # The name carries a hash of what forces a replacement, so a new group can be created before the old one goes.
  name                 = each.value.name
  vpc_id               = var.vpc_id
  target_type          = "ip"
  protocol             = "HTTP"
  protocol_version     = "HTTP1"
  port                 = each.value.port
  deregistration_delay = var.deregistration_delay

  health_check {
    enabled             = true
    protocol            = "HTTP"
    port                = "traffic-port"
    path                = each.value.health_check_path
    interval            = var.health_check.interval
    timeout             = var.health_check.timeout
    healthy_threshold   = var.health_check.healthy_threshold
    unhealthy_threshold = var.health_check.unhealthy_threshold
    matcher             = var.health_check.matcher
  }

  stickiness {
    type            = "lb_cookie"
    enabled         = each.value.stickiness
    cookie_duration = 86400
  }

  tags = {
    Name = each.value.name
  }

  lifecycle {
    create_before_destroy = true
  }
}

locals {
  # Services that CodeDeploy releases blue/green: a second (green) target group each, and listener
  # rules whose forward action CodeDeploy swaps between the two groups (so Terraform ignores it).
  blue_green = { for name, tg in var.target_groups : name => tg if tg.blue_green }
  rolling    = { for name, tg in var.target_groups : name => tg if !tg.blue_green }
}

resource "aws_lb_listener_rule" "this" {
  for_each = local.rolling

  listener_arn = aws_lb_listener.https.arn
  priority     = each.value.priority

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this[each.key].arn
  }

  condition {
    path_pattern {
      values = each.value.path_patterns
    }
  }

  tags = {
    Name = each.value.name
  }
}

# --- blue/green (CodeDeploy) ---------------------------------------------------------------------

resource "aws_lb_target_group" "green" {
  # checkov:skip=CKV_AWS_378:TLS ends at the ALB; ALB-to-task traffic stays in the VPC's private subnets, and the tasks' security groups accept it from the ALB's security group only
  for_each = local.blue_green

  name                 = each.value.green_name
  vpc_id               = var.vpc_id
  target_type          = "ip"
  protocol             = "HTTP"
  protocol_version     = "HTTP1"
  port                 = each.value.port
  deregistration_delay = var.deregistration_delay

  health_check {
    enabled             = true
    protocol            = "HTTP"
    port                = "traffic-port"
    path                = each.value.health_check_path
    interval            = var.health_check.interval
    timeout             = var.health_check.timeout
    healthy_threshold   = var.health_check.healthy_threshold
    unhealthy_threshold = var.health_check.unhealthy_threshold
    matcher             = var.health_check.matcher
  }

  stickiness {
    type            = "lb_cookie"
    enabled         = each.value.stickiness
    cookie_duration = 86400
  }

  tags = {
    Name = each.value.green_name
  }

  lifecycle {
    create_before_destroy = true
  }
}

# Production rules of blue/green services: they start on the blue group; each CodeDeploy release
# points them at the other group, so Terraform must not set the action back.
resource "aws_lb_listener_rule" "blue_green" {
  for_each = local.blue_green

  listener_arn = aws_lb_listener.https.arn
  priority     = each.value.priority

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this[each.key].arn
  }

  condition {
    path_pattern {
      values = each.value.path_patterns
    }
  }

  tags = {
    Name = each.value.name
  }

  lifecycle {
    ignore_changes = [action]
  }
}

# Test listener: CodeDeploy sends it to the replacement (green) task set before production traffic
# moves, so a release can be checked on https://<alb>:<port>/... first. Reachable only from the
# listed CIDRs (the platform's NAT addresses and the admins' networks), never from the internet.
resource "aws_lb_listener" "test" {
  count = var.test_listener == null ? 0 : 1

  load_balancer_arn = aws_lb.this.arn
  port              = var.test_listener.port
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = var.certificate_arn

  default_action {
    type = "fixed-response"

    fixed_response {
      content_type = "text/plain"
      message_body = "Not Found"
      status_code  = "404"
    }
  }

  tags = {
    Name = "${var.name}-test"
  }
}

resource "aws_lb_listener_rule" "test" {
  for_each = var.test_listener == null ? {} : local.blue_green

  listener_arn = aws_lb_listener.test[0].arn
  priority     = each.value.priority

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this[each.key].arn
  }

  condition {
    path_pattern {
      values = each.value.path_patterns
    }
  }

  tags = {
    Name = "${each.value.name}-test"
  }

  lifecycle {
    ignore_changes = [action]
  }
}

locals {
  test_listener_cidrs = var.test_listener == null ? [] : concat(
    var.test_listener.source_cidrs,
    [for ip in var.test_listener.source_ips : "${ip}/32"],
  )
}

# count, not for_each: the NAT addresses may be unknown until the VPC exists
resource "aws_vpc_security_group_ingress_rule" "test_listener" {
  count = length(local.test_listener_cidrs)

  security_group_id = var.security_group_id
  description       = "CodeDeploy test listener (release checks before traffic shifts)"
  ip_protocol       = "tcp"
  from_port         = var.test_listener.port
  to_port           = var.test_listener.port
  cidr_ipv4         = local.test_listener_cidrs[count.index]

  tags = {
    Name = "${var.name}-test-listener"
  }
}
