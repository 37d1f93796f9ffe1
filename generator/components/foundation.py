"""Foundation components: the customer KMS key, the VPC and the static assets bucket."""

from __future__ import annotations

import ipaddress
from typing import Any, Literal

from pydantic import Field, model_validator

from ..errors import Problem
from ..schema.base import StrictModel
from ..schema.types import REGION_AZS, Cidr, VpcCidr
from .application import S3_ACCESS_LOG_PREFIX
from .base import Assertion, Component, EnvContext, NamedResource, expect, log_groups

# --- KMS ----------------------------------------------------------------------------------------


class KmsSettings(StrictModel):
    deletion_window_days: int = Field(ge=7, le=30, description="Waiting period before a deleted key is destroyed.")
    rotation_period_days: int = Field(ge=90, le=2560, description="Automatic key rotation period.")


class Kms(Component):
    name = "kms"
    standby = "regional"
    stays_on_promotion = True
    module = "kms"
    description = "Customer-managed KMS key that encrypts logs, buckets, databases and caches."
    Settings = KmsSettings
    mock_outputs = {
        "key_arn": "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000",
        "key_id": "00000000-0000-0000-0000-000000000000",
        "alias_name": "alias/mock",
    }

    def enabled(self, env: EnvContext) -> bool:
        return True  # everything else is encrypted with it

    def summary(self, env: EnvContext) -> dict[str, Any]:
        s: KmsSettings = self.settings(env)
        return {"KMS key deletion window (days)": s.deletion_window_days}


    def names(self, env: EnvContext) -> list[NamedResource]:
        return [NamedResource("account-region", "KMS alias", f"alias/{env.prefix}", ())]

    def inputs(self, env: EnvContext) -> dict[str, Any]:
        s: KmsSettings = self.settings(env)
        return {
            "name": f"{env.prefix}",
            "description": f"Encrypts {env.manifest.customer.display_name} ({env.name}) data at rest",
            "deletion_window_in_days": s.deletion_window_days,
            "rotation_period_in_days": s.rotation_period_days,
            "service_principals": sorted(env.kms_service_principals),
        }


# --- VPC ----------------------------------------------------------------------------------------

TIERS = ("public", "private", "database")
_TIER_SLOTS = 8  # each tier gets 8 consecutive /(n+5) slots, so adding zones never renumbers a subnet
_NEW_BITS = 5


class FlowLogSettings(StrictModel):
    traffic_type: Literal["ACCEPT", "REJECT", "ALL"] = Field(description="Which traffic the flow logs record.")


class VpcSettings(StrictModel):
    cidr: VpcCidr = Field(description="VPC CIDR block, a private /16 to /24 range.")
    az_count: int = Field(ge=2, le=6, description="Availability zones to use (dev 2, prod 3).")
    nat_gateways: Literal["single", "per_az"] = Field(description="One shared NAT gateway, or one per zone.")
    public_subnets: list[Cidr] | None = Field(default=None, description="Explicit public subnet CIDRs, one per zone.")
    private_subnets: list[Cidr] | None = Field(default=None, description="Explicit private subnet CIDRs.")
    database_subnets: list[Cidr] | None = Field(default=None, description="Explicit database subnet CIDRs.")
    flow_logs: FlowLogSettings

    @model_validator(mode="after")
    def _subnets_fit(self) -> "VpcSettings":
        vpc = ipaddress.IPv4Network(self.cidr)
        plan = self.subnet_plan()
        seen: list[tuple[str, ipaddress.IPv4Network]] = []
        for tier in TIERS:
            cidrs = plan[tier]
            if len(cidrs) != self.az_count:
                raise ValueError(f"{tier}_subnets has {len(cidrs)} entries; az_count is {self.az_count}")
            for cidr in cidrs:
                net = ipaddress.IPv4Network(cidr)
                if not net.subnet_of(vpc):
                    raise ValueError(f"{tier} subnet {cidr} is not inside the VPC CIDR {self.cidr}")
                if net.prefixlen > 28:
                    raise ValueError(f"{tier} subnet {cidr} is smaller than /28, the smallest subnet AWS allows")
                for other_tier, other in seen:
                    if net.overlaps(other):
                        raise ValueError(f"{tier} subnet {cidr} overlaps {other_tier} subnet {other}")
                seen.append((tier, net))
        return self

    def subnet_plan(self) -> dict[str, list[str]]:
        """Explicit subnets where given, else a stable layout carved from the VPC CIDR."""
        vpc = ipaddress.IPv4Network(self.cidr)
        plan: dict[str, list[str]] = {}
        for index, tier in enumerate(TIERS):
            explicit = getattr(self, f"{tier}_subnets")
            if explicit is not None:
                plan[tier] = list(explicit)
            elif vpc.prefixlen + _NEW_BITS > 28:
                raise ValueError(f"the VPC CIDR {self.cidr} is too small to carve subnets from; "
                                 f"give {tier}_subnets explicitly")
            else:
                subnets = list(vpc.subnets(new_prefix=vpc.prefixlen + _NEW_BITS))
                base = index * _TIER_SLOTS
                plan[tier] = [str(subnets[base + i]) for i in range(self.az_count)]
        return plan


class Vpc(Component):
    name = "vpc"
    standby = "regional"
    module = "vpc"
    description = "VPC with public, private and database subnets, NAT gateways and flow logs."
    Settings = VpcSettings
    mock_outputs = {
        "vpc_id": "vpc-00000000000000000",
        "vpc_cidr_block": "10.0.0.0/16",
        "azs": ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
        "public_subnet_ids": ["subnet-00000000000000001", "subnet-00000000000000002", "subnet-00000000000000003"],
        "private_subnet_ids": ["subnet-00000000000000004", "subnet-00000000000000005", "subnet-00000000000000006"],
        "database_subnet_ids": ["subnet-00000000000000007", "subnet-00000000000000008", "subnet-00000000000000009"],
        "public_route_table_ids": ["rtb-00000000000000001"],
        "private_route_table_ids": ["rtb-00000000000000002", "rtb-00000000000000003", "rtb-00000000000000004"],
        "database_route_table_ids": ["rtb-00000000000000005"],
        "nat_public_ips": ["203.0.113.10"],
        "flow_log_group_name": "/aws/vpc/mock/flow-logs",
    }

    def enabled(self, env: EnvContext) -> bool:
        return True

    def summary(self, env: EnvContext) -> dict[str, Any]:
        s: VpcSettings = self.settings(env)
        return {"VPC CIDR": s.cidr, "Availability zones": s.az_count,
                "NAT gateways": 1 if s.nat_gateways == "single" else s.az_count,
                "Flow logs": s.flow_logs.traffic_type}

    def check(self, env: EnvContext) -> list[Problem]:
        s: VpcSettings = self.settings(env)
        available = REGION_AZS[env.region]
        if s.az_count > available:
            return [env.problem(("vpc", "az_count"),
                                f"{env.region} has {available} availability zones; az_count is {s.az_count}")]
        return []

    def assertions(self, env: EnvContext) -> list[Assertion]:
        s: VpcSettings = self.settings(env)
        return [
            expect("aws_vpc.this.cidr_block", s.cidr, f"vpc: CIDR must be {s.cidr} (vpc.cidr)"),
            log_groups("vpc", "[aws_cloudwatch_log_group.flow_logs]", env.manifest.logging.retention_days,
                       env.out("kms", "key_arn")),
        ]


    def names(self, env: EnvContext) -> list[NamedResource]:
        return [NamedResource("account-region", "CloudWatch log group", f"/aws/vpc/{env.prefix}/flow-logs", ())]

    def inputs(self, env: EnvContext) -> dict[str, Any]:
        s: VpcSettings = self.settings(env)
        plan = s.subnet_plan()
        return {
            "name": env.prefix,
            "cidr_block": s.cidr,
            "az_count": s.az_count,
            "public_subnet_cidrs": plan["public"],
            "private_subnet_cidrs": plan["private"],
            "database_subnet_cidrs": plan["database"],
            "nat_gateway_count": 1 if s.nat_gateways == "single" else s.az_count,
            "kms_key_arn": env.out("kms", "key_arn"),
            "flow_log_retention_days": env.manifest.logging.retention_days,
            "flow_log_traffic_type": s.flow_logs.traffic_type,
        }


# --- S3 static assets ---------------------------------------------------------------------------


class LifecycleSettings(StrictModel):
    transition_to_ia_days: int | None = Field(default=None, ge=30, description="Move objects to STANDARD_IA after.")
    transition_to_glacier_days: int | None = Field(default=None, ge=90, description="Move objects to GLACIER_IR after.")
    noncurrent_version_expiration_days: int = Field(ge=1, le=3650, description="Delete replaced versions after.")
    abort_incomplete_multipart_upload_days: int = Field(ge=1, le=365, description="Abort stale multipart uploads after.")

    @model_validator(mode="after")
    def _order(self) -> "LifecycleSettings":
        ia, glacier = self.transition_to_ia_days, self.transition_to_glacier_days
        if ia is not None and glacier is not None and glacier <= ia:
            raise ValueError("transition_to_glacier_days must come after transition_to_ia_days")
        return self


class ReplicationSettings(StrictModel):
    enabled: bool = Field(description="Replicate every object version to a bucket in aws.dr_region (prod).")
    bucket_name: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$",
                                    description="Replica bucket name; default <customer>-<env>-assets-dr-<account id>.")
    storage_class: Literal["STANDARD", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR"] = Field(
        description="Storage class of the replicas (STANDARD_IA: a DR copy is rarely read).")


class AssetsSettings(StrictModel):
    bucket_name: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$",
                                    description="Bucket name; default <customer>-<env>-assets-<account id>.")
    force_destroy: bool = Field(description="Allow destroying a non-empty bucket (refused in production).")
    lifecycle: LifecycleSettings
    replication: ReplicationSettings = Field(description="Cross-region replication to the DR region.")


class Assets(Component):
    """The assets bucket; its server access logs go to the log bucket, and in production it is
    replicated to the DR region (the ``aws.dr`` provider). With the cdn unit, that unit owns the
    bucket policy (the OAC grant names the distribution, which exists only after this unit)."""

    name = "assets"
    standby = "shared"
    module = "s3_assets"
    description = "S3 bucket for the game's static assets (versioned, SSE-KMS, private, TLS only)."
    Settings = AssetsSettings
    provider_aliases = ("dr",)
    mock_outputs = {
        "bucket_name": "mock-assets",
        "bucket_arn": "arn:aws:s3:::mock-assets",
        "bucket_regional_domain_name": "mock-assets.s3.eu-west-1.amazonaws.com",
        "replica_bucket_arn": "arn:aws:s3:::mock-assets-dr",
    }

    diagram_label = "S3 static assets"
    diagram_from = ("cdn",)

    def enabled(self, env: EnvContext) -> bool:
        return True

    def summary(self, env: EnvContext) -> dict[str, Any]:
        s: AssetsSettings = self.settings(env)
        replication = s.replication
        return {"Assets bucket": self.bucket_name(env),
                "Assets to IA / Glacier (days)": f"{s.lifecycle.transition_to_ia_days or '—'} / "
                                                 f"{s.lifecycle.transition_to_glacier_days or '—'}",
                "Assets replication": (f"{env.manifest.aws.dr_region} ({replication.storage_class})"
                                       if replication.enabled else "off")}

    def bucket_name(self, env: EnvContext) -> str:
        s: AssetsSettings = self.settings(env)
        return s.bucket_name or f"{env.prefix}-assets-{env.account_id}"

    def replica_bucket_name(self, env: EnvContext) -> str:
        s: AssetsSettings = self.settings(env)
        return s.replication.bucket_name or f"{env.prefix}-assets-dr-{env.account_id}"

    def check(self, env: EnvContext) -> list[Problem]:
        s: AssetsSettings = self.settings(env)
        problems = []
        if len(self.bucket_name(env)) > 63:
            problems.append(env.problem(("assets",), f"the default bucket name {self.bucket_name(env)!r} is longer "
                                        "than 63 characters; set assets.bucket_name"))
        if env.is_production and s.force_destroy:
            problems.append(env.problem(("assets", "force_destroy"), "production buckets may not be force-destroyed"))
        if s.replication.enabled:
            if env.manifest.aws.dr_region is None:
                problems.append(env.problem(("assets", "replication", "enabled"),
                                            "replication copies the assets to the DR region, but aws.dr_region is "
                                            "not set; set aws.dr_region or assets.replication.enabled: false"))
            if len(self.replica_bucket_name(env)) > 63:
                problems.append(env.problem(("assets", "replication"),
                                            f"the default replica bucket name {self.replica_bucket_name(env)!r} is "
                                            "longer than 63 characters; set assets.replication.bucket_name"))
            elif self.replica_bucket_name(env) == self.bucket_name(env):
                problems.append(env.problem(("assets", "replication", "bucket_name"),
                                            "the replica bucket must differ from the assets bucket"))
        return problems


    def names(self, env: EnvContext) -> list[NamedResource]:
        s: AssetsSettings = self.settings(env)
        names = [NamedResource("global", "S3 bucket", self.bucket_name(env), ("assets", "bucket_name"),
                               f"{env.prefix}-assets-{env.account_id}")]
        if s.replication.enabled and env.manifest.aws.dr_region:
            dr = env.manifest.aws.dr_region
            replica = self.replica_bucket_name(env)
            names += [
                NamedResource("global", "S3 bucket", replica, ("assets", "replication", "bucket_name"),
                              f"{env.prefix}-assets-dr-{env.account_id}"),
                # the replica's own key (templates/modules/s3_assets/replication.tf) is named after the bucket
                NamedResource("account-region", "KMS alias", f"alias/{replica}",
                              ("assets", "replication", "bucket_name"), region=dr),
                NamedResource("account", "IAM role", f"{env.prefix}-assets-replication", ()),
            ]
        return names

    def inputs(self, env: EnvContext) -> dict[str, Any]:
        s: AssetsSettings = self.settings(env)
        replication = s.replication
        kms: KmsSettings = env.manifest.kms
        return {
            "bucket_name": self.bucket_name(env),
            "kms_key_arn": env.out("kms", "key_arn"),
            "force_destroy": s.force_destroy,
            "transition_to_ia_days": s.lifecycle.transition_to_ia_days,
            "transition_to_glacier_days": s.lifecycle.transition_to_glacier_days,
            "noncurrent_version_expiration_days": s.lifecycle.noncurrent_version_expiration_days,
            "abort_incomplete_multipart_upload_days": s.lifecycle.abort_incomplete_multipart_upload_days,
            "access_log_bucket": env.out("log_bucket", "bucket_name"),
            # the log bucket grants S3 server access logging writes below S3_ACCESS_LOG_PREFIX only
            "access_log_prefix": f"{S3_ACCESS_LOG_PREFIX}/{self.bucket_name(env)}/",
            # with a CDN the cdn unit writes the whole bucket policy (TLS-only deny + the OAC grant)
            "manage_bucket_policy": not env.enabled("cdn"),
            "replication_enabled": replication.enabled,
            "replica_bucket_name": self.replica_bucket_name(env) if replication.enabled else None,
            "replica_storage_class": replication.storage_class,
            "replica_kms_deletion_window_in_days": kms.deletion_window_days,
            "replication_role_name": f"{env.prefix}-assets-replication" if replication.enabled else None,
        }
