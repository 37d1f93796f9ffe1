"""The units of one environment: which components are on, their inputs, and the dependencies
derived from the ``Output`` references in those inputs."""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .components import BY_NAME, CATALOGUE, EnvContext
from .components.preview import (PREVIEW_MODULE, branch_slug, preview_folder, preview_inputs, preview_unit_name,
                                 previews)
from .errors import InputError, Problem
from .hcl import Output, dependency_label

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
    description: str = ""
    provider_aliases: tuple[str, ...] = ()  # aws provider aliases its module needs besides the default
    #: "standby": the unit runs in the environment's standby region (root.hcl: units under standby/)
    region_role: str = "primary"

    @property
    def source(self) -> str:
        # infra/environments/<env>/<unit>/terragrunt.hcl: from the unit folder back up to infra/
        up = "/".join([".."] * (self.folder.count("/")))
        return f"{up}/modules//{self.module}"

    @property
    def folder(self) -> str:
        return posixpath.dirname(self.path)


def _once_per_environment(build: Callable[[EnvContext], list[Unit]]) -> Callable[[EnvContext], list[Unit]]:
    """Units are a pure function of the environment, and a render asks for them several times
    (files, README tables and diagrams, runbook): build them once per EnvContext."""

    @functools.wraps(build)
    def units_of(env: EnvContext) -> list[Unit]:
        memo = env.__dict__.get("_units_memo")
        if memo is None:
            memo = env.__dict__["_units_memo"] = build(env)
        return list(memo)

    return units_of


@_once_per_environment
def environment_units(env: EnvContext) -> list[Unit]:
    """The units of one environment, with dependencies derived from the Output references in inputs:
    the catalogue's components, one unit per feature-branch preview (``previews/<slug>``), then the
    warm standby's units in its region (``standby/<component>``)."""
    units: list[Unit] = []
    problems: list[Problem] = []
    units += _context_units(env, problems)
    for branch, settings in previews(env).items():
        slug = branch_slug(branch)
        name = preview_unit_name(slug)
        inputs = preview_inputs(env, branch, settings)
        folder = preview_folder(env.name, slug)
        dependencies = _dependencies(env, name, folder, inputs, problems)
        units.append(Unit(env.name, name, PREVIEW_MODULE, inputs, dependencies, f"{folder}/terragrunt.hcl",
                          f"Feature-branch preview {slug} ({env.name})"))
    if env.standby_env is not None:
        units += _context_units(env.standby_env, problems)
    if problems:
        raise InputError(problems)
    return units


def units_by_region(env: EnvContext) -> tuple[list[Unit], list[Unit]]:
    """(the primary region's units, the warm standby's units) of one environment."""
    units = environment_units(env)
    return [u for u in units if u.region_role != "standby"], [u for u in units if u.region_role == "standby"]


def _context_units(env: EnvContext, problems: list[Problem]) -> list[Unit]:
    """The catalogue's units one context (the primary region, or the standby's) renders."""
    units = []
    for component in CATALOGUE:
        if not env.renders(component.name):
            continue
        inputs = component.inputs(env)
        name = env.unit_name(component.name)
        folder = f"infra/environments/{env.name}/{name}"
        dependencies = _dependencies(env, name, folder, inputs, problems)
        description = component.description + (f" (warm standby in {env.region})" if env.is_standby else "")
        units.append(Unit(env.name, name, component.module, inputs, dependencies, f"{folder}/terragrunt.hcl",
                          description, tuple(component.provider_aliases), region_role=env.role))
    return units


def _producer(env: EnvContext, unit: str) -> tuple[EnvContext, str] | None:
    """The context and component behind a referenced unit name (``alb``, ``standby/alb``), if rendered."""
    primary = env.primary_env
    context, component = (primary.standby_env, unit.removeprefix("standby/")) if unit.startswith("standby/") \
        else (primary, unit)
    if context is None or not context.renders(component):
        return None
    return context, component


def _dependencies(env: EnvContext, unit: str, folder: str, inputs: dict[str, Any],
                  problems: list[Problem]) -> list[Dependency]:
    """The dependency blocks of one unit: one per unit whose outputs its inputs reference."""
    deps: dict[str, list[str]] = {}
    for ref in sorted(set(_outputs_in(inputs))):
        deps.setdefault(ref.unit, []).append(ref.name)
    dependencies = []
    for dep_unit, outputs in sorted(deps.items()):
        found = _producer(env, dep_unit)
        if found is None:
            base = dep_unit.removeprefix("standby/")
            toggle = (base, "enabled")
            where = " in the standby region" if dep_unit != base else ""
            problems.append(env.problem(toggle, f"{unit} needs {dep_unit}{where} (it uses its "
                                        f"{', '.join(outputs)}); enable {base} or disable {unit.split('/')[-1]}"))
            continue
        context, component = found
        available = BY_NAME[component].mocks(context)
        mocks = {name: available[name] for name in outputs if name in available}
        config_path = posixpath.relpath(f"infra/environments/{env.name}/{dep_unit}", folder)
        dependencies.append(Dependency(dep_unit, dependency_label(dep_unit), config_path, outputs, mocks))
    return dependencies


def _outputs_in(value: Any):
    if isinstance(value, Output):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _outputs_in(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _outputs_in(item)
