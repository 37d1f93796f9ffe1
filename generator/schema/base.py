"""The manifest sections every customer has: identity, AWS accounts, DNS, tags, state."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .types import AccountId, AcmArn, DomainName, Email, EnvName, Name, Region, TagKey, TagValue, region_of_arn


class StrictModel(BaseModel):
    """Every manifest model: unknown keys are errors, values are immutable once resolved."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, populate_by_name=False, defer_build=True)


class Identity(StrictModel):
    name: Name = Field(description="Customer id: lowercase, DNS-safe, equal to the folder name under customers/.")
    display_name: str = Field(min_length=1, max_length=100, description="Human-readable customer name.")
    owner_email: Email = Field(description="Owning team's email; also the default alert and budget recipient.")
    cost_center: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:/=+\-@ ]+$",
                             description="Cost center written to the cost-center tag of every resource.")


class Quotas(StrictModel):
    """Adjustable AWS quotas of this environment's account and region that were raised (Service Quotas).

    fgen checks the estate against AWS's default quotas; state a raised value here (in any environment
    placed in that account and region) so the check uses it instead.
    """

    vpcs_per_region: int | None = Field(default=None, ge=1, le=1000,
                                        description="'VPCs per Region' (Amazon VPC, L-F678F1CE); AWS default 5.")
    elastic_ips_per_region: int | None = Field(
        default=None, ge=1, le=10000, description="'EC2-VPC Elastic IPs' (Amazon EC2, L-0263D0A3); AWS default 5.")
    nat_gateways_per_az: int | None = Field(
        default=None, ge=1, le=1000, description="'NAT gateways per Availability Zone' (Amazon VPC, L-FE5A380F); "
                                                 "AWS default 5.")


class Aws(StrictModel):
    region: Region = Field(description="Primary AWS region of every environment.")
    dr_region: Region | None = Field(default=None, description="Disaster-recovery region (replicas, backup copies).")
    accounts: dict[EnvName, AccountId] = Field(description="AWS account id per environment name.")
    baseline_owner: bool = Field(default=False, description="Environment files: this environment owns the account "
                                 "baseline (GuardDuty, Security Hub, AWS Config, ECR registry scanning) of its account "
                                 "and region, instead of the default owner (production first, then customer/env "
                                 "alphabetically). See `fgen accounts`.")
    quotas: Quotas = Field(default_factory=Quotas, description="Raised AWS quotas of this environment's account and "
                           "region (the estate check assumes AWS's defaults otherwise).")

    @model_validator(mode="after")
    def _dr_differs(self) -> "Aws":
        if self.dr_region is not None and self.dr_region == self.region:
            raise ValueError("dr_region must differ from region")
        return self


class Dns(StrictModel):
    domain: DomainName = Field(description="The customer's DNS domain (ALB and CloudFront aliases live under it).")
    certificate_arn: AcmArn = Field(description="ACM certificate for the ALB, in the primary region.")
    cloudfront_certificate_arn: AcmArn | None = Field(
        default=None, description="ACM certificate for CloudFront; must be in us-east-1.")
    hosted_zone_id: str | None = Field(
        default=None,
        description="Route 53 public hosted zone of dns.domain in this environment's account (e.g. "
                    "Z0123456789ABCDEFGHIJ). When set, fgen creates the alias records: the CDN's origin name "
                    "to the ALB and the CDN aliases to the distribution (without the CDN: dns.domain to the "
                    "ALB). When not set, create them yourself (see the cdn unit's origin_dns_record output).")

    @field_validator("hosted_zone_id")
    @classmethod
    def _zone_id(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"Z[A-Z0-9]{4,31}", value):
            hint = " (drop the /hostedzone/ prefix)" if value.startswith("/hostedzone/") else ""
            raise ValueError(f"must be a Route 53 hosted zone id: 'Z' followed by 4-31 capital letters and "
                             f"digits, e.g. Z0123456789ABCDEFGHIJ; got {value!r}{hint}")
        return value

    @field_validator("cloudfront_certificate_arn")
    @classmethod
    def _us_east_1(cls, value: str | None) -> str | None:
        if value is not None and region_of_arn(value) != "us-east-1":
            raise ValueError(f"CloudFront certificates must be in us-east-1, this one is in {region_of_arn(value)}")
        return value


class State(StrictModel):
    bucket: str | None = Field(
        default=None, pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
        description="S3 bucket for Terraform state; default fg-tfstate-<account id>-<region>.")


RESERVED_TAGS = {"customer", "environment", "managed-by", "cost-center", "owner"}


def check_tags(tags: dict[str, str]) -> dict[str, str]:
    clash = sorted(RESERVED_TAGS & {k.lower() for k in tags})
    if clash:
        raise ValueError(f"tag keys {clash} are set by fgen from the identity section; remove them here")
    if any(k.lower().startswith("aws:") for k in tags):
        raise ValueError("tag keys starting with 'aws:' are reserved by AWS")
    return tags


Tags = dict[TagKey, TagValue]
