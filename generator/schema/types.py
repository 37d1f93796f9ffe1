"""Constrained value types shared by every part of the manifest schema."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints

# Availability zones per region that a new account can use. The table is part of the schema so that
# "the AZ count fits the region" is checked before anything renders.
REGION_AZS: dict[str, int] = {
    "us-east-1": 6, "us-east-2": 3, "us-west-1": 2, "us-west-2": 4,
    "ca-central-1": 3, "ca-west-1": 3, "mx-central-1": 3, "sa-east-1": 3,
    "eu-west-1": 3, "eu-west-2": 3, "eu-west-3": 3, "eu-central-1": 3, "eu-central-2": 3,
    "eu-north-1": 3, "eu-south-1": 3, "eu-south-2": 3,
    "ap-south-1": 3, "ap-south-2": 3, "ap-east-1": 3, "ap-southeast-1": 3, "ap-southeast-2": 3,
    "ap-southeast-3": 3, "ap-southeast-4": 3, "ap-southeast-5": 3, "ap-southeast-7": 3,
    "ap-northeast-1": 3, "ap-northeast-2": 4, "ap-northeast-3": 3,
    "me-south-1": 3, "me-central-1": 3, "il-central-1": 3, "af-south-1": 3,
}

# The values CloudWatch Logs' PutRetentionPolicy accepts (0 is "never expire", which we do not allow).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
                      2922, 3288, 3653)

NAME_RE = r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$"


def _region(value: str) -> str:
    if value not in REGION_AZS:
        from difflib import get_close_matches

        close = get_close_matches(value, list(REGION_AZS), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ValueError(f"unknown AWS region '{value}'{hint}")
    return value


def _retention(value: int) -> int:
    if value not in LOG_RETENTION_DAYS:
        allowed = ", ".join(str(v) for v in LOG_RETENTION_DAYS)
        raise ValueError(f"CloudWatch Logs accepts only {allowed}; got {value}")
    return value


def _cidr(value: str) -> str:
    try:
        net = ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"not an IPv4 CIDR block: {exc}") from None
    return str(net)


def _private_cidr(value: str) -> str:
    net = ipaddress.IPv4Network(_cidr(value))
    if not net.is_private:
        raise ValueError(f"{value} is not a private (RFC 1918) range")
    if not 16 <= net.prefixlen <= 24:
        raise ValueError(f"a VPC CIDR must be between /16 and /24, got /{net.prefixlen}")
    return str(net)


Name = Annotated[str, StringConstraints(pattern=NAME_RE, min_length=2, max_length=32)]
EnvName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]{1,11}$")]
Region = Annotated[str, AfterValidator(_region)]
AccountId = Annotated[str, StringConstraints(pattern=r"^[0-9]{12}$")]
Email = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$",
                                         max_length=254)]
DomainName = Annotated[str, StringConstraints(
    min_length=4, max_length=253, pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")]
AcmArn = Annotated[str, StringConstraints(
    pattern=r"^arn:aws:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]{36}$")]
Cidr = Annotated[str, AfterValidator(_cidr)]
VpcCidr = Annotated[str, AfterValidator(_private_cidr)]
LogRetentionDays = Annotated[int, AfterValidator(_retention)]
Percent = Annotated[int, Field(ge=1, le=100)]
_TAG_CHARS = re.compile(r"^[\w .:/=+\-@]*$")


def _tag(limit: int, minimum: int) -> Any:
    def check(value: str) -> str:
        if not minimum <= len(value) <= limit:
            raise ValueError(f"tags must be {minimum}-{limit} characters, got {len(value)}")
        if not _TAG_CHARS.fullmatch(value):
            raise ValueError("AWS tags allow letters, digits, spaces and _ . : / = + - @ only")
        return value

    return AfterValidator(check)


TagKey = Annotated[str, _tag(128, 1)]
TagValue = Annotated[str, _tag(256, 0)]
Description = Annotated[str, StringConstraints(min_length=1, max_length=255)]


def region_of_arn(arn: str) -> str:
    return arn.split(":")[3]


def is_lower_dns_label(value: str) -> bool:
    return re.fullmatch(NAME_RE, value) is not None
