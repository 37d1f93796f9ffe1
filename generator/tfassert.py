"""The assertions of one environment, folded into the whole-environment apply of the `validate --terraform` harness.

Components declare ``assert`` blocks over their own module's resources (``aws_db_instance.this.multi_az``,
``Component.assertions``), with another unit's outputs written ``run.<unit>.<output>``
(``base.run_ref``). A ``terraform test`` assertion is evaluated in the root module under test (the plain
root, ``infra/main.tf``), which can read a module call's *outputs* only: ``module.rds.aws_db_instance``
is "Unsupported attribute" (checked against Terraform 1.11). So the harness, and only the harness
(a temporary copy of the plain root, never the committed tree), adds to each module an output per
object the assertions read (``fgen_assert__aws_db_instance__this``), and each condition is rewritten
to the root's scope:

* ``aws_db_instance.this`` -> ``module.rds.fgen_assert__aws_db_instance__this`` (``module.rds[0]...``
  when the plain root counts the module: optional in some environment);
* ``data.<type>.<name>``, ``module.<name>``, ``var.<name>``, ``local.<name>`` likewise;
* ``run.kms.key_arn`` -> ``module.kms.key_arn``: the output of the module call the plain root wires.

All assertions of an environment then become ``assert`` blocks of its one ``apply`` run, which plans
and applies the whole environment under the mock provider; no per-unit run (one plan and apply of a
module each) is left. A reference the rewrite does not understand is left as it is, which Terraform
rejects: a mistake fails the check, it never passes it.

The added outputs carry ``jsondecode(nonsensitive(jsonencode(<object>)))``: a module output holding a
sensitive attribute (``aws_db_instance.this.password``) must itself be sensitive, which would make the
committed root's ``output "rds" { value = module.rds }`` an error ("Output refers to sensitive
values"); the JSON round trip drops the marks (mock values only) and keeps every value the
assertions compare (sets and maps become tuples and objects, which ``keys``, ``values``, ``sort``,
``contains``, ``length`` and ``one`` read alike).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .components import BY_NAME, EnvContext
from .components.base import Assertion
from .graph import topological
from .hcl import dependency_label, encode
from .units import Unit, environment_units

#: prefix of the outputs the harness adds to module copies
OUTPUT_PREFIX = "fgen_assert__"
#: the file, in each module copy of the harness, holding those outputs
EXPOSE_FILE = "zz_fgen_assert_outputs.tf"


@dataclass
class UnitRun:
    """One unit of the environment and what its component asserts."""

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
    context, name = env, unit
    if unit.startswith("standby/") and env.standby_env is not None:  # the warm standby's units, in its context
        context, name = env.standby_env, unit.removeprefix("standby/")
    component = BY_NAME.get(name)
    if component is not None:
        return component.assertions(context)
    from .components.preview import preview_assertions  # previews are units outside the catalogue

    return preview_assertions(env, unit)


def assertion_count(env: EnvContext) -> int:
    return sum(len(run.assertions) for run in unit_runs(env))


# --- rewriting a condition from a module's scope to the root's ---------------------------------------

_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
#: a reference's root, not preceded by an attribute dot or part of a longer name
_REF = re.compile(
    rf"(?<![\w.\]\)-])(?:"
    rf"run\.(?P<run>{_NAME})\.(?P<output>{_NAME})"
    rf"|(?P<kind>data|module|var|local)\.(?P<kname>{_NAME})(?:\.(?P<dname>{_NAME}))?"
    rf"|(?P<rtype>[a-z][a-z0-9]*_[a-z0-9_]+)\.(?P<rname>{_NAME}))")
_FOR = re.compile(rf"\bfor\s+({_NAME})(?:\s*,\s*({_NAME}))?\s+in\b")


def _code_segments(text: str) -> list[tuple[bool, str]]:
    """``text`` cut into (is_code, piece): string literals (with their interpolations) are not code."""
    pieces: list[tuple[bool, str]] = []
    start, i, n = 0, 0, len(text)
    while i < n:
        if text[i] == '"':
            pieces.append((True, text[start:i]))
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            pieces.append((False, text[i:j + 1]))
            start = i = j + 1
        else:
            i += 1
    pieces.append((True, text[start:]))
    return pieces


@dataclass
class Scope:
    """How the root reaches units' module calls, and what each module must expose for that."""

    counted: set[str]  # labels of the module calls the plain root creates with count
    exposed: dict[str, dict[str, str]] = field(default_factory=dict)  # module -> output name -> expression

    def module_ref(self, label: str) -> str:
        return f"module.{label}[0]" if label in self.counted else f"module.{label}"

    def rewrite(self, condition: str, unit: Unit) -> str:
        """``condition``, written in ``unit``'s module, as an expression of the root module."""
        bound = {name for match in _FOR.finditer(condition) for name in match.groups() if name}
        exposed = self.exposed.setdefault(unit.module, {})
        here = self.module_ref(dependency_label(unit.name))

        def replace(match: re.Match) -> str:
            if match["run"]:
                return f"{self.module_ref(match['run'])}.{match['output']}"
            if match["kind"]:
                kind, name = match["kind"], match["kname"]
                if kind == "data":
                    if not match["dname"]:
                        return match[0]
                    expression = f"data.{name}.{match['dname']}"
                    output = f"{OUTPUT_PREFIX}data__{name}__{match['dname']}"
                else:
                    tail = f".{match['dname']}" if match["dname"] else ""
                    expression = f"{kind}.{name}"
                    output = f"{OUTPUT_PREFIX}{kind}__{name}"
                    exposed[output] = expression
                    return f"{here}.{output}{tail}"
            else:
                if match["rtype"] in bound:
                    return match[0]
                expression = f"{match['rtype']}.{match['rname']}"
                output = f"{OUTPUT_PREFIX}{match['rtype']}__{match['rname']}"
            exposed[output] = expression
            return f"{here}.{output}"

        return "".join(_REF.sub(replace, piece) if code else piece
                       for code, piece in _code_segments(condition))


def assert_blocks(env: EnvContext, scope: Scope) -> list[str]:
    """Every assertion of ``env``'s units as ``assert`` blocks of the root module's apply run."""
    blocks = []
    for run in unit_runs(env):
        for assertion in run.assertions:
            condition = scope.rewrite(assertion.condition, run.unit)
            blocks.append(f"  assert {{\n    condition     = {condition}\n"
                          f"    error_message = {encode(assertion.error_message)}\n  }}\n")
    return blocks


def expose_file(outputs: dict[str, str]) -> str:
    """The outputs a module copy of the harness gets, so the root's assertions can read its objects."""
    return "".join(f'output "{name}" {{\n  value = jsondecode(nonsensitive(jsonencode({expression})))\n}}\n\n'
                   for name, expression in sorted(outputs.items())).rstrip() + "\n"
