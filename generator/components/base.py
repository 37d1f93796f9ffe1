"""What a component is: one Terraform module, one Terragrunt unit per environment, one manifest section.

A component turns the resolved environment into the inputs of its module. It references other
units' outputs with ``Output(unit, name)``; the pipeline derives the ``dependency`` blocks, their
``mock_outputs`` and the dependency graph from those references, so no component ever writes HCL
and the pipeline never needs to know any component by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel

from ..errors import Problem
from ..hcl import Output, dependency_label, encode
from ..yamlload import KeyPath, format_path

if TYPE_CHECKING:
    from ..estate import EstateView
    from ..merge import Merged


def run_ref(ref: Output) -> str:
    """Another unit's output in an assertion (generator/tfassert.py reads it as that unit's module
    call's output, ``module.<unit>.<output>``, in the environment test)."""
    return f"run.{dependency_label(ref.unit)}.{ref.name}"


@dataclass(frozen=True)
class Assertion:
    """One ``assert`` block of the environment test of `validate --terraform` (generator/tfassert.py).

    ``condition`` is an HCL expression over the module's resources (``aws_db_instance.this.multi_az``),
    its variables and other units' outputs (``run.<unit>.<output>``), in the module's own scope. Whatever a setting decides is expected from the resolved
    settings through ``encode`` (use ``expect``/``expect_set``/``hcl_value``), never as a constant, so
    a manifest change moves the expectation; only fixed platform guarantees (IMDSv2, TLS-only, no
    public IPs) are literal.
    """

    condition: str
    error_message: str


def hcl_value(value: Any) -> str:
    """An expected value as HCL: a literal, or ``run.<unit>.<output>`` for another unit's output."""
    return encode(value, run_ref)


def expect(expression: str, value: Any, message: str) -> Assertion:
    """``expression == value``."""
    return Assertion(f"{expression} == {hcl_value(value)}", message)


def expect_set(expression: str, values: Any, message: str) -> Assertion:
    """``expression`` (strings) holds exactly ``values``, in any order; ``sort`` makes both sides a
    list(string), since ``==`` is false between a list, a set and a tuple of the same strings."""
    return Assertion(f"sort({expression}) == sort({hcl_value(sorted(values))})", message)


def log_groups(unit: str, groups: str, retention_days: int, kms_key: Any) -> Assertion:
    """Every log group in ``groups`` (an HCL list expression) keeps ``retention_days`` and is
    encrypted with ``kms_key`` (``None``: with some key)."""
    key = "g.kms_key_id != null" if kms_key is None else f"g.kms_key_id == {hcl_value(kms_key)}"
    return Assertion(f"alltrue([for g in {groups} : g.retention_in_days == {retention_days} && {key}])",
                     f"{unit}: every log group must keep its events {retention_days} days and be encrypted "
                     "with " + ("a KMS key" if kms_key is None else "the customer KMS key"))


#: how a component's unit relates to an environment's warm standby (generator/standby.py):
#: "regional": the standby region gets a unit of its own (``standby/<name>``);
#: "promoted": it does only once the standby is promoted (backups, the bastion, scheduled scaling);
#: "shared": the primary tree's one unit serves both regions (global resources: CloudFront, Route 53,
#: IAM, budgets; or resources that replicate themselves: assets, ECR, the trail);
#: "primary": the primary region only (DR copies into the region the standby lives in)
StandbyMode = Literal["regional", "promoted", "shared", "primary"]

#: where AWS requires a name to be unique: worldwide, per region (across all accounts), per account
#: (IAM, budgets, CloudFront), or per account and region (almost everything else)
Scope = Literal["global", "region", "account", "account-region"]


@dataclass(frozen=True)
class NamedResource:
    """A name an environment's units create that AWS requires unique within ``scope``.

    ``kind`` groups names that share one namespace ("S3 bucket", "IAM role", ...); two environments
    colliding on (scope, kind, name) cannot both be applied. ``key_path`` is the manifest key whose
    value decides the name (or overrides its default), so a collision names the line to change;
    ``hint`` is an example of a value that would not collide (may be empty). ``region`` is where the
    resource lives when that is not the environment's region (us-east-1 for CloudFront's parts, the
    DR region for replicas).
    """

    scope: Scope
    kind: str
    name: str
    key_path: KeyPath
    hint: str = ""
    region: str | None = None


class Component:
    """Base class; subclasses set the class attributes and implement ``inputs``."""

    name: ClassVar[str]  # unit name, also the manifest section key
    module: ClassVar[str]  # folder under templates/modules/
    description: ClassVar[str]
    Settings: ClassVar[type[BaseModel] | None] = None
    #: example values of this module's outputs, used as mock_outputs by the units that depend on it
    mock_outputs: ClassVar[dict[str, Any]] = {}
    #: data sources / resources the mock provider of `terraform test` must answer realistically:
    #: {"aws_<type>": {attribute: value}}
    mock_data: ClassVar[dict[str, dict[str, Any]]] = {}
    mock_resources: ClassVar[dict[str, dict[str, Any]]] = {}
    #: extra providers the module needs besides the default aws one (e.g. "us_east_1", "dr")
    provider_aliases: ClassVar[tuple[str, ...]] = ()
    #: AWS service principals that must be allowed to use the customer KMS key for this component
    kms_service_principals: ClassVar[tuple[str, ...]] = ()

    #: see ``StandbyMode``
    standby: ClassVar[StandbyMode] = "primary"
    #: a regional unit the units that stay on promotion are anchored to (a key, a bucket, a topic, the
    #: account's baseline): promotion keeps the primary region's unit instead of removing it
    stays_on_promotion: ClassVar[bool] = False

    def uses_primary_key(self, env: "EnvContext") -> bool:
        """Whether this component's unit in the standby context ``env`` encrypts with the primary
        region's customer key (it writes into a primary-region bucket)."""
        return False

    def leaves_on_promotion(self) -> bool:
        """Whether promoting the standby removes this unit from the primary region's tree."""
        return self.standby != "shared" and not self.stays_on_promotion

    #: architecture diagram: this unit's label and the units (or "users") that send it traffic or data
    diagram_label: ClassVar[str] = ""
    diagram_from: ClassVar[tuple[str, ...]] = ()

    def summary(self, env: "EnvContext") -> dict[str, Any]:
        """Facts for the customer's generated README table, label -> value (empty: nothing to show)."""
        return {}

    def mocks(self, env: "EnvContext") -> dict[str, Any]:
        """Mock outputs for this environment (override when an output is keyed by manifest names)."""
        return dict(self.mock_outputs)

    def settings(self, env: "EnvContext") -> Any:
        return getattr(env.manifest, self.name) if self.Settings is not None else None

    def enabled(self, env: "EnvContext") -> bool:
        settings = self.settings(env)
        return bool(getattr(settings, "enabled", True))

    def inputs(self, env: "EnvContext") -> dict[str, Any]:
        raise NotImplementedError

    def names(self, env: "EnvContext") -> list[NamedResource]:
        """The names AWS requires unique that this component's unit creates in ``env`` (none when the
        unit is not rendered there). Names fully determined by the resource prefix need not be listed
        one by one: the estate check compares prefixes once (generator/estate_names.py)."""
        return []

    def check(self, env: "EnvContext") -> list[Problem]:
        """Cross-field rules that need the whole environment; each problem located via provenance."""
        return []

    def assertions(self, env: "EnvContext") -> list[Assertion]:
        """What `fgen validate --terraform` asserts on this module's applied resources (mock provider)
        for this environment: the security and availability properties the settings promise."""
        return []


@dataclass
class EnvContext:
    """Everything a component may read about one customer environment."""

    customer: str
    name: str
    profile: str
    manifest: Any  # the validated Manifest model
    merged: "Merged"
    components: dict[str, Component] = field(default_factory=dict)
    #: profile of every environment of the customer, by name (rules that compare environments)
    environment_profiles: dict[str, str] = field(default_factory=dict)
    #: this environment's view of the estate (set by the estate stage; see ``estate``)
    estate_view: "EstateView | None" = None
    #: "standby": this context is the warm standby of environment ``name`` in another region
    #: (generator/standby.py derives it, with its own manifest); its units live under ``standby/``
    role: Literal["primary", "standby"] = "primary"
    #: the primary's standby, or the standby's primary
    counterpart: "EnvContext | None" = field(default=None, repr=False, compare=False)

    # -- the warm standby --

    @property
    def is_standby(self) -> bool:
        return self.role == "standby"

    @property
    def standby_env(self) -> "EnvContext | None":
        """This environment's warm standby (primary contexts only)."""
        return self.counterpart if self.role == "primary" else None

    @property
    def primary_env(self) -> "EnvContext":
        return self.counterpart if self.role == "standby" and self.counterpart is not None else self

    def contexts(self) -> list["EnvContext"]:
        """This environment's contexts: itself, then its standby if it has one."""
        return [self] + ([self.counterpart] if self.standby_env is not None else [])

    @property
    def promoted(self) -> bool:
        """The standby has taken over: it is rendered as the primary, the primary region's stack leaves."""
        standby = getattr(self.manifest, "standby", None)
        return bool(standby is not None and standby.enabled and standby.promoted)

    @property
    def standing_by(self) -> bool:
        """A standby context that has not taken over: a replica, standby capacity, the ALB's WAF only."""
        return self.is_standby and not self.promoted

    @property
    def estate_name(self) -> str:
        """The name this context has in the estate and in messages: ``prod`` or ``prod/standby``."""
        return f"{self.name}/standby" if self.is_standby else self.name

    def unit_name(self, component: str) -> str:
        """A component's unit in this context: ``<component>``, or ``standby/<component>`` (its folder below
        the environment's, and the ``unit`` root.hcl reads from the path)."""
        return f"standby/{component}" if self.is_standby else component

    def renders(self, unit: str) -> bool:
        """Whether this context's tree holds ``unit`` (the component is on, and lives here)."""
        component = self.components.get(unit)
        if component is None or not component.enabled(self):
            return False
        if self.is_standby:
            return component.standby == "regional" or (component.standby == "promoted" and self.promoted)
        return not (self.promoted and component.leaves_on_promotion())

    def host_of(self, unit: str) -> "EnvContext | None":
        """The context whose unit this context uses for ``unit``: itself; the primary for a shared unit
        (seen from the standby); the standby for a unit that moved there on promotion; None: none."""
        if self.renders(unit):
            return self
        other = self.counterpart
        component = self.components.get(unit)
        if other is None or component is None:
            return None
        if self.is_standby and component.standby == "shared" and other.renders(unit):
            return other
        if not self.is_standby and self.promoted and component.leaves_on_promotion() and other.renders(unit):
            return other
        return None

    def primary_out(self, unit: str, name: str) -> Output:
        """An output of the primary region's unit, seen from the standby (the replica's source)."""
        return Output(self.primary_env.unit_name(unit), name)

    @property
    def estate(self) -> "EstateView":
        """Who owns the account-wide resources of this environment's account and region. Planned on
        its own (tests, previews), an environment sees an estate of one: it owns everything it needs."""
        if self.estate_view is None:
            from ..estate import single_view

            self.estate_view = single_view(self)
        return self.estate_view

    @property
    def prefix(self) -> str:
        """Resource name prefix: ``<customer>-<env>``, and ``<customer>-<env>-sb`` for the standby
        (its IAM roles and buckets share global namespaces with the primary's)."""
        return f"{self.customer}-{self.name}-sb" if self.is_standby else f"{self.customer}-{self.name}"

    @property
    def region(self) -> str:
        return self.manifest.aws.region

    @property
    def account_id(self) -> str:
        return self.manifest.aws.accounts[self.name]

    @property
    def is_production(self) -> bool:
        return self.profile == "prod"

    def enabled(self, unit: str) -> bool:
        """Whether this environment has ``unit`` where this context can use it (see ``host_of``)."""
        return self.host_of(unit) is not None

    @property
    def kms_service_principals(self) -> set[str]:
        """The services the customer key of this context's region must admit: those of the units it
        renders, and (primary) those of the standby's units that encrypt with the primary's key."""
        principals = {p for name, c in self.components.items()
                      if self.renders(name) and not c.uses_primary_key(self) for p in c.kms_service_principals}
        standby = self.standby_env
        if standby is not None:
            principals |= {p for name, c in self.components.items()
                           if standby.renders(name) and c.uses_primary_key(standby) for p in c.kms_service_principals}
        return principals

    def problem(self, path: KeyPath, message: str) -> Problem:
        """A problem located at the file and line that set ``path`` (or its nearest ancestor)."""
        setting = self.merged.winner(path)
        file, line = (setting.file, setting.line) if setting else ("", 0)
        return Problem(file, line, format_path(path), message)

    def out(self, unit: str, name: str) -> Output:
        """Output ``name`` of the unit this context uses for ``unit`` (``standby/<unit>`` in the standby)."""
        host = self.host_of(unit) or self
        return Output(host.unit_name(unit), name)
