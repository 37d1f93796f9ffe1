"""The plain-Terraform root: ``infra/main.tf`` and friends, for teams that run Terraform without Terragrunt.

One root module per customer calls every module any of its environments uses, wired module to
module (``module.vpc.vpc_id`` where a unit says ``dependency.vpc.outputs.vpc_id``). What differs
per environment lives in ``infra/environments/<env>.tfvars``:

* ``enabled``: which optional modules the environment has (``count = var.enabled.rds ? 1 : 0``);
* one object variable per unit holding the unit's inputs that are values, not outputs (its
  *residue*); ``main.tf`` rebuilds each input from the residue and the references;
* ``from_outputs``: for an input that takes another module's output in some environments and a
  plain value in others (``test_listener = null`` in dev, the NAT IPs in prod), which one.

Every unit input reaches the module exactly as the Terragrunt unit passes it (``null`` stays
``null``); an input a unit sets in one environment and leaves out in another gets the module's
default written into the other environment's tfvars, so both paths deploy the same values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pygohcl

from .components import BY_NAME
from .errors import InputError, Problem
from .hcl import Expression, Output, dependency_label, encode, encode_key
from .project import Project
from .resolve import Customer
from .units import Unit, environment_units

TERRAFORM_VERSION = ">= 1.11.0"  # S3-native state locking (use_lockfile)
AWS_PROVIDER_VERSION = ">= 5.100, < 7.0"
#: the region of the "us_east_1" alias: CloudFront certificates and CLOUDFRONT-scoped WAF live there
US_EAST_1 = "us-east-1"
#: the plain root's state object; Terragrunt's are <customer>/<env>/<unit>/terraform.tfstate, so the
#: two paths never share (or lock) one another's state
STATE_KEY = "{customer}/{environment}/plain-terraform.tfstate"
FLAGS = "from_outputs"


class _Absent:
    """No residue: the value at this path is rebuilt from references alone."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()


@dataclass
class ModuleCall:
    unit: str
    label: str
    module: str
    description: str
    optional: bool  # absent from some environment: counted by var.enabled
    aliases: tuple[str, ...]
    arguments: list[tuple[str, Expression]]  # module variable -> HCL expression
    attributes: list[tuple[str, Expression]]  # attribute of var.<label> -> type constraint
    sensitive: bool = False
    standby: bool = False  # a unit of the warm standby: its default provider is aws.standby

    @property
    def providers(self) -> list[tuple[Expression, Expression]]:
        """The module's providers block (empty: Terraform passes the default provider): the standby's
        modules get the standby region as their default and the primary region as their "dr"."""
        if not self.aliases and not self.standby:
            return []
        default = "aws.standby" if self.standby else "aws"
        mapping = [("aws", default)]
        for alias in self.aliases:
            mapping.append((f"aws.{alias}", "aws" if self.standby and alias == "dr" else f"aws.{alias}"))
        return [(Expression(name), Expression(provider)) for name, provider in mapping]


@dataclass
class PlainRoot:
    calls: list[ModuleCall] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    #: environment -> {unit label -> residue}; {flag -> bool}
    residues: dict[str, dict[str, Any]] = field(default_factory=dict)
    flag_values: dict[str, dict[str, bool]] = field(default_factory=dict)
    present: dict[str, set[str]] = field(default_factory=dict)  # environment -> its units

    @property
    def optional(self) -> list[str]:
        return [c.label for c in self.calls if c.optional]

    @property
    def has_standby(self) -> bool:
        """Some environment has a warm standby: the root gets the "standby" provider and its region."""
        return any(c.standby for c in self.calls)


def build_root(project: Project, customer: Customer,
               env_units: dict[str, list[Unit]] | None = None) -> PlainRoot:
    """The wiring of the customer's plain root, computed from the units of every environment."""
    if env_units is None:
        env_units = {env.name: environment_units(env) for env in customer.environments}
    root = PlainRoot()
    envs = list(env_units)
    by_env = {e: {u.name: u for u in units} for e, units in env_units.items()}
    order: list[str] = []
    for units in env_units.values():
        order += [u.name for u in units if u.name not in order]
    catalogue = list(BY_NAME)  # previews (dev units outside the catalogue) come after every component
    order.sort(key=lambda name: catalogue.index(name) if name in catalogue else len(catalogue))
    everywhere = {name for name in order if all(name in by_env[e] for e in envs)}
    wiring = _Wiring(lambda ref: _module_ref(ref, ref.unit in everywhere))
    for e in envs:
        root.residues[e] = {}
        root.flag_values[e] = {}
        root.present[e] = set(by_env[e])
    problems: list[Problem] = []
    for name in order:
        present = [e for e in envs if name in by_env[e]]
        try:
            call = _wire_unit(project, by_env[present[0]][name], {e: by_env[e][name].inputs for e in present},
                              wiring)
        except _Unsupported as exc:
            problems.append(Problem("", 0, exc.path, exc.message))
            continue
        call.optional = name not in everywhere
        root.calls.append(call)
        for e in present:
            residue = wiring.residues.pop(e)
            if residue is not ABSENT:
                root.residues[e][call.label] = residue
    if problems:
        raise InputError(problems)
    root.flags = sorted(wiring.flags)
    for flag, values in sorted(wiring.flags.items()):
        for e, value in values.items():
            root.flag_values[e][flag] = value
    return root




def _module_ref(ref: Output, always: bool) -> str:
    label = dependency_label(ref.unit)
    return f"module.{label}.{ref.name}" if always else f"one(module.{label}[*].{ref.name})"


def _wire_unit(project: Project, first: Unit, inputs: dict[str, dict[str, Any]], wiring: "_Wiring") -> ModuleCall:
    """The module call of one unit, from its inputs in every environment that has it (``first`` is one)."""
    unit, module = first.name, first.module
    variables = module_variables(str(project.modules_dir), module)
    keys: list[str] = []
    for values in inputs.values():
        keys += [k for k in values if k not in keys]
    filled: dict[str, dict[str, Any]] = {}
    for e, values in inputs.items():
        filled[e] = {}
        for key in keys:
            if key in values:
                filled[e][key] = values[key]
            elif key in variables and variables[key].has_default:
                filled[e][key] = variables[key].default
            else:
                raise _Unsupported(f"{unit}.{key}", f"set in some environments but not in {e}, and module "
                                   f"{module} has no default for it")
    label = dependency_label(unit)
    call = ModuleCall(unit, label, module, first.description, False, first.provider_aliases, [], [],
                      any(module_sensitive(str(project.modules_dir), module)), first.region_role == "standby")
    residues: dict[str, dict[str, Any]] = {e: {} for e in inputs}
    for key in keys:
        values = {e: filled[e][key] for e in inputs}
        expr, child = wiring.wire(values, f"var.{label}{_attr(key)}", f"{unit}.{key}")
        call.arguments.append((key, Expression(expr)))
        if any(r is not ABSENT for r in child.values()):
            literal = not any(_has_ref(v) for v in values.values())
            kind = variables[key].type if literal and key in variables and variables[key].type else "any"
            call.attributes.append((key, Expression(kind)))
            for e, r in child.items():
                residues[e][key] = None if r is ABSENT else r
    for e in inputs:
        wiring.residues[e] = residues[e] if call.attributes else ABSENT
    return call


class _Unsupported(Exception):
    def __init__(self, path: str, message: str):
        super().__init__(message)
        self.path, self.message = path, message


class _Wiring:
    """Turns the values one input path takes across environments into one HCL expression plus,
    per environment, the residue the tfvars must hold at that path."""

    def __init__(self, ref):
        self.ref = ref
        self.flags: dict[str, dict[Any, bool]] = {}
        self.residues: dict[str, Any] = {}

    def wire(self, values: dict[Any, Any], acc: str, where: str) -> tuple[str, dict[Any, Any]]:
        if not any(_has_ref(v) for v in values.values()):
            return acc, dict(values)
        first = next(iter(values.values()))
        if all(isinstance(v, Output) for v in values.values()) and len(set(values.values())) == 1:
            return self.ref(first), {e: ABSENT for e in values}
        if all(isinstance(v, dict) for v in values.values()) and (self._uniform_map(values)
                                                                   or self._same_wired_keys(values)):
            return self._dict(values, acc, where)
        if all(isinstance(v, list) for v in values.values()) and len({len(v) for v in values.values()}) == 1:
            return self._list(values, acc, where)
        return self._either(values, acc, where)

    @staticmethod
    def _same_wired_keys(values: dict[Any, Any]) -> bool:
        wired = {k for v in values.values() for k, c in v.items() if _has_ref(c)}
        return all(k in v for v in values.values() for k in wired)

    def _either(self, values: dict[Any, Any], acc: str, where: str) -> tuple[str, dict[Any, Any]]:
        """Outputs in some environments (maybe different ones), a plain value in others: flags choose.

        Environments whose references have the same shape share one wiring; the first such group
        is chosen by the flag ``where``, the next ones by ``where/2``, ``where/3``...
        """
        if not all(isinstance(e, str) for e in values):
            raise _Unsupported(where, "takes different module outputs for different keys of one map; the plain "
                               "Terraform root cannot choose between them")
        groups: dict[tuple, dict[Any, Any]] = {}
        for e, v in values.items():
            if _has_ref(v):
                groups.setdefault(_shape(v), {})[e] = v
        out: dict[Any, Any] = {e: v for e, v in values.items() if not _has_ref(v)}
        choices = []
        for index, wired in enumerate(groups.values(), start=1):
            name = where if index == 1 else f"{where}/{index}"
            expr, residues = self.wire(wired, acc, where)
            self.flags[name] = {e: e in wired for e in values}
            out.update({e: (None if residues[e] is ABSENT else residues[e]) for e in wired})
            choices.append((expr, f"var.{FLAGS}[{encode(name)}]"))
        # Not `flag ? expr : acc`: a conditional unifies the types of both branches, and an object
        # with the outputs merged in and the plain value (null, or the object without them) do not
        # unify. Each for-expression below evaluates its body only when its condition holds.
        none = " && ".join(f"!{flag}" for _, flag in choices)
        arms = [f"[for _ in [1] : {expr} if {flag}],\n" for expr, flag in choices]
        arms.append(f"[for _ in [1] : {acc} if {none}],\n")
        return "one(concat(\n" + "".join(arms) + "))", {e: out[e] for e in values}

    def _list(self, values: dict[Any, Any], acc: str, where: str) -> tuple[str, dict[Any, Any]]:
        n = len(next(iter(values.values())))
        items, residues = [], {e: [None] * n for e in values}
        used = False
        for i in range(n):
            expr, child = self.wire({e: v[i] for e, v in values.items()}, f"{acc}[{i}]", f"{where}[{i}]")
            items.append(expr)
            for e, r in child.items():
                if r is not ABSENT:
                    residues[e][i] = r
                    used = True
        text = "[" + ", ".join(items) + "]"
        if len(text) > 80:
            text = "[\n" + "".join(f"{item},\n" for item in items) + "]"
        return text, (residues if used else {e: ABSENT for e in values})

    def _dict(self, values: dict[Any, Any], acc: str, where: str) -> tuple[str, dict[Any, Any]]:
        keys: list[str] = []
        for v in values.values():
            keys += [k for k in v if k not in keys]
        wired = [k for k in keys if any(_has_ref(v.get(k)) for v in values.values())]
        if self._uniform_map(values):
            return self._for_map(values, acc, where)
        literal = [k for k in keys if k not in wired]
        residues: dict[Any, Any] = {e: {k: v[k] for k in literal if k in v} for e, v in values.items()}
        lines = []
        for k in wired:
            expr, child = self.wire({e: v[k] for e, v in values.items()}, f"{acc}{_attr(k)}", f"{where}.{k}")
            lines.append(f"{encode_key(k)} = {expr}")
            for e, r in child.items():
                if r is not ABSENT:
                    residues[e][k] = r
        body = "{\n" + "\n".join(lines) + "\n}"
        if literal or any(residues.values()):
            return f"merge({acc}, {body})", residues
        return body, {e: ABSENT for e in values}

    @staticmethod
    def _uniform_map(values: dict[Any, Any]) -> bool:
        """A map keyed by names (services, buckets) whose every entry references the same outputs."""
        children = [c for v in values.values() for c in v.values()]
        if not any(len(v) >= 2 for v in values.values()):
            return False
        return all(_has_ref(c) for c in children) and len({_shape(c) for c in children}) == 1

    def _for_map(self, values: dict[Any, Any], acc: str, where: str) -> tuple[str, dict[Any, Any]]:
        flat = {(e, k): c for e, v in values.items() for k, c in v.items()}
        expr, child = self.wire(flat, "v", f"{where}[*]")
        residues = {e: {k: (None if child[(e, k)] is ABSENT else child[(e, k)]) for k in v}
                    for e, v in values.items()}
        return f"{{\nfor k, v in {acc} : k => {expr}\n}}", residues


def _attr(key: str) -> str:
    return f".{key}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) else f"[{encode(key)}]"


def _has_ref(value: Any) -> bool:
    if isinstance(value, Output):
        return True
    if isinstance(value, dict):
        return any(_has_ref(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_ref(v) for v in value)
    return False


def _shape(value: Any, path: tuple = ()) -> tuple:
    """Where the references sit in ``value`` and what they point at (lists: with their length)."""
    if isinstance(value, Output):
        return ((path, value),)
    if isinstance(value, dict):
        return tuple(item for k in sorted(value) for item in _shape(value[k], path + (k,)))
    if isinstance(value, (list, tuple)) and _has_ref(value):
        return ((path, len(value)),) + tuple(item for i, v in enumerate(value) for item in _shape(v, path + (i,)))
    return ()


# --- module interfaces ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Variable:
    has_default: bool
    default: Any
    type: str  # the type constraint as written in variables.tf ("" when none)


@lru_cache(maxsize=128)
def module_variables(modules_dir: str, module: str) -> dict[str, Variable]:
    path = Path(modules_dir) / module / "variables.tf"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    body = pygohcl.loads(text) if text else {}
    types = _type_constraints(text)
    return {name: Variable("default" in (spec or {}), (spec or {}).get("default"), types.get(name, ""))
            for name, spec in (body.get("variable") or {}).items()}


@lru_cache(maxsize=128)
def module_sensitive(modules_dir: str, module: str) -> tuple[bool, ...]:
    path = Path(modules_dir) / module / "outputs.tf"
    body = pygohcl.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return tuple(bool((spec or {}).get("sensitive")) for spec in (body.get("output") or {}).values())


def _type_constraints(text: str) -> dict[str, str]:
    """variable name -> its ``type = ...`` expression, verbatim (module files are terraform-fmt'ed)."""
    types: dict[str, str] = {}
    current = None
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        match = re.match(r'^variable "([^"]+)" \{', line)
        if match:
            current = match.group(1)
        elif current and re.match(r"^  type\s+=", line):
            expr = [line.split("=", 1)[1].strip()]
            depth = _depth(expr[0])
            while depth > 0 and i + 1 < len(lines):
                i += 1
                expr.append(lines[i].strip())
                depth += _depth(lines[i])
            types[current] = "\n".join(expr)
        elif line.startswith("}"):
            current = None
        i += 1
    return types


def _depth(line: str) -> int:
    code = line.split("#", 1)[0]
    return sum(code.count(c) for c in "({[") - sum(code.count(c) for c in ")}]")


# --- per-environment values --------------------------------------------------------------------


def tfvars_view(root: PlainRoot, config: dict[str, Any], environment: str) -> dict[str, Any]:
    """What ``environments/<env>.tfvars`` says, in order."""
    values: dict[str, Any] = {
        "account_id": config["account_id"],
        "region": config["region"],
        "dr_region": config["dr_region"],
    }
    if root.has_standby:
        values["standby_region"] = config["standby_region"]
    values["tags"] = config["tags"]
    present = root.residues[environment]
    if root.optional:
        values["enabled"] = {c.label: c.unit in root.present[environment] for c in root.calls if c.optional}
    if root.flag_values[environment]:
        values[FLAGS] = root.flag_values[environment]
    for call in root.calls:
        if call.label in present:
            values[call.label] = present[call.label]
    return values


def backend_view(config: dict[str, Any]) -> dict[str, Any]:
    return {
        "bucket": config["state_bucket"],
        "key": STATE_KEY.format(customer=config["customer"], environment=config["environment"]),
        "region": config["state_region"],
        "encrypt": True,
        "use_lockfile": True,
    }
