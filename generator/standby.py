"""The warm standby: an environment's whole stack, small, in a second region, ready to take over.

``standby.enabled`` in an environment's manifest derives a second context of that environment
(``EnvContext.role == "standby"``) with a manifest of its own: the standby region as its region,
the primary region as its DR region, its own VPC CIDR and ALB certificate, and the resource prefix
``<customer>-<env>-sb`` ("sb": standby; IAM roles and S3 buckets share global namespaces with the primary's).
Every component then renders for that context exactly as for any environment, and the few that
must differ ask ``env.is_standby`` / ``env.promoted``: the database is a cross-region read replica
of the primary's, the services run at standby capacity, WAF protects only the regional ALB.

Which components get a standby unit, which serve both regions from the primary tree, and which
leave the primary tree on promotion is each component's ``standby`` / ``stays_on_promotion``
(generator/components/base.py). The standby's units live in ``infra/environments/<env>/standby/``;
root.hcl gives them the standby region's provider and state bucket, so the standby can be applied
(promoted) while the primary region is down.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from .errors import Problem
from .schema.base import Quotas, StrictModel
from .schema.types import AcmArn, Region, VpcCidr, region_of_arn

if TYPE_CHECKING:
    from .components.base import EnvContext

Capacity = Literal["pilot_light", "warm"]
#: ElastiCache Global Datastore node families (no burstable t-class nodes) and engine minimums
GLOBAL_DATASTORE_FAMILIES = ("m5", "m6g", "m7g", "r5", "r6g", "r6gd", "r7g", "c7gn")


class StandbySettings(StrictModel):
    enabled: bool = Field(default=False, description="Run a warm standby of this environment in a second region.")
    region: Region | None = Field(default=None, description="The standby's region (default aws.dr_region); must "
                                  "differ from aws.region.")
    capacity: Capacity = Field(default="warm", description="pilot_light: services at 0 tasks until promoted (cheapest, "
                               "slowest to take over); warm: each service runs warm_tasks tasks.")
    warm_tasks: int = Field(default=1, ge=1, le=100, description="Tasks per service while warm (capacity: warm).")
    vpc_cidr: VpcCidr | None = Field(default=None, description="The standby VPC's CIDR; must not overlap the "
                                     "primary's (or any VPC of this customer).")
    certificate_arn: AcmArn | None = Field(default=None, description="ACM certificate for the standby's ALB, in the "
                                           "standby region and this environment's account.")
    state_bucket: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
                                     description="S3 bucket, in the standby region, for the standby units' state "
                                     "(default fg-tfstate-<account id>-<standby region>): the standby must be "
                                     "applicable while the primary region is down.")
    quotas: Quotas = Field(default_factory=Quotas, description="Raised AWS quotas of the standby's account and "
                           "region, as aws.quotas states them for the primary's (the estate check assumes AWS's "
                           "defaults otherwise; an environment whose primary region is there may state them too).")
    promoted: bool = Field(default=False, description="The standby has taken over: render it as the primary (the "
                           "replica promoted, full capacity) and remove the primary region's stack (guarded).")

    @model_validator(mode="after")
    def _promoted_needs_enabled(self) -> "StandbySettings":
        if self.promoted and not self.enabled:
            raise ValueError("promoted: true needs enabled: true")
        return self


def standby_region(env: "EnvContext") -> str | None:
    s = env.manifest.standby
    return s.region or env.manifest.aws.dr_region


def state_bucket(env: "EnvContext") -> str:
    """The standby's state bucket (in the standby region)."""
    primary = env.primary_env
    region = standby_region(primary)
    return primary.manifest.standby.state_bucket or f"fg-tfstate-{primary.account_id}-{region}"


def settings_problems(env: "EnvContext") -> list[Problem]:
    """The standby's own rules, on the primary's context, before its context is derived."""
    s = env.manifest.standby
    if not s.enabled:
        return []
    problems: list[Problem] = []
    region = standby_region(env)
    if region is None:
        problems.append(env.problem(("standby", "region"), "standby.enabled needs a region: set standby.region "
                                    "or aws.dr_region"))
    elif region == env.region:
        problems.append(env.problem(("standby", "region"), f"the standby must be in another region than the primary "
                                    f"({env.region}); set standby.region (e.g. to aws.dr_region)"))
    if s.vpc_cidr is None:
        problems.append(env.problem(("standby", "vpc_cidr"), "standby.enabled needs the standby VPC's CIDR "
                                    f"(standby.vpc_cidr), not overlapping vpc.cidr {env.manifest.vpc.cidr}"))
    else:
        own = ipaddress.IPv4Network(s.vpc_cidr)
        if own.overlaps(ipaddress.IPv4Network(env.manifest.vpc.cidr)):
            problems.append(env.problem(("standby", "vpc_cidr"), f"{s.vpc_cidr} overlaps the primary VPC's "
                                        f"{env.manifest.vpc.cidr} (set in vpc.cidr); choose a separate range so "
                                        "the two regions can be peered"))
    if env.enabled("alb"):
        if s.certificate_arn is None:
            problems.append(env.problem(("standby", "certificate_arn"), "the standby's ALB needs its own ACM "
                                        f"certificate in {region or 'the standby region'} for {env.manifest.dns.domain} "
                                        "(ACM certificates are regional): set standby.certificate_arn"))
        elif region is not None:
            arn_region, arn_account = region_of_arn(s.certificate_arn), s.certificate_arn.split(":")[4]
            if arn_region != region:
                problems.append(env.problem(("standby", "certificate_arn"), f"the certificate is in {arn_region}; "
                                            f"the standby's ALB is in {region} and needs one from there"))
            if arn_account != env.account_id:
                problems.append(env.problem(("standby", "certificate_arn"), f"the certificate belongs to account "
                                            f"{arn_account}; this environment deploys to {env.account_id}"))
    return problems


def derive(env: "EnvContext") -> "EnvContext":
    """The standby context of a primary context whose ``standby.enabled`` holds (settings checked)."""
    from .components.base import EnvContext

    m = env.manifest
    s = m.standby
    region = standby_region(env)
    update = {
        "aws": m.aws.model_copy(update={"region": region, "dr_region": m.aws.region, "baseline_owner": False,
                                        "quotas": s.quotas}),
        "vpc": m.vpc.model_copy(update={"cidr": s.vpc_cidr, "public_subnets": None, "private_subnets": None,
                                        "database_subnets": None}),
        "dns": m.dns.model_copy(update={"certificate_arn": s.certificate_arn or m.dns.certificate_arn}),
    }
    rds = getattr(m, "rds", None)
    if rds is not None and getattr(rds, "restore_from_snapshot", None) is not None:
        update["rds"] = rds.model_copy(update={"restore_from_snapshot": None})  # a replica copies the primary
    for section in ("log_bucket", "assets", "audit"):  # explicit global names belong to the primary
        settings = getattr(m, section, None)
        if settings is not None and getattr(settings, "bucket_name", None) is not None:
            update[section] = settings.model_copy(update={"bucket_name": None})
    standby = EnvContext(env.customer, env.name, env.profile, m.model_copy(update=update), env.merged,
                         env.components, env.environment_profiles, role="standby")
    standby.counterpart = env
    env.counterpart = standby
    return standby


def context_problems(standby: "EnvContext") -> list[Problem]:
    """The rules of every component the standby renders, run on its manifest (AZ counts in its region,
    names that must fit). Resolve asks only once the primary's own checks passed, so what they report
    here is the standby's alone."""
    return [Problem(p.file, p.line, p.key, f"in the standby region {standby.region}: {p.message}")
            for name, component in standby.components.items() if standby.renders(name)
            for p in component.check(standby)]
