"""Names AWS requires unique, and per-account quotas, checked across the whole estate.

Each environment is valid on its own, but trees are applied side by side into shared AWS accounts:
two environments creating one S3 bucket name, one CloudFront alias or one IAM role in one account
cannot both be applied. Every component declares the names its unit creates
(``Component.names(env)``, each with the scope AWS keeps it unique in); this module groups them by
scope and reports every name claimed by two environments as a bad-input problem naming both
manifests (file:line) and the key to change. It also counts, per account and region, what AWS
allows only a few of (trails, log resource policies, VPCs, Elastic IPs, NAT gateways).

Placements are the environments' own ``aws.accounts.<env>`` and ``aws.region``. Account-wide
singletons (GuardDuty detector, Config recorder, Security Hub) are not names to compare: the account
baseline owns them once per account and region. ECR repositories ``<customer>/<service>`` are shared
by design between the environments of one customer in one account and region.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Iterable

from .components.base import EnvContext, NamedResource
from .components.preview import preview_names
from .errors import Problem
from .yamlload import KeyPath, format_path

if TYPE_CHECKING:
    from .resolve import Customer

#: the family of every name derived from ``<customer>-<env>`` in one account: one clear problem when
#: two environments share it, instead of one per IAM role, log group, alarm, ...
PREFIX_KIND = "resource prefix"

#: kinds several environments of ONE customer create together by design (one shared unit per account
#: and region); only claims of different customers collide
SHARED_WITHIN_CUSTOMER = frozenset({"ECR repository"})

_SCOPE_TEXT = {
    "global": "unique across all of AWS",
    "region": "unique per region across all AWS accounts",
    "account": "unique per AWS account",
    "account-region": "unique per AWS account and region",
}

#: what the second apply reports, for the kinds where users meet it most
_AWS_ERROR = {
    "CloudFront alias": "CNAMEAlreadyExists",
    "S3 bucket": "BucketAlreadyExists",
    "ECR repository": "RepositoryAlreadyExistsException",
    "IAM role": "EntityAlreadyExists",
}


@dataclass(frozen=True)
class Claim:
    """One environment's claim on one name."""

    env: EnvContext
    resource: NamedResource

    @property
    def region(self) -> str:
        return self.resource.region or self.env.region

    @property
    def scope_key(self) -> tuple[str, ...]:
        scope = self.resource.scope
        if scope == "global":
            return ()
        if scope == "region":
            return (self.region,)
        if scope == "account":
            return (self.env.account_id,)
        return (self.env.account_id, self.region)


def env_id(env: EnvContext) -> tuple[str, str]:
    return (env.customer, env.estate_name)


def placement(env: EnvContext) -> tuple[str, str]:
    """Where an environment's units are applied: (account id, region)."""
    return (env.account_id, env.region)


def inventory(customers: Iterable["Customer"]) -> list[Claim]:
    """Every name every environment creates, plus one resource-prefix claim per environment."""
    claims: list[Claim] = []
    for customer in customers:
        for env in customer.contexts():
            seen: set[tuple[str, str, str, str]] = set()
            claims.append(Claim(env, NamedResource("account", PREFIX_KIND, env.prefix, ())))
            resources = [r for c in env.components.values() if env.renders(c.name) for r in c.names(env)]
            for resource in resources + preview_names(env):
                key = (resource.scope, resource.kind, resource.name, resource.region or "")
                if key not in seen:  # one environment naming a thing twice is not a collision
                    seen.add(key)
                    claims.append(Claim(env, resource))
    return claims


def name_problems(customers: list["Customer"]) -> list[Problem]:
    """Every collision of names AWS requires unique, and every quota exceeded, across ``customers``
    (all of the project's, resolved, each environment with its estate view attached: what it creates,
    and so claims, depends on who owns the shared units)."""
    claims = inventory(customers)
    prefix_problems, twins = _prefix_collisions(claims)
    return prefix_problems + _collisions(claims, twins) + quota_problems(customers, claims)


# --- locating ---------------------------------------------------------------------------------------


def env_file(env: EnvContext) -> str:
    """The environment's own manifest (``customers/<customer>/<env>.yaml``)."""
    customer_file = ""
    for settings in env.merged.provenance.values():
        for setting in settings:
            if setting.layer == "environment":
                return setting.file
            if setting.layer == "customer":
                customer_file = setting.file
    return str(PurePosixPath(customer_file).with_name(f"{env.name}.yaml")) if customer_file else f"{env.name}.yaml"


def _set_at(env: EnvContext, path: KeyPath) -> tuple[str, int] | None:
    """File and line that set exactly ``path`` (None when the value is a default or derived)."""
    settings = env.merged.provenance.get(path) if path else None
    return (settings[-1].file, settings[-1].line) if settings else None


def _where(claim: Claim) -> str:
    path = claim.resource.key_path
    at = _set_at(claim.env, path)
    if at:
        return f"{at[0]}:{at[1]} `{format_path(path)}`"
    return f"{env_file(claim.env)}, derived from its customer and environment names"


def _identity(env: EnvContext) -> str:
    """Where an environment's derived names come from: its customer's name (file:line) and its file."""
    at = _set_at(env, ("customer", "name"))
    return f"{at[0]}:{at[1]} `customer.name`, {env_file(env)}" if at else env_file(env)


def _label(env: EnvContext) -> str:
    return f"{env.customer}/{env.estate_name}"


def _scope_text(claim: Claim) -> str:
    text = _SCOPE_TEXT[claim.resource.scope]
    detail = {"global": "", "region": claim.region, "account": claim.env.account_id,
              "account-region": f"{claim.env.account_id}, {claim.region}"}[claim.resource.scope]
    return f"{text} ({detail})" if detail else text


def _fix(claim: Claim) -> str:
    """What to do for a name a manifest key sets (derived names are reported per pair of environments)."""
    example = f" (e.g. {claim.resource.hint})" if claim.resource.hint else ""
    return f"set `{format_path(claim.resource.key_path)}` in {env_file(claim.env)}{example}"


def _to_change(claims: list[Claim]) -> Claim:
    """The claim whose environment should change: one that inherits the value (from customer.yaml),
    else one that overrides a default in its own file, else one using fgen's default; then a
    non-production one; then the last by name."""
    def rank(claim: Claim) -> tuple:
        at = _set_at(claim.env, claim.resource.key_path)
        # inherited from customer.yaml or a profile: 2; set in its own file: 1; fgen's default: 0
        how = 0 if at is None else 1 if at[0] == env_file(claim.env) else 2
        return (how, not claim.env.is_production, env_id(claim.env))

    return max(claims, key=rank)


# --- collisions --------------------------------------------------------------------------------------


def _prefix_collisions(claims: list[Claim]) -> tuple[list[Problem], dict[tuple[str, str], frozenset]]:
    """One problem per resource prefix shared by environments in one account; and, per environment
    involved, the set of environments it shares its prefix with (their other collisions follow from it)."""
    groups: dict[tuple[tuple[str, ...], str], list[Claim]] = defaultdict(list)
    for claim in claims:
        if claim.resource.kind == PREFIX_KIND:
            groups[(claim.scope_key, claim.resource.name)].append(claim)
    problems = []
    twins: dict[tuple[str, str], frozenset] = {}
    for (scope, prefix), group in sorted(groups.items()):
        if len(group) < 2:
            continue
        group = sorted(group, key=lambda c: env_id(c.env))
        members = frozenset(env_id(c.env) for c in group)
        for claim in group:
            twins[env_id(claim.env)] = members
        target = _to_change(group)
        others = [c for c in group if c is not target]
        message = (f"{_label(target.env)} ({_identity(target.env)}) and "
                   + ", ".join(f"{_label(c.env)} ({_identity(c.env)})" for c in others)
                   + f" share the resource-name prefix '{prefix}' in account {scope[0]}: every name derived "
                   "from it (IAM roles, KMS aliases, log groups, load balancer, alarms, ...) would be created "
                   "twice; rename a customer or an environment (its file) so that '<customer>-<env>' differs")
        problems.append(target.env.problem(("customer", "name"), message))
    return problems, twins


def _collisions(claims: list[Claim], twins: dict[tuple[str, str], frozenset]) -> list[Problem]:
    """Every (scope, kind, name) claimed by two environments (two customers for shared kinds). Names
    set by a manifest key give one problem each, at that key; names derived from the customer,
    environment and service names give one problem per set of environments, listing them."""
    groups: dict[tuple[tuple[str, ...], str, str], list[Claim]] = defaultdict(list)
    for claim in claims:
        if claim.resource.kind != PREFIX_KIND:
            groups[(claim.scope_key, claim.resource.kind, claim.resource.name)].append(claim)
    problems = []
    derived: dict[frozenset, list[tuple[Claim, list[Claim]]]] = defaultdict(list)
    for (_, kind, name), group in sorted(groups.items(), key=lambda item: item[0]):
        by_owner: dict[Any, Claim] = {}
        for claim in sorted(group, key=lambda c: env_id(c.env)):
            owner = claim.env.customer if kind in SHARED_WITHIN_CUSTOMER else env_id(claim.env)
            by_owner.setdefault(owner, claim)
        if len(by_owner) < 2:
            continue
        envs = frozenset(env_id(c.env) for c in by_owner.values())
        if any(envs <= members for members in twins.values()):
            continue  # already reported once, as a shared resource prefix
        members = list(by_owner.values())
        target = _to_change(members)
        others = [c for c in members if c is not target]
        if not target.resource.key_path:
            derived[envs].append((target, others))
            continue
        error = f" (the second apply would fail with {_AWS_ERROR[kind]})" if kind in _AWS_ERROR else ""
        message = (f"{kind} '{name}' would be created by {_label(target.env)} ({_where(target)}) and by "
                   + ", ".join(f"{_label(c.env)} ({_where(c)})" for c in others)
                   + f", but it is {_scope_text(target)}{error}; {_fix(target)}")
        path = target.resource.key_path
        problems.append(target.env.problem(path, message) if _set_at(target.env, path)
                        else Problem(env_file(target.env), 1, format_path(path), message))
    for envs, items in sorted(derived.items(), key=lambda item: sorted(item[0])):
        target, others = items[0]
        shown = [f"{t.resource.kind} '{t.resource.name}'" for t, _ in items[:_SHOWN]]
        more = f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else ""
        message = (f"{_label(target.env)} ({_identity(target.env)}) and "
                   + ", ".join(f"{_label(c.env)} ({_identity(c.env)})" for c in others)
                   + f" would create the same {'name' if len(items) == 1 else f'{len(items)} names'}, derived from "
                   f"their customer, environment and service names: {', '.join(shown)}{more}; rename a customer, "
                   "an environment (its file) or a service so that the derived names differ")
        problems.append(target.env.problem(("customer", "name"), message))
    return problems


#: derived collisions listed by name in one problem (the rest are counted)
_SHOWN = 5


# --- quotas --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quota:
    """An AWS service quota fgen's units count against (Service Quotas name and code)."""

    name: str
    service: str
    code: str | None  # Service Quotas code (adjustable quotas)
    default: int
    adjustable: bool
    key: str | None  # aws.quotas.<key> states a raised value (adjustable quotas only)


#: CloudTrail quotas, "Trails per Region": 5, cannot be increased; a multi-region trail (every audit
#: unit's) counts in every region of the account
TRAILS = Quota("Trails per Region", "CloudTrail", None, 5, False, None)
#: CloudWatch Logs PutResourcePolicy: "up to 10 resource policies per Region"; cannot be increased.
#: The waf unit creates one per web ACL log group (regional; CloudFront's in us-east-1)
LOG_RESOURCE_POLICIES = Quota("resource policies per Region", "CloudWatch Logs", None, 10, False, None)
#: Amazon VPC quotas "VPCs per Region" (L-F678F1CE, default 5, adjustable; the default VPC counts too)
VPCS = Quota("VPCs per Region", "Amazon VPC", "L-F678F1CE", 5, True, "vpcs_per_region")
#: Amazon EC2 "EC2-VPC Elastic IPs" (L-0263D0A3, default 5 per region, adjustable): one per NAT gateway
EIPS = Quota("EC2-VPC Elastic IPs", "Amazon EC2", "L-0263D0A3", 5, True, "elastic_ips_per_region")
#: Amazon VPC "NAT gateways per Availability Zone" (L-FE5A380F, default 5, adjustable); every
#: environment's first NAT gateway is in the region's first zone
NAT_PER_AZ = Quota("NAT gateways per Availability Zone", "Amazon VPC", "L-FE5A380F", 5, True, "nat_gateways_per_az")


def quota_problems(customers: list["Customer"], claims: list[Claim] | None = None) -> list[Problem]:
    """What the estate would create beyond AWS quotas, per account (and region)."""
    claims = inventory(customers) if claims is None else claims
    envs = [env for customer in customers for env in customer.contexts()]
    problems: list[Problem] = []

    trails: dict[str, list[tuple[EnvContext, int]]] = defaultdict(list)
    for env in envs:
        if env.enabled("audit"):
            trails[env.account_id].append((env, 1))
    for account, uses in sorted(trails.items()):
        problems += _over(TRAILS, f"account {account} (every region: the trails are multi-region)", uses,
                          "disable `audit` in an environment of this account (audit.enabled: false) if another "
                          "trail already records it, or move an environment to another account")

    policies: dict[tuple[str, str], list[tuple[EnvContext, int]]] = defaultdict(list)
    for claim in claims:
        if claim.resource.kind == "CloudWatch Logs resource policy":
            policies[(claim.env.account_id, claim.region)].append((claim.env, 1))
    for (account, region), uses in sorted(policies.items()):
        problems += _over(LOG_RESOURCE_POLICIES, f"account {account}, {region}", _merge_uses(uses),
                          "each WAF web ACL's log group takes one (CloudFront's in us-east-1); move an "
                          "environment to another account or region")

    vpcs: dict[tuple[str, str], list[tuple[EnvContext, int]]] = defaultdict(list)
    eips: dict[tuple[str, str], list[tuple[EnvContext, int]]] = defaultdict(list)
    for env in envs:
        if env.enabled("vpc"):
            s = env.manifest.vpc
            vpcs[placement(env)].append((env, 1))
            eips[placement(env)].append((env, 1 if s.nat_gateways == "single" else s.az_count))
    for (account, region), uses in sorted(vpcs.items()):
        where = f"account {account}, {region}"
        problems += _over(VPCS, where, uses, "")
        problems += _over(NAT_PER_AZ, where, uses, "")
    for (account, region), uses in sorted(eips.items()):
        problems += _over(EIPS, f"account {account}, {region}", uses,
                          "vpc.nat_gateways: single takes one address instead of one per zone")
    return problems


def _merge_uses(uses: list[tuple[EnvContext, int]]) -> list[tuple[EnvContext, int]]:
    totals: dict[tuple[str, str], tuple[EnvContext, int]] = {}
    for env, count in uses:
        previous = totals.get(env_id(env))
        totals[env_id(env)] = (env, count + (previous[1] if previous else 0))
    return list(totals.values())


def _over(quota: Quota, where: str, uses: list[tuple[EnvContext, int]], advice: str) -> list[Problem]:
    """One problem when ``uses`` exceed ``quota`` (the stated raised value for adjustable ones),
    located at the account assignment of the environment that goes over it."""
    uses = sorted(uses, key=lambda u: env_id(u[0]))
    total = sum(count for _, count in uses)
    limit = quota.default
    if quota.key is not None:
        stated = [getattr(env.manifest.aws.quotas, quota.key) for env, _ in uses]
        limit = max([quota.default] + [v for v in stated if v is not None])
    if total <= limit:
        return []
    running, culprit = 0, uses[-1][0]
    for env, count in uses:
        running += count
        if running > limit:
            culprit = env
            break
    listing = ", ".join(f"{_label(env)} {count}" for env, count in uses)
    if quota.adjustable:
        raised = f"{limit} (stated in aws.quotas.{quota.key})" if limit != quota.default else f"{limit} (AWS default)"
        fix = (f"request an increase of '{quota.name}' ({quota.code}) in Service Quotas for this account and region, "
               f"then state it with `aws.quotas.{quota.key}` in one of these environments' files")
        if advice:
            fix += f"; or {advice}"
        text = f"is {raised}"
    else:
        fix = advice
        text = f"is {limit} and cannot be raised"
    code = f" ({quota.code})" if quota.code else ""
    message = (f"{where}: the estate would create {total} against the {quota.service} quota '{quota.name}'{code}, "
               f"which {text} ({listing}); {fix}")
    return [culprit.problem(("aws", "accounts", culprit.name), message)]


# --- wiring --------------------------------------------------------------------------------------------


__all__ = ["Claim", "NamedResource", "PREFIX_KIND", "SHARED_WITHIN_CUSTOMER", "inventory",
           "name_problems", "placement", "quota_problems"]
