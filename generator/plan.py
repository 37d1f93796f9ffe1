"""Resolved customer -> the complete set of files its tree should hold (path -> content).

Nothing here touches the disk except reading templates: ``--check``, ``--diff`` and the writer all
compare or write this same plan.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any

from .components import CATALOGUE, EnvContext
from .errors import InputError, Problem
from .hcl import Output, dependency_label
from .project import Project
from .render import Renderer, module_files
from .resolve import Customer

#: Terraform commands for which a dependency's mock outputs stand in for real ones
MOCK_COMMANDS = ["init", "validate", "plan"]


@dataclass
class Dependency:
    unit: str
    label: str
    config_path: str
    outputs: list[str]
    mock_outputs: dict[str, Any]


@dataclass
class Unit:
    """One Terragrunt unit of one environment."""

    environment: str
    name: str
    module: str
    inputs: dict[str, Any]
    dependencies: list[Dependency]
    path: str  # relative to output/<customer>/

    @property
    def source(self) -> str:
        # infra/environments/<env>/<unit>/terragrunt.hcl: from the unit folder back up to infra/
        up = "/".join([".."] * (self.folder.count("/")))
        return f"{up}/modules//{self.module}"

    @property
    def folder(self) -> str:
        return posixpath.dirname(self.path)


@dataclass
class GeneratedFile:
    path: str  # relative to output/<customer>/
    content: str
    kind: str  # unit | module | config | doc


@dataclass
class CustomerPlan:
    customer: Customer
    units: list[Unit] = field(default_factory=list)
    files: dict[str, GeneratedFile] = field(default_factory=dict)

    def add(self, path: str, content: str, kind: str) -> None:
        self.files[path] = GeneratedFile(path, content, kind)


def environment_units(env: EnvContext) -> list[Unit]:
    """The units of one environment, with dependencies derived from the Output references in inputs."""
    units: list[Unit] = []
    problems: list[Problem] = []
    by_name = {c.name: c for c in CATALOGUE}
    for component in CATALOGUE:
        if not component.enabled(env):
            continue
        inputs = component.inputs(env)
        refs = sorted(set(_outputs_in(inputs)))
        deps: dict[str, list[str]] = {}
        for ref in refs:
            deps.setdefault(ref.unit, []).append(ref.name)
        dependencies = []
        for dep_unit, outputs in sorted(deps.items()):
            producer = by_name.get(dep_unit)
            if producer is None or not producer.enabled(env):
                toggle = (dep_unit, "enabled")
                problems.append(env.problem(toggle, f"{component.name} needs {dep_unit} (it uses its "
                                            f"{', '.join(outputs)}); enable {dep_unit} or disable {component.name}"))
                continue
            mocks = {name: producer.mock_outputs[name] for name in outputs if name in producer.mock_outputs}
            dependencies.append(Dependency(dep_unit, dependency_label(dep_unit), f"../{dep_unit}", outputs, mocks))
        path = f"infra/environments/{env.name}/{component.name}/terragrunt.hcl"
        units.append(Unit(env.name, component.name, component.module, inputs, dependencies, path))
    if problems:
        raise InputError(problems)
    return units


def _outputs_in(value: Any):
    if isinstance(value, Output):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _outputs_in(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _outputs_in(item)


def plan_customer(project: Project, customer: Customer, renderer: Renderer | None = None) -> CustomerPlan:
    renderer = renderer or Renderer.for_project(project)
    plan = CustomerPlan(customer)
    modules: set[str] = set()
    for env in customer.environments:
        env_sources = [s for s in customer.sources if _belongs(s, env)]
        config = environment_config(env)
        plan.add(f"infra/config/{env.name}.hcl",
                 renderer.render_hcl("config/environment.hcl.j2", env_sources, config=config), "config")
        for unit in environment_units(env):
            plan.units.append(unit)
            modules.add(unit.module)
            content = renderer.render_hcl("units/terragrunt.hcl.j2", env_sources, unit=unit,
                                          mock_commands=MOCK_COMMANDS)
            plan.add(unit.path, content, "unit")
    for module in sorted(modules):
        for name, content in module_files(project, module):
            plan.add(f"infra/modules/{module}/{name}", content, "module")
    return plan


def _belongs(source: str, env: EnvContext) -> bool:
    """Which manifest files an environment's files come from: its profile, customer.yaml, <env>.yaml."""
    return (source.endswith("/customer.yaml") or source.endswith(f"/{env.name}.yaml")
            or f"/profiles/{env.profile}/" in source)


def environment_config(env: EnvContext) -> dict[str, Any]:
    m = env.manifest
    tags = {
        "customer": env.customer,
        "environment": env.name,
        "managed-by": "fgen",
        "cost-center": m.customer.cost_center,
        "owner": m.customer.owner_email,
    }
    tags.update(sorted(m.tags.items()))
    return {
        "customer": env.customer,
        "environment": env.name,
        "profile": env.profile,
        "account_id": env.account_id,
        "region": env.region,
        "dr_region": m.aws.dr_region,
        "state_bucket": m.state.bucket or f"fg-tfstate-{env.account_id}-{env.region}",
        "state_region": env.region,
        "tags": tags,
    }
