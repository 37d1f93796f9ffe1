"""The assertion test of one environment: ``tests/assertions.tftest.hcl`` in the `validate --terraform` harness.

``tests/environment.tftest.hcl`` proves the whole environment plans and applies. This second file
proves it is what the manifest says: one ``run`` block per unit, dependencies first, each applying
the unit's own module (``module { source = "./modules/<module>" }``) with the unit's real inputs
for that environment, another unit's outputs read from its earlier run (``run.vpc.vpc_id`` where
the Terragrunt unit says ``dependency.vpc.outputs.vpc_id``), and the ``assert`` blocks its
component declares (``Component.assertions``) over the module's resources.

Every run uses ``command = apply`` under the mock provider: later runs need earlier runs' outputs,
which are unknown after a plan, and the asserted attributes are configuration values, which the mock
provider keeps as written (computed-only ones would be random strings, so no assertion reads one).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .components import BY_NAME, EnvContext
from .components.base import Assertion, run_ref
from .graph import topological
from .hcl import canonicalize, dependency_label, encode, encode_key
from .units import Unit, environment_units

FILE = "tests/assertions.tftest.hcl"


@dataclass
class UnitRun:
    """One run block: the unit it applies and what it asserts."""

    unit: Unit
    assertions: list[Assertion]

    @property
    def label(self) -> str:
        return dependency_label(self.unit.name)


def unit_runs(env: EnvContext) -> list[UnitRun]:
    """The environment's units, dependencies first (ties in catalogue order), with their assertions."""
    units = {u.name: u for u in environment_units(env)}
    order = topological({name: [d.unit for d in u.dependencies] for name, u in units.items()})
    return [UnitRun(units[name], _assertions(env, name)) for name in order]


def _assertions(env: EnvContext, unit: str) -> list[Assertion]:
    component = BY_NAME.get(unit)
    if component is not None:
        return component.assertions(env)
    from .components.preview import preview_assertions  # previews are units outside the catalogue

    return preview_assertions(env, unit)


def run_block(run: UnitRun) -> str:
    unit = run.unit
    lines = [f'run "{run.label}" {{', "  command = apply", "", "  module {",
             f'    source = "./modules/{unit.module}"', "  }"]
    aliases = unit.provider_aliases
    if aliases:  # an explicit providers map replaces the implicit default, so pass it too
        lines += ["", "  providers = {", "    aws = aws"]
        lines += [f"    aws.{a} = aws.{a}" for a in aliases]
        lines.append("  }")
    if unit.inputs:
        lines += ["", "  variables {"]
        lines += [f"    {encode_key(k)} = {encode(v, run_ref, '    ')}" for k, v in unit.inputs.items()]
        lines.append("  }")
    for assertion in run.assertions:
        lines += ["", "  assert {", f"    condition     = {assertion.condition}",
                  f"    error_message = {encode(assertion.error_message)}", "  }"]
    lines.append("}")
    return "\n".join(lines) + "\n"


def mock_blocks(environment_test: str) -> str:
    """The ``mock_provider`` blocks of ``tests/environment.tftest.hcl`` (everything before its runs),
    so both files answer the provider's calls the same way."""
    head, sep, _ = environment_test.partition('\nrun "')
    if not sep:
        raise ValueError("the environment test has no run block to split the mock providers from")
    return head.rstrip() + "\n"


def assertions_file(env: EnvContext, environment_test: str) -> str:
    """``tests/assertions.tftest.hcl`` for ``env``; ``environment_test`` supplies the mock providers."""
    blocks = [mock_blocks(environment_test)] + [run_block(run) for run in unit_runs(env)]
    return canonicalize("\n".join(blocks))


def write_assertions(root: Path, env: EnvContext) -> None:
    """Writes ``tests/assertions.tftest.hcl`` beside ``tests/environment.tftest.hcl`` in the harness ``root``."""
    environment_test = (root / "tests" / "environment.tftest.hcl").read_text(encoding="utf-8")
    (root / FILE).write_text(assertions_file(env, environment_test), encoding="utf-8")
