"""A minimal, valid, commented manifest set for a new customer (`fgen new`, and the lint probe)."""

from __future__ import annotations

SCHEMA_LINE = "# yaml-language-server: $schema=../../docs/manifest.schema.json"

_DR_PAIRS = {"us-east-1": "us-west-2", "us-east-2": "us-west-2", "us-west-2": "us-east-1", "us-west-1": "us-east-2",
             "eu-west-1": "eu-central-1", "eu-central-1": "eu-west-1", "eu-west-2": "eu-west-1",
             "eu-west-3": "eu-central-1", "eu-north-1": "eu-central-1", "ap-southeast-1": "ap-southeast-2",
             "ap-southeast-2": "ap-southeast-1", "ap-northeast-1": "ap-northeast-3", "ca-central-1": "us-east-2"}


def default_dr_region(region: str) -> str:
    """A sensible disaster-recovery region for ``region``: a known pair, else another of its geography."""
    from .schema.types import REGION_AZS

    if region in _DR_PAIRS:
        return _DR_PAIRS[region]
    geography = region.split("-")[0]
    return next((r for r in REGION_AZS if r != region and r.startswith(geography + "-")), "us-east-1")


def _certificates(region: str, account: str, index: int, indent: str = "  ") -> str:
    """Placeholder ACM certificate ARNs of one environment (its account): the ALB's in ``region``,
    CloudFront's in us-east-1."""
    return (f"{indent}# TODO: the ACM certificate for the ALB, in {region}\n"
            f"{indent}certificate_arn: arn:aws:acm:{region}:{account}:certificate/"
            f"00000000-0000-4000-8000-{2 * index:012d}\n"
            f"{indent}# TODO: the ACM certificate for CloudFront, which must live in us-east-1\n"
            f"{indent}cloudfront_certificate_arn: arn:aws:acm:us-east-1:{account}:certificate/"
            f"00000000-0000-4000-8000-{2 * index + 1:012d}\n")


def primary_environment(environments: dict[str, str]) -> str:
    """The environment that serves the customer's own domain: the first production one (else the first)."""
    return next((env for env, profile in environments.items() if profile == "prod"), next(iter(environments)))


def scaffold_manifests(name: str, region: str, domain: str, owner: str, environments: dict[str, str],
                       account_ids: dict[str, str] | None = None, dr_region: str | None = None) -> dict[str, str]:
    """``environments`` maps environment name -> profile. Returns file name -> YAML text.

    The primary environment (the first production one) serves ``domain``; every other environment gets
    ``<env>.<domain>`` and certificate placeholders of its own account in its file, because CloudFront
    aliases are unique across all of AWS: two environments inheriting one domain cannot both be applied.
    """
    account_ids = account_ids or {env: f"{index + 1:012d}" for index, env in enumerate(environments)}
    primary = primary_environment(environments)
    accounts = "\n".join(f'    {env}: "{account_ids[env]}"  # TODO: the real account id' for env in environments)
    customer = f"""{SCHEMA_LINE}
# Customer {name}: settings shared by every environment. Each <env>.yaml overrides them;
# the profile in templates/profiles/<profile>/ gives every default (see `fgen explain`).
customer:
  name: {name}
  display_name: {name}
  owner_email: {owner}
  cost_center: TODO-cost-center

aws:
  region: {region}
  dr_region: {dr_region or default_dr_region(region)}  # backups and replicas are copied here
  accounts:
{accounts}

# {primary} serves {domain}; every other environment sets its own dns section (its own domain under this
# one, its own certificates): CloudFront aliases are unique across all of AWS.
dns:
  domain: {domain}
{_certificates(region, account_ids[primary], 0)}"""
    files = {"customer.yaml": customer}
    for index, (env, profile) in enumerate(environments.items()):
        base = 100 + index * 10
        lines = [SCHEMA_LINE, f"# Environment {env}: overrides of customer.yaml for this environment only."]
        if env != profile:
            lines.append(f"profile: {profile}")
        lines.append("vpc:")
        lines.append(f"  cidr: 10.{base}.0.0/16  # unique per environment if they are ever peered")
        if env != primary:
            lines += ["", "dns:", f"  domain: {env}.{domain}",
                      _certificates(region, account_ids[env], index + 1).rstrip("\n")]
        files[f"{env}.yaml"] = "\n".join(lines) + "\n"
    return files
