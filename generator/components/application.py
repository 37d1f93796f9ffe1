"""Application components: the access-log bucket, the Application Load Balancer and ECS on Fargate.

Every enabled entry of the top-level ``services`` map becomes one target group and listener rule
on the ALB and one ECS service (task definition, roles, log group, auto-scaling) in the cluster.
Services with ``enabled: false`` appear nowhere.
"""

from __future__ import annotations

import fnmatch
import hashlib
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from ..errors import Problem
from ..schema.base import StrictModel
from ..schema.services import ServiceSettings
from ..schema.types import region_of_arn
from .base import Assertion, Component, EnvContext, NamedResource, expect, expect_set, hcl_value, log_groups

# --- naming ---------------------------------------------------------------------------------------


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def fit_name(full: str, limit: int) -> str:
    """``full`` if it fits in ``limit`` characters, else a truncation plus a short hash of ``full``.

    Deterministic (the same input always gives the same name) and collision-resistant (two long
    names that share a prefix still differ).
    """
    if len(full) <= limit:
        return full
    digest = _digest(full, 8)
    return f"{full[:limit - len(digest) - 1].rstrip('-_')}-{digest}"


def target_group_name(prefix: str, service: str, port: int) -> str:
    """At most 32 characters: ``<prefix>-<service>`` (truncated) plus a hash of what forces a new group.

    A target group is replaced when its port changes; the hash in the name lets Terraform create
    the new group before it destroys the old one (names are unique per account and region).
    """
    base = f"{prefix}-{service}"
    digest = _digest(f"{base}:{port}:HTTP:ip", 6)
    return f"{base[:32 - len(digest) - 1].rstrip('-')}-{digest}"


def alb_name(prefix: str) -> str:
    name = fit_name(prefix, 32)
    return fit_name(f"alb-{name}", 32) if name.startswith("internal-") else name


def enabled_services(env: EnvContext) -> dict[str, ServiceSettings]:
    """The enabled services, sorted by name."""
    return {name: s for name, s in sorted(env.manifest.services.items()) if s.enabled}


def blue_green_services(env: EnvContext) -> dict[str, ServiceSettings]:
    """The enabled services released blue/green by CodeDeploy (``deployment: blue_green``), sorted by name."""
    return {name: s for name, s in enabled_services(env).items() if s.deployment == "blue_green"}


def green_target_group_name(prefix: str, service: str, port: int) -> str:
    """The second (green) target group of a blue/green service: like ``target_group_name`` with ``-g-``
    before the hash, so the pair is told apart at a glance (at most 32 characters)."""
    base = f"{prefix}-{service}"
    digest = _digest(f"{base}:{port}:HTTP:ip:green", 6)
    return f"{base[:32 - len(digest) - 3].rstrip('-')}-g-{digest}"


#: First listener rule priority of the services' own rules in non-production environments: feature-branch
#: previews (generator/components/preview.py) put their host-and-path rules below it, so they are
#: evaluated before the path-only rules they narrow. Production has no previews and starts at 0.
NONPROD_RULES_BASE = 45000


def rule_priorities(env: EnvContext) -> dict[str, int]:
    """Listener rule priority of every service: base + 10, 20, ... in name order over *all* services.

    Disabled services keep their slot, so switching one off or on never renumbers the others.
    """
    base = 0 if env.is_production else NONPROD_RULES_BASE
    return {name: base + (index + 1) * 10 for index, name in enumerate(sorted(env.manifest.services))}


# --- log bucket -----------------------------------------------------------------------------------

#: Elastic Load Balancing's log-delivery accounts of the regions that opened before August 2022
#: (AWS ALB user guide, "Enable access logs", legacy regions). Newer regions only know the service
#: principal logdelivery.elasticloadbalancing.amazonaws.com, which the bucket policy always grants.
ELB_LOG_ACCOUNTS: dict[str, str] = {
    "us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980",
    "us-west-2": "797873946194", "af-south-1": "098369216593", "ap-east-1": "754344448648",
    "ap-southeast-3": "589379963580", "ap-south-1": "718504428378", "ap-northeast-3": "383597477331",
    "ap-northeast-2": "600734575887", "ap-southeast-1": "114774131450", "ap-southeast-2": "783225319266",
    "ap-northeast-1": "582318560864", "ca-central-1": "985666609251", "eu-central-1": "054676820928",
    "eu-west-1": "156460612806", "eu-west-2": "652711504416", "eu-south-1": "635631232127",
    "eu-west-3": "009996457667", "eu-north-1": "897822967062", "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
}

#: key prefixes in the log bucket (the bucket policy grants writes below these only)
ALB_LOG_PREFIX = "alb"
S3_ACCESS_LOG_PREFIX = "s3-access"
CLOUDFRONT_LOG_PREFIX = "cloudfront"


class LogBucketSettings(StrictModel):
    bucket_name: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$",
                                    description="Bucket name; default <customer>-<env>-logs-<account id>.")
    force_destroy: bool = Field(description="Allow destroying a non-empty bucket (refused in production).")
    expiration_days: int = Field(ge=1, le=3650, description="Delete log objects after this many days.")
    noncurrent_version_expiration_days: int = Field(ge=1, le=365,
                                                    description="Delete expired (noncurrent) versions after.")
    abort_incomplete_multipart_upload_days: int = Field(ge=1, le=365, description="Abort stale multipart uploads after.")
    object_ownership: Literal["BucketOwnerEnforced", "BucketOwnerPreferred"] = Field(
        description="BucketOwnerEnforced (ACLs off; ALB, S3 access logs and CloudFront standard logging v2 need "
                    "none) or BucketOwnerPreferred (only for tools that still write with ACLs).")


class LogBucket(Component):
    name = "log_bucket"
    standby = "regional"
    stays_on_promotion = True
    module = "s3_logs"
    description = "S3 bucket for access logs (ALB, CloudFront, S3 server access logs): SSE-S3, versioned, private, TLS only."
    Settings = LogBucketSettings
    mock_outputs = {
        "bucket_name": "mock-logs",
        "bucket_arn": "arn:aws:s3:::mock-logs",
    }

    def enabled(self, env: EnvContext) -> bool:
        return True  # the ALB always logs here

    def bucket_name(self, env: EnvContext) -> str:
        s: LogBucketSettings = self.settings(env)
        return s.bucket_name or f"{env.prefix}-logs-{env.account_id}"

    def check(self, env: EnvContext) -> list[Problem]:
        s: LogBucketSettings = self.settings(env)
        problems = []
        if len(self.bucket_name(env)) > 63:
            problems.append(env.problem(("log_bucket",), f"the default bucket name {self.bucket_name(env)!r} is "
                                        "longer than 63 characters; set log_bucket.bucket_name"))
        if env.is_production and s.force_destroy:
            problems.append(env.problem(("log_bucket", "force_destroy"),
                                        "production buckets may not be force-destroyed"))
        if s.noncurrent_version_expiration_days > s.expiration_days:
            problems.append(env.problem(("log_bucket", "noncurrent_version_expiration_days"),
                                        f"noncurrent_version_expiration_days ({s.noncurrent_version_expiration_days}) "
                                        f"is longer than expiration_days ({s.expiration_days})"))
        return problems


    def names(self, env: EnvContext) -> list[NamedResource]:
        return [NamedResource("global", "S3 bucket", self.bucket_name(env), ("log_bucket", "bucket_name"),
                              f"{env.prefix}-logs-{env.account_id}")]

    def inputs(self, env: EnvContext) -> dict[str, Any]:
        s: LogBucketSettings = self.settings(env)
        return {
            "bucket_name": self.bucket_name(env),
            "force_destroy": s.force_destroy,
            "object_ownership": s.object_ownership,
            "expiration_days": s.expiration_days,
            "noncurrent_version_expiration_days": s.noncurrent_version_expiration_days,
            "abort_incomplete_multipart_upload_days": s.abort_incomplete_multipart_upload_days,
            "alb_log_prefix": ALB_LOG_PREFIX,
            "s3_access_log_prefix": S3_ACCESS_LOG_PREFIX,
            "elb_account_id": ELB_LOG_ACCOUNTS.get(env.region),
            # CloudFront standard logging v2 (granted by bucket policy, no ACLs) when the cdn unit exists
            "cloudfront_log_prefix": CLOUDFRONT_LOG_PREFIX if env.enabled("cdn") else None,
        }


# --- ALB ------------------------------------------------------------------------------------------

#: ALB security policies fgen accepts: every predefined policy that refuses TLS 1.0 and 1.1
#: (AWS ELB user guide, "Security policies for your Application Load Balancer", incl. the 2025
#: hybrid post-quantum policies).
SSL_POLICIES: tuple[str, ...] = (
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    "ELBSecurityPolicy-FS-1-2-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
)
DEFAULT_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


class HealthCheckSettings(StrictModel):
    interval_seconds: int = Field(ge=5, le=300, description="Seconds between health checks of a target.")
    timeout_seconds: int = Field(ge=2, le=120, description="Seconds without a response that fail a check.")
    healthy_threshold: int = Field(ge=2, le=10, description="Consecutive passes that make a target healthy.")
    unhealthy_threshold: int = Field(ge=2, le=10, description="Consecutive failures that make it unhealthy.")
    matcher: str = Field(pattern=r"^[1-5][0-9]{2}(-[1-5][0-9]{2})?(,[1-5][0-9]{2}(-[1-5][0-9]{2})?)*$",
                         description="HTTP codes that count as healthy, e.g. 200 or 200-299.")

    @model_validator(mode="after")
    def _timeout(self) -> "HealthCheckSettings":
        if self.timeout_seconds >= self.interval_seconds:
            raise ValueError(f"timeout_seconds ({self.timeout_seconds}) must be shorter than "
                             f"interval_seconds ({self.interval_seconds})")
        return self


class AlbSettings(StrictModel):
    ingress: Literal["internet", "cloudfront"] = Field(
        description="Who may reach the ALB: the internet, or only CloudFront (its managed origin-facing prefix list).")
    ssl_policy: str = Field(default=DEFAULT_SSL_POLICY,
                            description="TLS security policy of the HTTPS listener (TLS 1.2+ policies only).")
    idle_timeout_seconds: int = Field(ge=1, le=4000, description="Idle connection timeout (websockets need minutes).")
    deletion_protection: bool = Field(description="Refuse API deletion of the ALB (must stay on in production).")
    deregistration_delay_seconds: int = Field(ge=0, le=3600,
                                              description="Draining time of a deregistering task.")
    health_check: HealthCheckSettings

    @field_validator("ssl_policy")
    @classmethod
    def _known_policy(cls, value: str) -> str:
        if value not in SSL_POLICIES:
            from difflib import get_close_matches

            close = get_close_matches(value, SSL_POLICIES, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ValueError(f"'{value}' is not an ALB security policy that refuses TLS 1.0/1.1{hint}; "
                             f"known policies: {', '.join(SSL_POLICIES)}")
        return value


class Alb(Component):
    name = "alb"
    standby = "regional"
    module = "alb"
    description = "Internet-facing Application Load Balancer: HTTPS listener, HTTP->HTTPS redirect, a target group per service."
    Settings = AlbSettings
    diagram_label = "Application Load Balancer"
    diagram_from = ("users", "cdn")
    mock_outputs = {
        "alb_arn": "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/mock/0123456789abcdef",
        "alb_arn_suffix": "app/mock/0123456789abcdef",
        "alb_dns_name": "mock-1234567890.eu-west-1.elb.amazonaws.com",
        "alb_zone_id": "Z32O12XQLNTSW2",
        "https_listener_arn": "arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/mock/"
                              "0123456789abcdef/0123456789abcde1",
        "http_listener_arn": "arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/mock/"
                             "0123456789abcdef/0123456789abcde2",
        # keyed by the default services; see the note in the report on custom service names
        "target_group_arns": {
            name: f"arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/mock-{name}/0123456789abcde{i}"
            for i, name in enumerate(("auth", "game-logic", "leaderboard", "realtime"))
        },
        "target_group_arn_suffixes": {
            name: f"targetgroup/mock-{name}/0123456789abcde{i}"
            for i, name in enumerate(("auth", "game-logic", "leaderboard", "realtime"))
        },
        "target_group_names": {name: f"mock-{name}" for name in ("auth", "game-logic", "leaderboard", "realtime")},
        # blue/green (CodeDeploy) services only
        "green_target_group_arns": {
            "auth": "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/mock-auth-g/0123456789abcdef"},
        "green_target_group_names": {"auth": "mock-auth-g"},
        "green_target_group_arn_suffixes": {"auth": "targetgroup/mock-auth-g/0123456789abcdef"},
        "test_listener_arn": "arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/mock/"
                             "0123456789abcdef/0123456789abcde3",
    }

    #: the test listener's ingress rules take the NAT addresses (vpc outputs) as /32 CIDRs
    mock_resources = {"aws_eip": {"public_ip": "203.0.113.10"}}

    def enabled(self, env: EnvContext) -> bool:
        return True  # at least one service is always enabled, and every service is reached through it

    def mocks(self, env: EnvContext) -> dict[str, Any]:
        """Target group mocks keyed by this environment's enabled services, so a first `run --all
        plan` works whatever the services are called."""
        mocks = dict(self.mock_outputs)
        names = list(enabled_services(env))
        mocks["target_group_arns"] = {
            name: f"arn:aws:elasticloadbalancing:{env.region}:{env.account_id}:targetgroup/mock-{i}/0123456789abcdef"
            for i, name in enumerate(names)}
        mocks["target_group_arn_suffixes"] = {name: f"targetgroup/mock-{i}/0123456789abcdef"
                                              for i, name in enumerate(names)}
        mocks["target_group_names"] = {name: f"mock-{i}" for i, name in enumerate(names)}
        green = list(blue_green_services(env))
        mocks["green_target_group_arns"] = {
            name: f"arn:aws:elasticloadbalancing:{env.region}:{env.account_id}:targetgroup/mock-g{i}/0123456789abcdef"
            for i, name in enumerate(green)}
        mocks["green_target_group_names"] = {name: f"mock-g{i}" for i, name in enumerate(green)}
        mocks["green_target_group_arn_suffixes"] = {name: f"targetgroup/mock-g{i}/0123456789abcdef"
                                                    for i, name in enumerate(green)}
        mocks["test_listener_arn"] = (f"arn:aws:elasticloadbalancing:{env.region}:{env.account_id}:listener/app/mock/"
                                      "0123456789abcdef/0123456789abcde3" if green else None)
        return mocks

    def target_groups(self, env: EnvContext) -> dict[str, dict[str, Any]]:
        priorities = rule_priorities(env)
        result = {}
        for name, s in enabled_services(env).items():
            group: dict[str, Any] = {
                "name": target_group_name(env.prefix, name, s.port),
                "port": s.port,
                "health_check_path": s.health_check_path,
                "stickiness": s.stickiness,
                "priority": priorities[name],
                "path_patterns": list(s.path_patterns),
            }
            if s.deployment == "blue_green":
                # a second target group; the module keeps this service's rule in a resource whose
                # forward action CodeDeploy owns
                group.update(blue_green=True, green_name=green_target_group_name(env.prefix, name, s.port))
            result[name] = group
        return result

    def test_listener(self, env: EnvContext) -> dict[str, Any] | None:
        """The CodeDeploy test listener: only with blue/green services; reachable from the NAT IPs and
        ``codedeploy.test_listener_cidrs``."""
        if not env.enabled("codedeploy"):
            return None
        release = env.manifest.codedeploy
        return {
            "port": release.test_listener_port,
            "source_cidrs": list(release.test_listener_cidrs),
            "source_ips": env.out("vpc", "nat_public_ips"),
        }

    def check(self, env: EnvContext) -> list[Problem]:
        s: AlbSettings = self.settings(env)
        problems = []
        if env.is_production and not s.deletion_protection:
            problems.append(env.problem(("alb", "deletion_protection"),
                                        "production load balancers must have deletion protection"))
        if env.is_production and not env.enabled("waf"):
            problems.append(env.problem(("waf", "enabled"),
                                        "production must run the WAF in front of the ALB (and CloudFront); set "
                                        "waf.enabled: true"))
        certificate = env.manifest.dns.certificate_arn
        if region_of_arn(certificate) != env.region:
            problems.append(env.problem(("dns", "certificate_arn"),
                                        f"the ALB certificate must be in the ALB's region {env.region}; "
                                        f"this one is in {region_of_arn(certificate)}"))
        problems.extend(self._path_problems(env))
        return problems

    def _path_problems(self, env: EnvContext) -> list[Problem]:
        """Two services claiming one path, or a rule that an earlier (higher-priority) rule shadows."""
        problems = []
        priorities = rule_priorities(env)
        services = sorted(enabled_services(env).items(), key=lambda item: priorities[item[0]])
        for index, (name, s) in enumerate(services):
            for pattern in s.path_patterns:
                for earlier, e in services[:index]:
                    for other in e.path_patterns:
                        if pattern == other:
                            problems.append(env.problem(("services", name, "path_patterns"),
                                                        f"path pattern {pattern!r} is also routed to service "
                                                        f"'{earlier}'"))
                        elif fnmatch.fnmatchcase(pattern, other):
                            problems.append(env.problem(
                                ("services", name, "path_patterns"),
                                f"path pattern {pattern!r} is shadowed by {other!r} of service '{earlier}', whose "
                                "listener rule is evaluated first (rules go in service-name order); narrow "
                                f"{other!r} or rename a service"))
        return problems

    def assertions(self, env: EnvContext) -> list[Assertion]:
        s: AlbSettings = self.settings(env)
        https, http = "aws_lb_listener.https", "aws_lb_listener.http"
        redirect = f"one(one({http}.default_action).redirect)"
        return [
            expect(f"{https}.ssl_policy", s.ssl_policy,
                   f"alb: the HTTPS listener must use {s.ssl_policy} (alb.ssl_policy)"),
            Assertion(f'{https}.protocol == "HTTPS" && {https}.port == 443 && '
                      f"{https}.certificate_arn == {hcl_value(env.manifest.dns.certificate_arn)}",
                      "alb: the HTTPS listener must serve dns.certificate_arn on 443"),
            Assertion(f'one({http}.default_action).type == "redirect" && {redirect}.protocol == "HTTPS" && '
                      f'{redirect}.port == "443" && {redirect}.status_code == "HTTP_301"',
                      "alb: plain HTTP must be redirected to HTTPS (301)"),
            Assertion("aws_lb.this.drop_invalid_header_fields == true",
                      "alb: requests with invalid header fields must be dropped"),
            expect("aws_lb.this.enable_deletion_protection", s.deletion_protection,
                   f"alb: deletion protection must be {hcl_value(s.deletion_protection)} (alb.deletion_protection)"),
            Assertion("one(aws_lb.this.access_logs).enabled == true && "
                      f"one(aws_lb.this.access_logs).bucket == {hcl_value(env.out('log_bucket', 'bucket_name'))}",
                      "alb: access logs must go to the log bucket"),
            expect_set("keys(aws_lb_target_group.this)", sorted(enabled_services(env)),
                       "alb: one target group per enabled service"),
        ]


    def names(self, env: EnvContext) -> list[NamedResource]:
        names = [NamedResource("account-region", "load balancer", alb_name(env.prefix), ())]
        for group in self.target_groups(env).values():
            names.append(NamedResource("account-region", "target group", group["name"], ()))
            if group.get("green_name"):
                names.append(NamedResource("account-region", "target group", group["green_name"], ()))
        return names

    def inputs(self, env: EnvContext) -> dict[str, Any]:
        s: AlbSettings = self.settings(env)
        return {
            "name": alb_name(env.prefix),
            "vpc_id": env.out("vpc", "vpc_id"),
            "public_subnet_ids": env.out("vpc", "public_subnet_ids"),
            "security_group_id": env.out("security_groups", "alb_security_group_id"),
            "certificate_arn": env.manifest.dns.certificate_arn,
            "ssl_policy": s.ssl_policy,
            "idle_timeout": s.idle_timeout_seconds,
            "deletion_protection": s.deletion_protection,
            "access_logs_bucket": env.out("log_bucket", "bucket_name"),
            "access_logs_prefix": ALB_LOG_PREFIX,
            "deregistration_delay": s.deregistration_delay_seconds,
            "health_check": {
                "interval": s.health_check.interval_seconds,
                "timeout": s.health_check.timeout_seconds,
                "healthy_threshold": s.health_check.healthy_threshold,
                "unhealthy_threshold": s.health_check.unhealthy_threshold,
                "matcher": s.health_check.matcher,
            },
            "target_groups": self.target_groups(env),
            "test_listener": self.test_listener(env),
        }


# --- ECS ------------------------------------------------------------------------------------------

#: environment variables fgen sets itself from the rds and redis outputs
DATABASE_VARIABLES = ("DB_HOST", "DB_PORT", "DB_NAME", "DB_USERNAME", "DB_PASSWORD")
REDIS_VARIABLES = ("REDIS_HOST", "REDIS_PORT", "REDIS_TLS", "REDIS_AUTH_MODE", "REDIS_USER",
                   "REDIS_REPLICATION_GROUP_ID", "REDIS_AUTH_TOKEN")
#: from the identity (Cognito) outputs: services validate players' JWTs against this issuer and client
IDENTITY_VARIABLES = ("COGNITO_ISSUER", "COGNITO_CLIENT_ID")


class EcsSettings(StrictModel):
    container_insights: Literal["disabled", "enabled", "enhanced"] = Field(
        description="CloudWatch Container Insights of the cluster (enhanced: per-task/container metrics).")
    enable_execute_command: bool = Field(
        description="Allow ECS Exec into services with a writable root filesystem (adds ssmmessages to the task role).")
    deployment_minimum_healthy_percent: int = Field(ge=0, le=100,
                                                    description="Tasks kept running during a deployment, in %.")
    deployment_maximum_percent: int = Field(ge=100, le=200, description="Tasks allowed during a deployment, in %.")


class Ecs(Component):
    name = "ecs"
    standby = "regional"
    module = "ecs"
    description = "ECS cluster on Fargate: one service per application service, behind the ALB, auto-scaled."
    Settings = EcsSettings
    diagram_label = "ECS Fargate services"
    diagram_from = ("alb",)
    mock_outputs = {
        "cluster_name": "mock",
        "cluster_arn": "arn:aws:ecs:eu-west-1:111111111111:cluster/mock",
        "service_names": {name: name for name in ("auth", "game-logic", "leaderboard", "realtime")},
        "task_role_arns": {name: f"arn:aws:iam::111111111111:role/mock-{name}-task"
                           for name in ("auth", "game-logic", "leaderboard", "realtime")},
        "execution_role_arns": {name: f"arn:aws:iam::111111111111:role/mock-{name}-execution"
                                for name in ("auth", "game-logic", "leaderboard", "realtime")},
        "log_group_names": {name: f"/ecs/mock/{name}" for name in ("auth", "game-logic", "leaderboard", "realtime")},
        "exec_log_group_name": "/ecs-exec/mock",
    }

    def enabled(self, env: EnvContext) -> bool:
        return True  # at least one service is always enabled

    def task_counts(self, env: EnvContext, s: ServiceSettings) -> tuple[int, int]:
        """(min, max) tasks of a service: the manifest's, or the standby's capacity until it is promoted
        (pilot_light: 0; warm: ``standby.warm_tasks``); the max stays the primary's so the standby can
        scale out, and promotion (``standby.promoted``) restores the manifest's min."""
        if not env.standing_by:
            return s.min_tasks, s.max_tasks
        standby = env.manifest.standby
        return (0 if standby.capacity == "pilot_light" else standby.warm_tasks), s.max_tasks

    def image(self, env: EnvContext, name: str, s: ServiceSettings) -> str:
        """The service's image: ``image``, or the customer's repository in this context's region (the
        standby pulls its own region's copy, which the primary region's registry replicates: see
        AccountBaseline and generator/estate.py)."""
        return s.image or f"{env.account_id}.dkr.ecr.{env.region}.amazonaws.com/{env.customer}/{name}"

    def parameter_arn_prefix(self, env: EnvContext) -> str:
        return f"arn:aws:ssm:{env.region}:{env.account_id}:parameter/{env.customer}/{env.name}"

    def check(self, env: EnvContext) -> list[Problem]:
        problems = []
        reserved = ((DATABASE_VARIABLES if env.enabled("rds") else ())
                    + (REDIS_VARIABLES if env.enabled("redis") else ())
                    + (IDENTITY_VARIABLES if env.enabled("identity") else ()))
        if env.is_production and env.manifest.ecs.container_insights == "disabled":
            problems.append(env.problem(("ecs", "container_insights"),
                                        "production clusters must run Container Insights; set enabled or enhanced"))
        standby = env.manifest.standby
        for name, s in enabled_services(env).items():
            if env.standing_by and standby.capacity == "warm" and standby.warm_tasks > s.max_tasks:
                problems.append(env.problem(("standby", "warm_tasks"),
                                            f"the standby would keep {standby.warm_tasks} '{name}' tasks warm, "
                                            f"above its max_tasks ({s.max_tasks}, services.{name}.max_tasks); "
                                            "lower standby.warm_tasks"))
            if env.is_production and s.critical and s.spot:
                problems.append(env.problem(("services", name, "spot"),
                                            f"service '{name}' is critical and may not run on FARGATE_SPOT in "
                                            "production; set spot: false (or critical: false)"))
            for section in ("environment", "secrets"):
                for variable in sorted(set(getattr(s, section)) & set(reserved)):
                    source = ("rds" if variable in DATABASE_VARIABLES
                              else "identity" if variable in IDENTITY_VARIABLES else "redis")
                    problems.append(env.problem(("services", name, section, variable),
                                                f"{variable} is set by fgen from the {source} outputs; "
                                                "remove it here"))
        return problems

    def identity_config(self, env: EnvContext) -> dict[str, Any]:
        """What services need to validate players' tokens (when the user pool exists)."""
        if not env.enabled("identity"):
            return {}
        return {"COGNITO_ISSUER": env.out("identity", "issuer"), "COGNITO_CLIENT_ID": env.out("identity", "client_id")}

    def task(self, env: EnvContext, name: str, s: Any, family: str, log_group_name: str, image_tag: str,
             config: dict[str, Any]) -> dict[str, Any]:
        """One service's task: roles, logs, image, size, environment and secrets. Shared by the
        environment's services and feature-branch previews (which run the same task under other names)."""
        arn_prefix = self.parameter_arn_prefix(env)
        return {
            "family": family,
            "task_role_name": fit_name(f"{family}-task", 64),
            "execution_role_name": fit_name(f"{family}-execution", 64),
            "log_group_name": log_group_name,
            "image": self.image(env, name, s),
            "image_tag": image_tag,
            "port": s.port,
            "cpu": s.cpu,
            "memory": s.memory,
            "health_check_grace_seconds": s.health_check_grace_seconds,
            "spot": s.spot,
            "read_only_root_filesystem": s.read_only_root_filesystem,
            "environment": {**dict(sorted(s.environment.items())), **config},
            "secrets": {variable: f"{arn_prefix}/{name}/{parameter}"
                        for variable, parameter in sorted(s.secrets.items())},
        }

    def services(self, env: EnvContext) -> dict[str, dict[str, Any]]:
        identity = self.identity_config(env)
        result = {}
        for name, s in enabled_services(env).items():
            family = f"{env.prefix}-{name}"
            min_tasks, max_tasks = self.task_counts(env, s)
            result[name] = {
                **self.task(env, name, s, family, f"/ecs/{env.prefix}/{name}", s.image_tag, identity),
                "min_tasks": min_tasks,
                "max_tasks": max_tasks,
                "deployment": s.deployment,
                "autoscaling": {
                    "cpu_target_percent": s.autoscaling.cpu_target_percent,
                    "memory_target_percent": s.autoscaling.memory_target_percent,
                    "requests_per_target": s.autoscaling.requests_per_target,
                    "scale_in_cooldown_seconds": s.autoscaling.scale_in_cooldown_seconds,
                    "scale_out_cooldown_seconds": s.autoscaling.scale_out_cooldown_seconds,
                },
            }
        return result

    def assertions(self, env: EnvContext) -> list[Assertion]:
        """Per enabled service: private networking, task counts from the manifest, rollback on failed
        rolling deployments, and the capacity provider its ``spot`` setting chooses."""
        result = []
        for name, s in enabled_services(env).items():
            resource = "this" if s.deployment == "rolling" else "blue_green"
            svc = f"aws_ecs_service.{resource}[{hcl_value(name)}]"
            target = f"aws_appautoscaling_target.this[{hcl_value(name)}]"
            provider = "FARGATE_SPOT" if s.spot else "FARGATE"
            min_tasks, max_tasks = self.task_counts(env, s)
            source = (f"services.{name}.min_tasks/max_tasks" if (min_tasks, max_tasks) == (s.min_tasks, s.max_tasks)
                      else f"the standby's capacity {env.manifest.standby.capacity}, services.{name}.max_tasks")
            result += [
                Assertion(f"one({svc}.network_configuration).assign_public_ip == false",
                          f"ecs: service {name} must not get public IPs"),
                Assertion(f"{svc}.desired_count == {min_tasks} && {target}.min_capacity == {min_tasks} && "
                          f"{target}.max_capacity == {max_tasks}",
                          f"ecs: service {name} must run {min_tasks} to {max_tasks} tasks ({source})"),
                Assertion(f"one({svc}.capacity_provider_strategy).capacity_provider == {hcl_value(provider)}",
                          f"ecs: service {name} must run on {provider} (services.{name}.spot)"),
            ]
            if s.deployment == "rolling":
                result.append(Assertion(f"one({svc}.deployment_circuit_breaker).enable == true && "
                                        f"one({svc}.deployment_circuit_breaker).rollback == true",
                                        f"ecs: a failed deployment of service {name} must roll back"))
            if env.is_production and s.critical:
                result.append(Assertion(f'one({svc}.capacity_provider_strategy).capacity_provider != "FARGATE_SPOT"',
                                        f"ecs: critical service {name} must not run on FARGATE_SPOT in production"))
        # the services' log groups live in the module's ecs_task call, which reports them as an output
        groups = "concat(values(module.task.log_groups), [aws_cloudwatch_log_group.exec])"
        result.append(log_groups("ecs", groups, env.manifest.logging.retention_days, env.out("kms", "key_arn")))
        insights: EcsSettings = self.settings(env)
        result.append(Assertion(
            'one([for s in aws_ecs_cluster.this.setting : s.value if s.name == "containerInsights"]) == '
            f"{hcl_value(insights.container_insights)}",
            f"ecs: Container Insights must be {insights.container_insights} (ecs.container_insights)"))
        exec_config = "one(one(aws_ecs_cluster.this.configuration).execute_command_configuration)"
        result.append(Assertion(
            f"{exec_config}.kms_key_id == {hcl_value(env.out('kms', 'key_arn'))} && {exec_config}.logging == "
            f'"OVERRIDE" && one({exec_config}.log_configuration).cloud_watch_encryption_enabled == true && '
            f"one({exec_config}.log_configuration).cloud_watch_log_group_name == aws_cloudwatch_log_group.exec.name",
            "ecs: ECS Exec sessions must be encrypted with the customer KMS key and logged to the encrypted exec "
            "log group"))
        return result


    def names(self, env: EnvContext) -> list[NamedResource]:
        names = [NamedResource("account-region", "ECS cluster", env.prefix, ()),
                 NamedResource("account-region", "CloudWatch log group", f"/ecs-exec/{env.prefix}", ())]
        for service in enabled_services(env):
            family = f"{env.prefix}-{service}"
            names += [NamedResource("account", "IAM role", fit_name(f"{family}-task", 64), ()),
                      NamedResource("account", "IAM role", fit_name(f"{family}-execution", 64), ()),
                      NamedResource("account-region", "CloudWatch log group", f"/ecs/{env.prefix}/{service}", ())]
        return names

    def inputs(self, env: EnvContext) -> dict[str, Any]:
        s: EcsSettings = self.settings(env)
        database = None
        if env.enabled("rds"):
            database = {
                "host": env.out("rds", "address"),
                "port": env.out("rds", "port"),
                "name": env.out("rds", "db_name"),
                "secret_arn": env.out("rds", "master_user_secret_arn"),
            }
        return {
            "name": env.prefix,
            "kms_key_arn": env.out("kms", "key_arn"),
            "private_subnet_ids": env.out("vpc", "private_subnet_ids"),
            "service_security_group_ids": env.out("security_groups", "service_security_group_ids"),
            "target_group_arns": env.out("alb", "target_group_arns"),
            "target_group_arn_suffixes": env.out("alb", "target_group_arn_suffixes"),
            "alb_arn_suffix": env.out("alb", "alb_arn_suffix"),
            "log_retention_days": env.manifest.logging.retention_days,
            "container_insights": s.container_insights,
            "enable_execute_command": s.enable_execute_command,
            "deployment_minimum_healthy_percent": s.deployment_minimum_healthy_percent,
            "deployment_maximum_percent": s.deployment_maximum_percent,
            "ssm_parameter_arn_prefix": self.parameter_arn_prefix(env),
            "database": database,
            "redis": self.redis(env),
            "services": self.services(env),
        }

    def redis(self, env: EnvContext) -> dict[str, Any] | None:
        """What the services need to reach the cache (always TLS): with IAM auth the user and replication
        group they sign tokens for (and the task roles may connect to, nothing else); with an AUTH token the
        SSM parameter the execution roles read it from into an ECS secret."""
        if not env.enabled("redis"):
            return None
        redis: dict[str, Any] = {
            "host": env.out("redis", "primary_endpoint_address"),
            "port": env.out("redis", "port"),
            "auth_mode": env.manifest.redis.auth,
        }
        if env.manifest.redis.auth == "iam":
            redis.update(replication_group_id=env.out("redis", "replication_group_id"),
                         replication_group_arn=env.out("redis", "replication_group_arn"),
                         user_id=env.out("redis", "app_user_id"),
                         user_arn=env.out("redis", "app_user_arn"))
        else:
            redis["auth_token_parameter_arn"] = env.out("redis", "auth_token_parameter_arn")
        return redis

