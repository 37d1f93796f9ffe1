"""The units of one environment: which components are on, their inputs, and the dependencies
derived from the ``Output`` references in those inputs."""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .components import CATALOGUE, EnvContext
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
    the catalogue's components, then one unit per feature-branch preview (``previews/<slug>``)."""
    units: list[Unit] = []
    problems: list[Problem] = []
    root = f"infra/environments/{env.name}"
    for component in CATALOGUE:
        if not component.enabled(env):
            continue
        inputs = component.inputs(env)
        folder = f"{root}/{component.name}"
        dependencies = _dependencies(env, component.name, folder, inputs, problems)
        units.append(Unit(env.name, component.name, component.module, inputs, dependencies,
                          f"{folder}/terragrunt.hcl", component.description, tuple(component.provider_aliases)))
    for branch, settings in previews(env).items():
        slug = branch_slug(branch)
        name = preview_unit_name(slug)
        inputs = preview_inputs(env, branch, settings)
        folder = preview_folder(env.name, slug)
        dependencies = _dependencies(env, name, folder, inputs, problems)
        units.append(Unit(env.name, name, PREVIEW_MODULE, inputs, dependencies, f"{folder}/terragrunt.hcl",
                          f"Feature-branch preview {slug} ({env.name})"))
    if problems:
        raise InputError(problems)
    return units


def _dependencies(env: EnvContext, unit: str, folder: str, inputs: dict[str, Any],
                  problems: list[Problem]) -> list[Dependency]:
    """The dependency blocks of one unit: one per unit whose outputs its inputs reference."""
    by_name = {c.name: c for c in CATALOGUE}
    deps: dict[str, list[str]] = {}
    for ref in sorted(set(_outputs_in(inputs))):
        deps.setdefault(ref.unit, []).append(ref.name)
    dependencies = []
    for dep_unit, outputs in sorted(deps.items()):
        producer = by_name.get(dep_unit)
        if producer is None or not producer.enabled(env):
            toggle = (dep_unit, "enabled")
            problems.append(env.problem(toggle, f"{unit} needs {dep_unit} (it uses its "
                                        f"{', '.join(outputs)}); enable {dep_unit} or disable {unit}"))
            continue
        available = producer.mocks(env)
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
