"""What a component is: one Terraform module, one Terragrunt unit per environment, one manifest section.

A component turns the resolved environment into the inputs of its module. It references other
units' outputs with ``Output(unit, name)``; the pipeline derives the ``dependency`` blocks, their
``mock_outputs`` and the dependency graph from those references, so no component ever writes HCL
and the pipeline never needs to know any component by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel

from ..errors import Problem
from ..hcl import Output, dependency_label, encode
from ..yamlload import KeyPath, format_path

if TYPE_CHECKING:
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

    @property
    def prefix(self) -> str:
        """Resource name prefix: ``<customer>-<env>``."""
        return f"{self.customer}-{self.name}"

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
        component = self.components.get(unit)
        return component is not None and component.enabled(self)

    @property
    def kms_service_principals(self) -> set[str]:
        return {p for name, c in self.components.items() if self.enabled(name) for p in c.kms_service_principals}

    def problem(self, path: KeyPath, message: str) -> Problem:
        """A problem located at the file and line that set ``path`` (or its nearest ancestor)."""
        setting = self.merged.winner(path)
        file, line = (setting.file, setting.line) if setting else ("", 0)
        return Problem(file, line, format_path(path), message)

    def out(self, unit: str, name: str) -> Output:
        return Output(unit, name)
