"""Network components: security groups, VPC endpoints and the bastion host.

Security groups live in one unit so that every cross-reference (ALB -> service, service -> RDS,
bastion -> RDS) is a plain resource reference inside one module, and so that turning a component
off simply drops its rules there. The RDS, Redis and endpoints groups always exist (they are free
and keep the outputs stable for the units that attach them), but while their component is off
they hold no rule at all, so nothing can reach them and no service may send to them.
"""

from __future__ import annotations

import ipaddress
from difflib import get_close_matches
from typing import Any, Literal

from pydantic import Field

from ..errors import Problem
from ..schema.base import StrictModel
from ..schema.types import Cidr
from .base import Assertion, Component, EnvContext, NamedResource, expect, expect_set, hcl_value

DEFAULT_RDS_PORT = 5432
DEFAULT_REDIS_PORT = 6379


def enabled_services(env: EnvContext) -> dict[str, Any]:
    """The services deployed in this environment, by name (those with enabled: false left out)."""
    return {name: s for name, s in env.manifest.services.items() if s.enabled}


def _section(env: EnvContext, name: str) -> Any:
    """Another component's settings, or None when that component does not exist (yet)."""
    return getattr(env.manifest, name, None)


def _port(env: EnvContext, component: str, default: int) -> int:
    port = getattr(_section(env, component), "port", None)
    return port if isinstance(port, int) else default


# --- security groups ------------------------------------------------------------------------------


class SecurityGroupsSettings(StrictModel):
    alb_ingress_ipv6: bool = Field(
        description="With alb.ingress 'internet', also accept 80/443 from ::/0 (only useful for a dual-stack ALB).")


class SecurityGroups(Component):
    name = "security_groups"
    standby = "regional"
    module = "security_groups"
    description = ("Least-privilege security groups: ALB, one per service, RDS, Redis, VPC endpoints and the "
                   "bastion, one described rule per need.")
    Settings = SecurityGroupsSettings
    mock_outputs = {
        "alb_security_group_id": "sg-00000000000000001",
        "service_security_group_ids": {
            "auth": "sg-00000000000000002",
            "game-logic": "sg-00000000000000003",
            "leaderboard": "sg-00000000000000004",
            "realtime": "sg-00000000000000005",
        },
        "rds_security_group_id": "sg-00000000000000006",
        "redis_security_group_id": "sg-00000000000000007",
        "bastion_security_group_id": "sg-00000000000000008",
        "endpoints_security_group_id": "sg-00000000000000009",
    }

    def enabled(self, env: EnvContext) -> bool:
        return True  # every workload needs its group

    @staticmethod
    def alb_ingress(env: EnvContext) -> str:
        return getattr(_section(env, "alb"), "ingress", None) or "internet"

    def check(self, env: EnvContext) -> list[Problem]:
        s: SecurityGroupsSettings = self.settings(env)
        if s.alb_ingress_ipv6 and self.alb_ingress(env) == "cloudfront":
            return [env.problem(("security_groups", "alb_ingress_ipv6"),
                                "alb_ingress_ipv6 opens the ALB to the IPv6 internet, but alb.ingress is "
                                "'cloudfront' (only CloudFront may reach the ALB); set alb_ingress_ipv6: false")]
        return []

    #: every ingress rule of the module, as one HCL list (for_each rules by value, count rules as lists)
    INGRESS = ("values(aws_vpc_security_group_ingress_rule.alb_internet_ipv4)",
               "values(aws_vpc_security_group_ingress_rule.alb_internet_ipv6)",
               "aws_vpc_security_group_ingress_rule.alb_cloudfront",
               "values(aws_vpc_security_group_ingress_rule.service_from_alb)",
               "values(aws_vpc_security_group_ingress_rule.rds_from_service)",
               "aws_vpc_security_group_ingress_rule.rds_from_bastion",
               "values(aws_vpc_security_group_ingress_rule.redis_from_service)",
               "values(aws_vpc_security_group_ingress_rule.bastion_ssh)",
               "[aws_vpc_security_group_ingress_rule.endpoints_https]")

    def assertions(self, env: EnvContext) -> list[Assertion]:
        s: SecurityGroupsSettings = self.settings(env)
        internet = self.alb_ingress(env) == "internet"
        everything = f"concat({', '.join(self.INGRESS)})"
        alb_internet = ("concat(values(aws_vpc_security_group_ingress_rule.alb_internet_ipv4), "
                        "values(aws_vpc_security_group_ingress_rule.alb_internet_ipv6))")
        bastion = env.enabled("bastion")
        return [
            Assertion(f'alltrue([for r in {everything} : (r.cidr_ipv4 != "0.0.0.0/0" && r.cidr_ipv6 != "::/0") || '
                      f"(r.security_group_id == aws_security_group.alb.id && r.from_port == r.to_port && "
                      f"contains([80, 443], r.from_port))])",
                      "security_groups: only the ALB's 80/443 may be open to 0.0.0.0/0 or ::/0"),
            expect(f"length({alb_internet})", (2 if internet else 0) * (2 if s.alb_ingress_ipv6 else 1),
                   f"security_groups: the ALB must {'' if internet else 'not '}accept the internet on 80/443 "
                   "(alb.ingress, security_groups.alb_ingress_ipv6)"),
            expect("length(aws_vpc_security_group_ingress_rule.alb_cloudfront)", 0 if internet else 1,
                   "security_groups: only CloudFront reaches the ALB exactly when alb.ingress is cloudfront"),
            expect_set("[for r in values(aws_vpc_security_group_ingress_rule.bastion_ssh) : r.cidr_ipv4]",
                       list(env.manifest.bastion.admin_cidrs) if bastion else [],
                       "security_groups: SSH to the bastion only from bastion.admin_cidrs"),
            Assertion(f"alltrue([for r in {everything} : r.description != null && r.description != \"\"])",
                      "security_groups: every ingress rule must be described"),
        ]

    def inputs(self, env: EnvContext) -> dict[str, Any]:
        s: SecurityGroupsSettings = self.settings(env)
        bastion = env.enabled("bastion")
        return {
            "name": env.prefix,
            "vpc_id": env.out("vpc", "vpc_id"),
            "vpc_cidr_block": env.out("vpc", "vpc_cidr_block"),
            "alb_ingress": self.alb_ingress(env),
            "alb_ingress_ipv6": s.alb_ingress_ipv6,
            "services": {name: {"port": svc.port} for name, svc in sorted(enabled_services(env).items())},
            "rds_enabled": env.enabled("rds"),
            "rds_port": _port(env, "rds", DEFAULT_RDS_PORT),
            "redis_enabled": env.enabled("redis"),
            "redis_port": _port(env, "redis", DEFAULT_REDIS_PORT),
            "bastion_enabled": bastion,
            "bastion_admin_cidrs": list(env.manifest.bastion.admin_cidrs) if bastion else [],
        }


# --- VPC endpoints --------------------------------------------------------------------------------

#: services a gateway endpoint exists for (free of charge)
GATEWAY_SERVICES = ("s3", "dynamodb")
#: interface endpoint services fgen knows to be useful for this platform (short names after com.amazonaws.<region>.)
INTERFACE_SERVICES = (
    "ecr.api", "ecr.dkr", "logs", "ssm", "ssmmessages", "ec2messages", "secretsmanager", "kms", "sts",
    "ecs", "ecs-agent", "ecs-telemetry", "monitoring", "events", "sns", "sqs", "xray", "ec2",
    "elasticloadbalancing", "application-autoscaling", "elasticache", "rds",
)


class VpcEndpointsSettings(StrictModel):
    enabled: bool = Field(description="Create VPC endpoints (gateway and interface) in this environment.")
    gateway_services: list[str] = Field(
        max_length=2, description="Gateway endpoints on the private route tables: s3 and/or dynamodb (free).")
    interface_services: list[str] = Field(
        max_length=len(INTERFACE_SERVICES),
        description="Interface endpoints in the private subnets (about $7 a month per zone each), by short "
                    "service name, e.g. ecr.api, ecr.dkr, logs, ssm.")


class VpcEndpoints(Component):
    name = "vpc_endpoints"
    standby = "regional"
    module = "vpc_endpoints"
    description = "VPC gateway endpoints (S3, DynamoDB) and interface endpoints (ECR, logs, SSM, ...) with private DNS."
    Settings = VpcEndpointsSettings
    mock_outputs = {
        "interface_endpoint_ids": {"ecr.api": "vpce-00000000000000001", "ecr.dkr": "vpce-00000000000000002"},
        "gateway_endpoint_ids": {"s3": "vpce-00000000000000003", "dynamodb": "vpce-00000000000000004"},
    }

    def check(self, env: EnvContext) -> list[Problem]:
        s: VpcEndpointsSettings = self.settings(env)
        problems: list[Problem] = []
        for key, values, known in (("gateway_services", s.gateway_services, GATEWAY_SERVICES),
                                   ("interface_services", s.interface_services, INTERFACE_SERVICES)):
            seen: set[str] = set()
            for index, value in enumerate(values):
                path = ("vpc_endpoints", key, index)
                if value in seen:
                    problems.append(env.problem(path, f"'{value}' is listed twice"))
                seen.add(value)
                if value in known:
                    continue
                if key == "interface_services" and value in GATEWAY_SERVICES:
                    message = f"{value} is a gateway endpoint (free); list it under vpc_endpoints.gateway_services"
                else:
                    close = get_close_matches(value, known, n=1)
                    hint = f" (did you mean '{close[0]}'?)" if close else ""
                    message = f"unknown {key[:-1].replace('_', ' ')} '{value}'{hint}; known: {', '.join(known)}"
                problems.append(env.problem(path, message))
        if s.enabled and not s.gateway_services and not s.interface_services:
            problems.append(env.problem(("vpc_endpoints", "enabled"),
                                        "vpc_endpoints is enabled but lists no gateway_services and no "
                                        "interface_services; list some or set enabled: false"))
        return problems

    def assertions(self, env: EnvContext) -> list[Assertion]:
        s: VpcEndpointsSettings = self.settings(env)
        return [
            expect_set("keys(aws_vpc_endpoint.gateway)", s.gateway_services,
                       "vpc_endpoints: gateway endpoints must be vpc_endpoints.gateway_services"),
            expect_set("keys(aws_vpc_endpoint.interface)", s.interface_services,
                       "vpc_endpoints: interface endpoints must be vpc_endpoints.interface_services"),
            Assertion("alltrue([for e in values(aws_vpc_endpoint.interface) : e.private_dns_enabled])",
                      "vpc_endpoints: interface endpoints must use private DNS"),
        ]

    def inputs(self, env: EnvContext) -> dict[str, Any]:
        s: VpcEndpointsSettings = self.settings(env)
        return {
            "name": env.prefix,
            "vpc_id": env.out("vpc", "vpc_id"),
            "private_subnet_ids": env.out("vpc", "private_subnet_ids"),
            "private_route_table_ids": env.out("vpc", "private_route_table_ids"),
            "security_group_id": env.out("security_groups", "endpoints_security_group_id"),
            "gateway_services": list(s.gateway_services),
            "interface_services": list(s.interface_services),
        }


# --- bastion --------------------------------------------------------------------------------------

#: the bastion's allowed instance types and their CPU architecture (which selects the AMI)
BASTION_TYPES: dict[str, str] = {
    "t4g.nano": "arm64", "t4g.micro": "arm64", "t4g.small": "arm64",
    "t3.nano": "x86_64", "t3.micro": "x86_64", "t3.small": "x86_64",
    "t3a.nano": "x86_64", "t3a.micro": "x86_64", "t3a.small": "x86_64",
}
BastionType = Literal["t4g.nano", "t4g.micro", "t4g.small", "t3.nano", "t3.micro", "t3.small",
                      "t3a.nano", "t3a.micro", "t3a.small"]


class BastionSettings(StrictModel):
    enabled: bool = Field(description="Run a bastion host (Session Manager, optional SSH) in a public subnet.")
    instance_type: BastionType = Field(description="A small burstable instance type; Graviton (t4g) is cheapest.")
    admin_cidrs: list[Cidr] = Field(
        max_length=20,
        description="IPv4 CIDRs allowed to SSH to the bastion (EC2 Instance Connect); empty means no SSH at all, "
                    "Session Manager only. 0.0.0.0/0 is refused.")


class Bastion(Component):
    name = "bastion"
    standby = "promoted"
    module = "bastion"
    description = "Bastion host: AL2023, IMDSv2, encrypted root volume, Session Manager, SSH only from admin CIDRs."
    Settings = BastionSettings
    mock_outputs = {
        "instance_id": "i-00000000000000001",
        "instance_role_name": "mock-bastion",
        "security_group_id": "sg-00000000000000008",
    }
    #: the mock provider answers the AMI lookup with an AL2023 Graviton image (the profiles' t4g)
    mock_data = {
        "aws_ami": {"id": "ami-0123456789abcdef0", "architecture": "arm64",
                    "name": "al2023-ami-2023.6.20250101.0-kernel-6.1-arm64"},
    }
    #: the operator_access unit validates the instance id it scopes admin sessions to
    mock_resources = {"aws_instance": {"id": mock_outputs["instance_id"]}}

    def check(self, env: EnvContext) -> list[Problem]:
        s: BastionSettings = self.settings(env)
        problems: list[Problem] = []
        seen: set[str] = set()
        for index, cidr in enumerate(s.admin_cidrs):
            path = ("bastion", "admin_cidrs", index)
            if ipaddress.IPv4Network(cidr).prefixlen == 0:
                problems.append(env.problem(path, f"{cidr} would open SSH to the whole internet; list your admin "
                                            "networks' CIDRs, or none to use Session Manager only"))
            if cidr in seen:
                problems.append(env.problem(path, f"{cidr} is listed twice"))
            seen.add(cidr)
        return problems

    def assertions(self, env: EnvContext) -> list[Assertion]:
        s: BastionSettings = self.settings(env)
        vm = "aws_instance.this"
        return [
            Assertion(f'one({vm}.metadata_options).http_tokens == "required"',
                      "bastion: the instance metadata service must require IMDSv2 tokens"),
            Assertion(f"one({vm}.root_block_device).encrypted == true && one({vm}.root_block_device).kms_key_id == "
                      f"{hcl_value(env.out('kms', 'key_arn'))}",
                      "bastion: the root volume must be encrypted with the customer KMS key"),
            expect(f"{vm}.instance_type", s.instance_type,
                   f"bastion: instance type must be {s.instance_type} (bastion.instance_type)"),
        ]


    def names(self, env: EnvContext) -> list[NamedResource]:
        return [NamedResource("account", "IAM role", f"{env.prefix}-bastion", ()),
                NamedResource("account", "IAM instance profile", f"{env.prefix}-bastion", ())]

    def inputs(self, env: EnvContext) -> dict[str, Any]:
        s: BastionSettings = self.settings(env)
        return {
            "name": env.prefix,
            "public_subnet_ids": env.out("vpc", "public_subnet_ids"),
            "security_group_id": env.out("security_groups", "bastion_security_group_id"),
            "kms_key_arn": env.out("kms", "key_arn"),
            "instance_type": s.instance_type,
            "architecture": BASTION_TYPES[s.instance_type],
        }
