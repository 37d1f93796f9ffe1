"""The estate: every customer environment at once, by the AWS account and region it lands in.

Each environment fgen renders is valid on its own, but trees are applied into shared accounts, and
some AWS resources exist once per account and region (a GuardDuty detector, the Security Hub
account, the AWS Config recorder and delivery channel, the ECR registry scanning configuration) or
once per account (the Cost Explorer DIMENSIONAL "services" anomaly monitor). The estate decides,
from the manifests alone and deterministically, which ONE environment creates each of them:

* the **account baseline** of an (account, region) belongs to the environment that claims it
  (``aws.baseline_owner: true``); otherwise, among the environments that need it, production
  before the others, then ``(customer, env)`` alphabetically. When AWS Config is needed, only an
  environment with ``audit`` on can own it (Config delivers to the owner's audit bucket). Its
  settings are the union of what the environments there ask for.
* the **ECR repositories** ``<customer>/<service>`` of a customer in an (account, region) belong
  to one environment (``ecr.owner: true``, else the same order), which creates the union of the
  repositories its sibling environments pull from.
* the **ECR replication configuration** is one per registry (account and region): the baseline of
  a primary region replicates ``<customer>/`` to the region of every warm standby whose primary is
  there (generator/standby.py), one rule per set of destination regions, within AWS's limits.

``Estate.build`` turns resolved customers into plain, picklable facts (``EnvRef``) and the owners;
``Estate.check`` reports what the estate cannot resolve; ``Estate.view`` is the small per-environment
answer (``EstateView``) components read through ``EnvContext.estate``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import Problem

if TYPE_CHECKING:
    from .components.base import EnvContext
    from .resolve import Customer

#: GuardDuty's finding publishing frequencies, most frequent (strictest) first
FREQUENCIES = ("FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS")
#: AWS allows at most 10 email subscribers on one Cost Anomaly Detection subscription
MAX_ANOMALY_EMAILS = 10
#: an ECR replication configuration's limits (API ReplicationConfiguration/ReplicationRule; the AWS
#: provider 5.100 schema): rules, destinations per rule, repository filters per rule
MAX_REPLICATION_RULES = 10
MAX_REPLICATION_DESTINATIONS = 25
MAX_REPLICATION_FILTERS = 100


@dataclass(frozen=True, order=True)
class EnvKey:
    customer: str
    env: str

    def __str__(self) -> str:
        return f"{self.customer}/{self.env}"


@dataclass(frozen=True)
class Where:
    """Where a manifest sets something: file:line and the key (for messages)."""

    file: str
    line: int
    key: str

    def problem(self, message: str) -> Problem:
        return Problem(self.file, self.line, self.key, message)


@dataclass(frozen=True)
class BaselineAsk:
    """What one environment asks of its account and region's baseline."""

    guardduty: bool = False
    s3_protection: bool = False
    runtime_monitoring: bool = False
    frequency: str | None = None
    config: bool = False
    config_frequency: str | None = None
    security_hub: bool = False
    enhanced_scanning: bool = False
    #: the account-wide Cost Explorer services monitor: (threshold USD, email recipients)
    services_monitor: tuple[float, tuple[str, ...]] | None = None
    #: ECR replication of this (primary) environment's repositories to its warm standby's region:
    #: (destination region, repository prefix ``<customer>/``) pairs
    ecr_replication: tuple[tuple[str, str], ...] = ()

    @property
    def regional(self) -> bool:
        return (self.guardduty or self.config or self.security_hub or self.enhanced_scanning
                or bool(self.ecr_replication))

    def parts(self) -> list[str]:
        names = [("guardduty", self.guardduty), ("config", self.config), ("security_hub", self.security_hub),
                 ("ecr_enhanced_scanning", self.enhanced_scanning),
                 ("ecr_replication", bool(self.ecr_replication)),
                 ("cost_anomaly_services_monitor", self.services_monitor is not None)]
        return [name for name, on in names if on]


@dataclass(frozen=True)
class EcrAsk:
    enabled: bool = False
    keep_last_images: int = 0
    untagged_expiry_days: int = 0
    force_delete: bool = False


@dataclass(frozen=True)
class EnvRef:
    """The facts about one environment the estate needs (plain data: cached and sent to workers)."""

    customer: str
    env: str
    profile: str
    file: str  # customers/<customer>/<env>.yaml
    account_id: str
    region: str
    production: bool
    audit: bool  # audit on: an audit bucket AWS Config can deliver to
    baseline: BaselineAsk
    baseline_claim: Where | None
    ecr: EcrAsk
    ecr_claim: Where | None
    ecr_at: Where  # where ecr.enabled is set
    monitor_at: Where | None  # where budgets.anomaly_detection.monitor asks for the services monitor
    #: enabled services without ``image``: they pull <account>.dkr.ecr.<region>.amazonaws.com/<customer>/<service>
    default_images: tuple[tuple[str, Where], ...]
    #: the warm standby of environment ``env.removesuffix('/standby')`` (generator/standby.py)
    standby: bool = False
    #: where the manifest turns on the warm standby this environment's ECR replication serves
    replication_at: Where | None = None

    @property
    def key(self) -> EnvKey:
        return EnvKey(self.customer, self.env)


@dataclass(frozen=True)
class ServicesMonitor:
    threshold_usd: float
    emails: tuple[str, ...]


@dataclass(frozen=True, order=True)
class ReplicationRule:
    """One rule of a registry's ECR replication configuration: the repository prefixes replicated to
    exactly these regions (of the same account)."""

    destinations: tuple[str, ...]
    prefixes: tuple[str, ...]


@dataclass(frozen=True)
class BaselineSettings:
    """The union of what the environments of one (account, region) ask for."""

    guardduty: bool
    s3_protection: bool
    runtime_monitoring: bool
    finding_publishing_frequency: str
    config: bool
    config_recording_frequency: str
    security_hub: bool
    ecr_enhanced_scanning: bool
    services_monitor: ServicesMonitor | None  # only in the baseline of the account's first region
    #: the registry's ECR replication configuration (empty: none)
    ecr_replication: tuple[ReplicationRule, ...] = ()


@dataclass(frozen=True)
class EcrPlan:
    """The one ``ecr`` unit of a customer in an (account, region): the union of what its environments pull."""

    repositories: tuple[tuple[str, str], ...]  # service -> <customer>/<service>
    keep_last_images: int
    untagged_expiry_days: int
    force_delete: bool


@dataclass(frozen=True)
class EstateView:
    """What one environment's planning needs to know about the rest of the estate."""

    customer: str
    env: str
    account_id: str
    region: str
    baseline_owner: EnvKey | None  # who owns this (account, region)'s baseline (None: nobody needs one)
    baseline: BaselineSettings | None  # set only for the owner
    ecr_owner: EnvKey | None  # who creates this customer's repositories here (None: nobody)
    ecr: EcrPlan | None  # set only for the ECR owner
    neighbours: tuple[EnvKey, ...] = ()  # the other environments in this account and region

    @property
    def key(self) -> EnvKey:
        return EnvKey(self.customer, self.env)

    @property
    def owns_baseline(self) -> bool:
        return self.baseline is not None

    @property
    def owns_ecr(self) -> bool:
        return self.ecr is not None


# --- facts from resolved environments -----------------------------------------------------------


def _where(env: "EnvContext", path: tuple) -> Where:
    p = env.problem(path, "")
    return Where(p.file, p.line, p.key)


def env_ref(env: "EnvContext") -> EnvRef:
    """The estate's facts about one resolved environment."""
    from .components.application import enabled_services

    m = env.manifest
    td = m.threat_detection
    gd = td.guardduty
    ecr = m.ecr
    anomaly = m.budgets.anomaly_detection
    monitor = None
    if m.budgets.enabled and anomaly.enabled and anomaly.monitor == "services":
        monitor = (float(anomaly.threshold_usd), tuple(env.components["budgets"].emails(env)))
    images = tuple((name, _where(env, ("services", name))) for name, s in enabled_services(env).items()
                   if s.image is None and not env.is_standby)  # the standby pulls the primary's, replicated
    standby = env.standby_env
    replication = ((standby.region, f"{env.customer}/"),) if standby is not None and images else ()
    ask = BaselineAsk(
        guardduty=gd.enabled, s3_protection=gd.enabled and gd.s3_protection,
        runtime_monitoring=gd.enabled and gd.runtime_monitoring,
        frequency=gd.finding_publishing_frequency if gd.enabled else None,
        config=td.config.enabled, config_frequency=td.config.recording_frequency if td.config.enabled else None,
        security_hub=td.security_hub.enabled,
        enhanced_scanning=ecr.enabled and ecr.scanning == "enhanced",
        services_monitor=monitor, ecr_replication=replication)
    ecr_ask = EcrAsk() if env.is_standby else EcrAsk(ecr.enabled, ecr.keep_last_images, ecr.untagged_expiry_days,
                                                    ecr.force_delete)
    return EnvRef(
        customer=env.customer, env=env.estate_name, profile=env.profile,
        file=f"customers/{env.customer}/{env.name}.yaml",
        account_id=env.account_id, region=env.region, production=env.is_production,
        audit=m.audit.enabled and env.host_of("audit") is not None, baseline=ask,
        baseline_claim=_where(env, ("aws", "baseline_owner")) if m.aws.baseline_owner else None,
        ecr=ecr_ask,
        ecr_claim=_where(env, ("ecr", "owner")) if ecr.owner and not env.is_standby else None,
        ecr_at=_where(env, ("ecr", "enabled")),
        monitor_at=_where(env, ("budgets", "anomaly_detection", "monitor")) if monitor else None,
        default_images=images, standby=env.is_standby,
        replication_at=_where(env, ("standby", "enabled")) if replication else None)


# --- the owner rule -----------------------------------------------------------------------------


def _rank(ref: EnvRef, claim: Where | None) -> tuple:
    """The owner rule's order: a claim first, then production, then an environment's primary before a
    warm standby (a standby comes and goes with its setting), then (customer, env) alphabetically."""
    return (claim is None, not ref.production, ref.standby, ref.customer, ref.env)


@dataclass
class Baseline:
    """One (account, region)'s baseline: its owner, settings, and who asked for what."""

    account_id: str
    region: str
    owner: EnvKey
    settings: BaselineSettings
    asked: dict[str, list[EnvKey]]
    reason: str


@dataclass
class Registry:
    customer: str
    account_id: str
    region: str
    owner: EnvKey
    plan: EcrPlan
    users: list[EnvKey]
    reason: str


EstateCheck = Callable[["Estate"], list[Problem]]


@dataclass
class Estate:
    refs: list[EnvRef]
    baselines: dict[tuple[str, str], Baseline] = field(default_factory=dict)
    registries: dict[tuple[str, str, str], Registry] = field(default_factory=dict)
    #: account -> the region whose baseline holds the account-global singletons
    global_region: dict[str, str] = field(default_factory=dict)
    _by_key: dict[EnvKey, EnvRef] = field(default_factory=dict, repr=False)
    _placed: dict[tuple[str, str], list[EnvRef]] = field(default_factory=dict, repr=False)

    # -- building --

    @classmethod
    def build(cls, customers: Iterable["Customer"]) -> "Estate":
        return cls.from_refs([env_ref(env) for customer in customers for env in customer.contexts()])

    @classmethod
    def from_refs(cls, refs: Iterable[EnvRef]) -> "Estate":
        estate = cls(sorted(refs, key=lambda r: (r.customer, r.env)))
        estate._by_key = {r.key: r for r in estate.refs}
        placed: dict[tuple[str, str], list[EnvRef]] = defaultdict(list)
        for ref in estate.refs:
            placed[(ref.account_id, ref.region)].append(ref)
        estate._placed = dict(sorted(placed.items()))
        estate._own_baselines()
        estate._own_registries()
        return estate

    def placements(self) -> dict[tuple[str, str], list[EnvRef]]:
        """(account, region) -> the environments deployed there."""
        return self._placed

    def _own_baselines(self) -> None:
        by_account: dict[str, list[EnvRef]] = defaultdict(list)
        for ref in self.refs:
            by_account[ref.account_id].append(ref)
        for account, refs in sorted(by_account.items()):
            monitor_askers = [r for r in refs if r.baseline.services_monitor is not None]
            needing = [r for r in refs if r.baseline.regional or r.baseline_claim] or monitor_askers
            if not needing:
                continue
            first = min(needing, key=lambda r: _rank(r, r.baseline_claim))
            if monitor_askers:
                self.global_region[account] = first.region
            for region in sorted({r.region for r in refs}):
                here = [r for r in refs if r.region == region]
                monitor = monitor_askers if self.global_region.get(account) == region else []
                candidates = [r for r in here if r.baseline.regional or r.baseline_claim] or (monitor and here)
                if not candidates:
                    continue
                settings, asked = _union(here, monitor)
                if settings.config:  # Config delivers to the owner's audit bucket
                    with_audit = [r for r in candidates if r.audit]
                    candidates = with_audit or candidates
                owner = min(candidates, key=lambda r: _rank(r, r.baseline_claim))
                reason = _why(owner, owner.baseline_claim, "aws.baseline_owner", settings.config, len(candidates))
                self.baselines[(account, region)] = Baseline(account, region, owner.key, settings, asked, reason)

    def _own_registries(self) -> None:
        groups: dict[tuple[str, str, str], list[EnvRef]] = defaultdict(list)
        for ref in self.refs:
            groups[(ref.customer, ref.account_id, ref.region)].append(ref)
        for key, refs in sorted(groups.items()):
            enabled = [r for r in refs if r.ecr.enabled]
            if not enabled:
                continue
            owner = min(enabled, key=lambda r: _rank(r, r.ecr_claim))
            repos = sorted({name for r in refs for name, _ in r.default_images})
            plan = EcrPlan(tuple((name, f"{key[0]}/{name}") for name in repos),
                           keep_last_images=max(r.ecr.keep_last_images for r in enabled),
                           untagged_expiry_days=max(r.ecr.untagged_expiry_days for r in enabled),
                           force_delete=all(r.ecr.force_delete for r in enabled))
            users = [r.key for r in refs if r.default_images]
            self.registries[key] = Registry(*key, owner.key, plan, users,
                                            _why(owner, owner.ecr_claim, "ecr.owner", False, len(enabled)))

    # -- answers --

    def ref(self, customer: str, env: str) -> EnvRef | None:
        return self._by_key.get(EnvKey(customer, env))

    def view(self, customer: str, env: str) -> EstateView:
        ref = self.ref(customer, env)
        if ref is None:
            raise KeyError(f"{customer}/{env} is not part of the estate")
        baseline = self.baselines.get((ref.account_id, ref.region))
        registry = self.registries.get((customer, ref.account_id, ref.region))
        neighbours = tuple(r.key for r in self.placements()[(ref.account_id, ref.region)] if r.key != ref.key)
        return EstateView(
            customer, env, ref.account_id, ref.region,
            baseline_owner=baseline.owner if baseline else None,
            baseline=baseline.settings if baseline and baseline.owner == ref.key else None,
            ecr_owner=registry.owner if registry else None,
            ecr=registry.plan if registry and registry.owner == ref.key else None,
            neighbours=neighbours)

    def views(self, customer: str) -> dict[str, EstateView]:
        return {r.env: self.view(customer, r.env) for r in self.refs if r.customer == customer}

    def check(self) -> list[Problem]:
        """Everything the estate cannot resolve by design (exit 2, nothing written)."""
        problems: list[Problem] = []
        for check in ESTATE_CHECKS:
            problems.extend(check(self))
        return sorted(set(problems))

    def apply_order(self, account_id: str, region: str) -> list[str]:
        """What to apply first in one (account, region): the baseline, the shared registries, the rest."""
        steps = []
        baseline = self.baselines.get((account_id, region))
        if baseline:
            steps.append(f"{baseline.owner}/account_baseline")
        for (customer, account, reg), registry in sorted(self.registries.items()):
            if (account, reg) == (account_id, region) and registry.users:
                steps.append(f"{registry.owner}/ecr")
        steps.append("every other unit of " + ", ".join(str(r.key) for r in self.placements()[(account_id, region)]))
        return steps

    def explain(self, customer: str, env: str) -> list[str]:
        """Why an environment owns or uses its account's baseline and its customer's repositories."""
        ref = self.ref(customer, env)
        view = self.view(customer, env)
        where = f"account {ref.account_id} in {ref.region}"
        lines = [f"{ref.key} deploys to {where}" + (f", shared with {', '.join(map(str, view.neighbours))}"
                                                     if view.neighbours else " (no other environment there)")]
        baseline = self.baselines.get((ref.account_id, ref.region))
        asks = ", ".join(ref.baseline.parts()) or "nothing"
        if baseline is None:
            lines.append(f"account_baseline: none; no environment in {where} needs one")
        elif baseline.owner == ref.key:
            lines.append(f"account_baseline: OWNED here ({baseline.reason}); settings are the union of what every "
                         f"environment there asks for; this one asks for: {asks}")
        else:
            lines.append(f"account_baseline: USED, owned by {baseline.owner} ({baseline.reason}); this environment "
                         f"asks for: {asks}; its threat_detection unit forwards the findings to its own alert topic. "
                         f"To own it instead: aws.baseline_owner: true in {ref.file} (see the README, \"Shared AWS "
                         "accounts\")")
        for region, prefix in ref.baseline.ecr_replication:
            owner = f"owned by {baseline.owner}" if baseline and baseline.owner != ref.key else "owned here"
            lines.append(f"ecr replication: {prefix}* replicated to {region} for this environment's warm standby, by "
                         f"the account baseline of {where} ({owner}: one replication configuration per registry); "
                         "ECR copies only images pushed after it is applied: push the images the services deploy "
                         "once it is in place (tags are immutable: under a new tag)")
        registry = self.registries.get((customer, ref.account_id, ref.region))
        if registry is None:
            lines.append(f"ecr: no repositories of {customer} in {where}")
        elif registry.owner == ref.key:
            lines.append(f"ecr: OWNED here ({registry.reason}): {len(registry.plan.repositories)} repositories, "
                         f"pulled by {', '.join(map(str, registry.users))}")
        else:
            lines.append(f"ecr: USED, the repositories {customer}/<service> are created by {registry.owner} "
                         f"({registry.reason}); apply its ecr unit first")
        return lines

    def to_json(self) -> dict[str, Any]:
        accounts = []
        for (account, region), refs in self.placements().items():
            baseline = self.baselines.get((account, region))
            item: dict[str, Any] = {
                "account_id": account, "region": region,
                "environments": [{"customer": r.customer, "environment": r.env, "profile": r.profile,
                                  "file": r.file} for r in refs],
                "account_baseline": None,
                "ecr": [],
                "apply_order": self.apply_order(account, region),
            }
            if baseline:
                s = baseline.settings
                item["account_baseline"] = {
                    "owner": str(baseline.owner), "unit": f"{baseline.owner}/account_baseline",
                    "why": baseline.reason,
                    "settings": {"guardduty": s.guardduty, "guardduty_s3_protection": s.s3_protection,
                                 "guardduty_runtime_monitoring": s.runtime_monitoring,
                                 "finding_publishing_frequency": s.finding_publishing_frequency,
                                 "config": s.config, "config_recording_frequency": s.config_recording_frequency,
                                 "security_hub": s.security_hub, "ecr_enhanced_scanning": s.ecr_enhanced_scanning,
                                 "ecr_replication": [{"destinations": list(r.destinations),
                                                      "repository_prefixes": list(r.prefixes)}
                                                     for r in s.ecr_replication],
                                 "cost_anomaly_services_monitor": (
                                     {"threshold_usd": s.services_monitor.threshold_usd,
                                      "emails": list(s.services_monitor.emails)} if s.services_monitor else None)},
                    "asked_by": {part: [str(k) for k in keys] for part, keys in baseline.asked.items()},
                }
            for (customer, acc, reg), registry in sorted(self.registries.items()):
                if (acc, reg) == (account, region):
                    item["ecr"].append({"customer": customer, "owner": str(registry.owner),
                                        "unit": f"{registry.owner}/ecr", "why": registry.reason,
                                        "repositories": [name for _, name in registry.plan.repositories],
                                        "used_by": [str(k) for k in registry.users]})
            accounts.append(item)
        return {"accounts": accounts}


def _why(owner: EnvRef, claim: Where | None, key: str, config: bool, candidates: int) -> str:
    if claim is not None:
        return f"{key}: true in {claim.file}:{claim.line}"
    if candidates == 1:
        return "the only environment here that can own it"
    parts = ["production first" if owner.production else "no production environment here",
             "then (customer, environment) alphabetically"]
    if owner.standby:  # primaries come before standbys
        parts.insert(1, "no primary environment here, only warm standbys")
    if config:
        parts.insert(0, "AWS Config needs an owner with audit on")
    return "; ".join(parts)


def _union(refs: list[EnvRef], monitor_askers: list[EnvRef]) -> tuple[BaselineSettings, dict[str, list[EnvKey]]]:
    asks = [r.baseline for r in refs]
    asked: dict[str, list[EnvKey]] = {}
    for r in refs:
        for part in r.baseline.parts():
            if part != "cost_anomaly_services_monitor":
                asked.setdefault(part, []).append(r.key)
    monitor = None
    if monitor_askers:
        asked["cost_anomaly_services_monitor"] = [r.key for r in monitor_askers]
        emails = sorted({e.lower() for r in monitor_askers for e in r.baseline.services_monitor[1]})
        monitor = ServicesMonitor(min(r.baseline.services_monitor[0] for r in monitor_askers), tuple(emails))
    frequencies = [a.frequency for a in asks if a.frequency]
    settings = BaselineSettings(
        guardduty=any(a.guardduty for a in asks),
        s3_protection=any(a.s3_protection for a in asks),
        runtime_monitoring=any(a.runtime_monitoring for a in asks),
        finding_publishing_frequency=min(frequencies, key=FREQUENCIES.index) if frequencies else "SIX_HOURS",
        config=any(a.config for a in asks),
        config_recording_frequency="CONTINUOUS" if any(a.config_frequency == "CONTINUOUS" for a in asks) else "DAILY",
        security_hub=any(a.security_hub for a in asks),
        ecr_enhanced_scanning=any(a.enhanced_scanning for a in asks),
        services_monitor=monitor,
        ecr_replication=replication_rules(pair for a in asks for pair in a.ecr_replication))
    return settings, asked


def replication_rules(pairs: Iterable[tuple[str, str]]) -> tuple[ReplicationRule, ...]:
    """(destination region, prefix) pairs as the fewest rules: each prefix in the ONE rule of the set of
    regions it replicates to (a repository matching two rules would be replicated twice)."""
    regions: dict[str, set[str]] = defaultdict(set)
    for region, prefix in pairs:
        regions[prefix].add(region)
    rules: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for prefix, destinations in sorted(regions.items()):
        rules[tuple(sorted(destinations))].append(prefix)
    return tuple(sorted(ReplicationRule(d, tuple(p)) for d, p in rules.items()))


# --- the checks ---------------------------------------------------------------------------------


def _double_claims(estate: Estate) -> list[Problem]:
    problems = []
    groups: dict[tuple, list[EnvRef]] = defaultdict(list)
    for ref in estate.refs:
        if ref.baseline_claim:
            groups[("aws.baseline_owner", ref.account_id, ref.region)].append(ref)
        if ref.ecr_claim:
            groups[("ecr.owner", ref.customer, ref.account_id, ref.region)].append(ref)
    for key, refs in sorted(groups.items()):
        if len(refs) < 2:
            continue
        what = ("the account baseline of" if key[0] == "aws.baseline_owner"
                else f"customer {key[1]}'s ECR repositories in")
        claims = [r.baseline_claim if key[0] == "aws.baseline_owner" else r.ecr_claim for r in refs]
        places = ", ".join(f"{c.file}:{c.line}" for c in claims)
        for claim in claims:
            problems.append(claim.problem(
                f"{len(refs)} environments claim {what} account {refs[0].account_id} in {refs[0].region} "
                f"({places}); exactly one may own it: keep {key[0]}: true in one of them"))
    return problems


def _claim_conflicts(estate: Estate) -> list[Problem]:
    problems = []
    for ref in estate.refs:
        baseline = estate.baselines.get((ref.account_id, ref.region))
        if ref.baseline_claim and baseline and baseline.settings.config and not ref.audit:
            problems.append(ref.baseline_claim.problem(
                "this environment claims the account baseline, which runs AWS Config here, but its audit is "
                "disabled: Config delivers to the owner's audit bucket; enable audit in this environment or "
                "move aws.baseline_owner to an environment with audit"))
        if ref.ecr_claim and not ref.ecr.enabled:
            problems.append(ref.ecr_claim.problem("ecr.owner: true needs ecr.enabled: true in this environment"))
    return problems


def _images_without_registry(estate: Estate) -> list[Problem]:
    """Issue 14 part 3: a service pulling the customer's registry where nobody creates it."""
    problems = []
    for ref in estate.refs:
        if (ref.customer, ref.account_id, ref.region) in estate.registries:
            continue
        for service, where in ref.default_images:
            problems.append(where.problem(
                f"service {service!r} has no image, so it pulls {ref.account_id}.dkr.ecr.{ref.region}.amazonaws.com/"
                f"{ref.customer}/{service}, but no environment of {ref.customer} creates ECR repositories in account "
                f"{ref.account_id} ({ref.region}); set ecr.enabled: true in {ref.file}, or set "
                f"services.{service}.image"))
    return problems


def _services_monitor(estate: Estate) -> list[Problem]:
    problems = []
    for baseline in estate.baselines.values():
        monitor = baseline.settings.services_monitor
        if monitor and len(monitor.emails) > MAX_ANOMALY_EMAILS:
            askers = baseline.asked["cost_anomaly_services_monitor"]
            refs = [estate.ref(k.customer, k.env) for k in askers]
            for ref in refs:
                problems.append(ref.monitor_at.problem(
                    f"the account-wide services monitor of account {baseline.account_id} alerts the budgets emails "
                    f"of {', '.join(map(str, askers))}: {len(monitor.emails)} addresses, AWS allows {MAX_ANOMALY_EMAILS}; use fewer budgets.emails or "
                    "monitor: tag in some of them"))
    return problems


def _replication_limits(estate: Estate) -> list[Problem]:
    """One ECR replication configuration per registry: at most 10 rules, 25 destinations and 100
    repository filters per rule; reported at every standby that asks for a replication there."""
    problems = []
    for baseline in estate.baselines.values():
        rules = baseline.settings.ecr_replication
        too_many = []
        if len(rules) > MAX_REPLICATION_RULES:
            too_many.append(f"{len(rules)} rules (one per set of destination regions), AWS allows "
                            f"{MAX_REPLICATION_RULES}")
        for rule in rules:
            if len(rule.destinations) > MAX_REPLICATION_DESTINATIONS:
                too_many.append(f"{len(rule.destinations)} destinations in one rule, AWS allows "
                                f"{MAX_REPLICATION_DESTINATIONS}")
            if len(rule.prefixes) > MAX_REPLICATION_FILTERS:
                too_many.append(f"{len(rule.prefixes)} repository prefixes replicated to "
                                f"{', '.join(rule.destinations)}, AWS allows {MAX_REPLICATION_FILTERS} per rule")
        if not too_many:
            continue
        for key in baseline.asked.get("ecr_replication", []):
            ref = estate.ref(key.customer, key.env)
            problems.append(ref.replication_at.problem(
                f"the standby of {key} needs ECR replication from account {baseline.account_id} ({baseline.region}), "
                f"whose one replication configuration would hold {'; '.join(too_many)}; place some standbys in "
                "regions other standbys already use, or set services.<name>.image for their services"))
    return problems


def _empty_registries(estate: Estate) -> list[Problem]:
    problems = []
    for registry in estate.registries.values():
        if registry.plan.repositories:
            continue
        owner = estate.ref(registry.owner.customer, registry.owner.env)
        problems.append(owner.ecr_at.problem(
            f"every enabled service of {registry.customer} in account {registry.account_id} ({registry.region}) sets its own image, so there is no repository to create; set ecr.enabled: false"))
    return problems


#: the estate-level checks, in order; add more here (each: Estate -> problems)
ESTATE_CHECKS: list[EstateCheck] = [_double_claims, _claim_conflicts, _images_without_registry,
                                    _services_monitor, _empty_registries, _replication_limits]


def single_view(env: "EnvContext") -> EstateView:
    """The default view of an environment planned on its own (tests, previews): an estate of one."""
    return Estate.from_refs([env_ref(env)]).view(env.customer, env.estate_name)
