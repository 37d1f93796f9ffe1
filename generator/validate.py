"""Parse-back and cross-unit checks of a customer's tree, before it is written or as ``fgen validate``.

Works on a mapping ``relative path -> text`` so the same checks run on a freshly planned tree and
on the committed one. Every file is parsed by Terraform's own Go HCL parser (pygohcl), and by
python-hcl2 too when the cache is built with ``second_parser`` (see generator/cache.py); parses
are shared by content hash, so a module rendered identically for a hundred customers is parsed once
per process, and a whole tree checked clean before is not checked again.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .cache import PARSED_SUFFIXES, ParseCache, tree_digest
from .checkov import CHECK_ID, checkov_config_path
from .errors import Problem
from .hcl import dependency_label

_DEP_REF = re.compile(r"\bdependency\.([A-Za-z_][A-Za-z0-9_-]*)\.outputs\.([A-Za-z_][A-Za-z0-9_-]*)")


@dataclass
class ParsedTree:
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def parse_tree(tree: dict[str, str], prefix: str, cache: ParseCache) -> ParsedTree:
    parsed = ParsedTree()
    for path, text in sorted(tree.items()):
        if not path.endswith(PARSED_SUFFIXES):
            continue
        result, error = cache.parse(text)
        if error:
            parsed.problems.append(Problem(f"{prefix}/{path}", _line_of(error), "", f"does not parse: {error}"))
        else:
            parsed.files[path] = result
    return parsed


def _line_of(error: str) -> int:
    match = re.search(r":(\d+),\d+", error) or re.search(r"line (\d+)", error)
    return int(match.group(1)) if match else 0


@dataclass
class ModuleInterface:
    variables: dict[str, bool]  # name -> has a default
    outputs: set[str]


def module_interfaces(parsed: ParsedTree) -> dict[str, ModuleInterface]:
    modules: dict[str, ModuleInterface] = {}
    for path, body in parsed.files.items():
        parts = path.split("/")
        if len(parts) != 4 or parts[:2] != ["infra", "modules"]:
            continue
        iface = modules.setdefault(parts[2], ModuleInterface({}, set()))
        for name, spec in (body.get("variable") or {}).items():
            iface.variables[name] = "default" in (spec or {})
        iface.outputs.update((body.get("output") or {}).keys())
    return modules


def cross_unit_check(tree: dict[str, str], parsed: ParsedTree, prefix: str) -> list[Problem]:
    """The rules that make a tree of units hang together (see the README's "Validation")."""
    problems: list[Problem] = []
    modules = module_interfaces(parsed)
    units = {posixpath.dirname(p): p for p in parsed.files if p.endswith("/terragrunt.hcl")}
    unit_modules: dict[str, str] = {}
    for folder, path in units.items():
        body = parsed.files[path]
        source = ((body.get("terraform") or {}).get("source")) or ""
        module = _module_of(folder, source)
        if module is None or module not in modules:
            problems.append(Problem(f"{prefix}/{path}", 0, "terraform.source",
                                    f"{source!r} does not resolve to a module folder under infra/modules/"))
        else:
            unit_modules[folder] = module
    graph: dict[str, list[str]] = {}
    for folder, path in sorted(units.items()):
        body = parsed.files[path]
        where = f"{prefix}/{path}"
        deps = body.get("dependency") or {}
        graph[folder] = []
        for label, block in sorted(deps.items()):
            config_path = (block or {}).get("config_path", "")
            target = posixpath.normpath(posixpath.join(folder, config_path))
            if target not in units:
                problems.append(Problem(where, 0, f"dependency.{label}", f"config_path {config_path!r} is not a unit"))
                continue
            graph[folder].append(target)
        module = unit_modules.get(folder)
        inputs = body.get("inputs") or {}
        if module:
            iface = modules[module]
            for key in sorted(inputs):
                if key not in iface.variables:
                    problems.append(Problem(where, 0, f"inputs.{key}", f"module {module} declares no variable {key!r}"))
            for name, has_default in sorted(iface.variables.items()):
                if not has_default and name not in inputs:
                    problems.append(Problem(where, 0, "inputs", f"module {module} requires variable {name!r}, "
                                            "which the unit does not supply"))
        for label, output in sorted(set(_DEP_REF.findall(tree[path]))):
            block = deps.get(label)
            if block is None:
                problems.append(Problem(where, 0, f"dependency.{label}", f"inputs use dependency.{label}, "
                                        "but there is no such dependency block"))
                continue
            target = posixpath.normpath(posixpath.join(folder, block.get("config_path", "")))
            target_module = unit_modules.get(target)
            if target_module and output not in modules[target_module].outputs:
                problems.append(Problem(where, 0, f"dependency.{label}.outputs.{output}",
                                        f"module {target_module} has no output {output!r}"))
            mocks = block.get("mock_outputs") or {}
            if output not in mocks:
                problems.append(Problem(where, 0, f"dependency.{label}.mock_outputs",
                                        f"no mock for {output!r}: `run --all plan` before the first apply would fail"))
        for label, block in sorted(deps.items()):
            target = posixpath.normpath(posixpath.join(folder, (block or {}).get("config_path", "")))
            target_module = unit_modules.get(target)
            for mock in sorted((block or {}).get("mock_outputs") or {}):
                if target_module and mock not in modules[target_module].outputs:
                    problems.append(Problem(where, 0, f"dependency.{label}.mock_outputs.{mock}",
                                            f"module {target_module} has no output {mock!r}"))
    problems.extend(_cycles(graph, units, prefix))
    return problems


def _module_of(unit_folder: str, source: str) -> str | None:
    if "//" not in source or "://" in source:
        return None
    base, sub = source.split("//", 1)
    resolved = posixpath.normpath(posixpath.join(unit_folder, base, sub))
    parts = resolved.split("/")
    if len(parts) == 3 and parts[:2] == ["infra", "modules"]:
        return parts[2]
    return None


def _cycles(graph: dict[str, list[str]], units: dict[str, str], prefix: str) -> list[Problem]:
    state: dict[str, int] = {}
    problems: list[Problem] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt] if nxt in stack else [node, nxt]
                problems.append(Problem(f"{prefix}/{units[node]}", 0, "dependency",
                                        "dependency cycle: " + " -> ".join(posixpath.basename(c) for c in cycle)))
            elif state.get(nxt) is None:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return problems


def unit_graph(parsed: ParsedTree) -> dict[str, list[str]]:
    """unit folder -> the unit folders it depends on (for `fgen graph` and ordering)."""
    graph: dict[str, list[str]] = {}
    for path, body in parsed.files.items():
        if not path.endswith("/terragrunt.hcl"):
            continue
        folder = posixpath.dirname(path)
        graph[folder] = sorted(posixpath.normpath(posixpath.join(folder, (b or {}).get("config_path", "")))
                               for b in (body.get("dependency") or {}).values())
    return graph


_MODULE_META = {"source", "version", "count", "for_each", "providers", "depends_on"}
_VAR_REF = re.compile(r"\bvar\.([A-Za-z_][A-Za-z0-9_-]*)")
_MODULE_REF = re.compile(r"\bmodule\.([A-Za-z_][A-Za-z0-9_-]*)(?:\[\*\]|\[0\])?\.([A-Za-z_][A-Za-z0-9_-]*)")
_FLAG_REF = re.compile(r'\bvar\.from_outputs\["([^"]+)"\]')


def plain_root_check(tree: dict[str, str], parsed: ParsedTree, prefix: str) -> list[Problem]:
    """The plain-Terraform root (infra/*.tf, environments/<env>.tfvars|.backend.hcl) against the
    modules it calls and the Terragrunt units it stands beside."""
    if "infra/main.tf" not in parsed.files or "infra/variables.tf" not in parsed.files:
        return []
    problems: list[Problem] = []
    modules = module_interfaces(parsed)
    main = f"{prefix}/infra/main.tf"
    calls: dict[str, str] = {}  # module label -> module folder
    counted: set[str] = set()
    for label, block in sorted((parsed.files["infra/main.tf"].get("module") or {}).items()):
        source = str((block or {}).get("source", ""))
        module = source.removeprefix("./modules/")
        if not source.startswith("./modules/") or module not in modules:
            problems.append(Problem(main, 0, f"module.{label}.source", f"{source!r} is not a module under infra/modules/"))
            continue
        calls[label] = module
        if "count" in block:
            counted.add(label)
        iface = modules[module]
        for key in sorted(set(block) - _MODULE_META):
            if key not in iface.variables:
                problems.append(Problem(main, 0, f"module.{label}.{key}", f"module {module} declares no variable {key!r}"))
        for name, has_default in sorted(iface.variables.items()):
            if not has_default and name not in block:
                problems.append(Problem(main, 0, f"module.{label}", f"module {module} requires variable {name!r}"))
    for label, output in sorted(set(_MODULE_REF.findall(tree["infra/main.tf"]))):
        if label not in calls:
            problems.append(Problem(main, 0, f"module.{label}", "no such module call"))
        elif output not in modules[calls[label]].outputs:
            problems.append(Problem(main, 0, f"module.{label}.{output}", f"module {calls[label]} has no output {output!r}"))
    declared = {name: "default" in (spec or {})
                for name, spec in (parsed.files["infra/variables.tf"].get("variable") or {}).items()}
    for path in sorted(p for p in tree if p.startswith("infra/") and p.count("/") == 1 and p.endswith(".tf")):
        for name in sorted(set(_VAR_REF.findall(tree[path])) - set(declared)):
            problems.append(Problem(f"{prefix}/{path}", 0, f"var.{name}", "no such variable in infra/variables.tf"))
    flags = set(_FLAG_REF.findall(tree["infra/main.tf"]))
    units: dict[str, set[str]] = {}
    for path in parsed.files:
        if _unit_env(path):  # infra/environments/<env>/<unit...>/terragrunt.hcl
            parts = path.split("/")
            units.setdefault(parts[2], set()).add(dependency_label("/".join(parts[3:-1])))
    for path in sorted(p for p in parsed.files if p.startswith("infra/environments/") and p.endswith(".tfvars")):
        env = path.split("/")[2].removesuffix(".tfvars")
        problems.extend(_check_tfvars(parsed.files[path], f"{prefix}/{path}", declared, calls, counted, modules,
                                      units.get(env, set()), flags))
        backend = parsed.files.get(f"infra/environments/{env}.backend.hcl")
        config = (parsed.files.get(f"infra/config/{env}.hcl") or {}).get("locals") or {}
        problems.extend(_check_backend(backend, f"{prefix}/infra/environments/{env}.backend.hcl", config))
        scanner = checkov_config_path(env)
        problems.extend(_check_checkov_config(tree.get(scanner), f"{prefix}/{scanner}"))
    return problems


def _check_checkov_config(text: str | None, where: str) -> list[Problem]:
    """The environment's checkov config: present, YAML, the terraform framework, a list of check ids."""
    if text is None:
        return [Problem(where, 0, "", "missing: every environment has a checkov config (fgen render writes it)")]
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return [Problem(where, getattr(getattr(exc, "problem_mark", None), "line", -1) + 1, "",
                        f"does not parse as YAML: {exc}")]
    if not isinstance(config, dict) or config.get("framework") != ["terraform"]:
        return [Problem(where, 0, "framework", "must be a mapping with framework: [terraform]")]
    checks = config.get("skip-check")
    if not isinstance(checks, list) or not all(isinstance(c, str) and CHECK_ID.match(c) for c in checks):
        return [Problem(where, 0, "skip-check", "must be a list of checkov AWS check ids (CKV_AWS_n, CKV2_AWS_n)")]
    return []


def _unit_env(path: str) -> bool:
    parts = path.split("/")
    return len(parts) >= 5 and parts[:2] == ["infra", "environments"] and parts[-1] == "terragrunt.hcl"


def _check_tfvars(values: dict[str, Any], where: str, declared: dict[str, bool], calls: dict[str, str],
                  counted: set[str], modules: dict[str, ModuleInterface], units: set[str],
                  flags: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    for key in sorted(values):
        if key not in declared:
            problems.append(Problem(where, 0, key, "no such variable in infra/variables.tf"))
        elif key in calls:
            for name in sorted(set(values[key] or {}) - set(modules[calls[key]].variables)):
                problems.append(Problem(where, 0, f"{key}.{name}", f"module {calls[key]} declares no variable {name!r}"))
    for name, has_default in sorted(declared.items()):
        if not has_default and name not in values and name not in calls:
            problems.append(Problem(where, 0, name, "required by infra/variables.tf, not set"))
    enabled = values.get("enabled") or {}
    for label in sorted(calls):
        on = enabled.get(label) if label in counted else True
        if on is None:
            problems.append(Problem(where, 0, f"enabled.{label}", "not set"))
        elif bool(on) != (label in units):
            state = "has" if label in units else "has no"
            problems.append(Problem(where, 0, f"enabled.{label}" if label in counted else label,
                                    f"the environment {state} Terragrunt unit {label}, but the plain root "
                                    f"{'calls' if on else 'skips'} module {label}"))
        if on and label in declared and not declared[label] and label not in values:
            problems.append(Problem(where, 0, label, f"module {label} is called, but its values are not set"))
    given = values.get("from_outputs") or {}
    for flag in sorted(flags):
        if flag.split(".")[0] in units and flag not in given:
            problems.append(Problem(where, 0, f"from_outputs.{flag}", "not set"))
    for flag in sorted(set(given) - flags):
        problems.append(Problem(where, 0, f"from_outputs.{flag}", "main.tf does not use this flag"))
    return problems


def _check_backend(backend: dict[str, Any] | None, where: str, config: dict[str, Any]) -> list[Problem]:
    if backend is None:
        return [Problem(where, 0, "", "missing: every environment's tfvars needs its backend configuration")]
    problems = []
    expected = {"bucket": config.get("state_bucket"), "region": config.get("state_region"),
                "encrypt": True, "use_lockfile": True}
    for key, value in expected.items():
        if value is not None and backend.get(key) != value:
            problems.append(Problem(where, 0, key, f"is {backend.get(key)!r}, expected {value!r} (as root.hcl)"))
    key = str(backend.get("key", ""))
    if not key or key.endswith("/terraform.tfstate"):
        problems.append(Problem(where, 0, "key", f"{key!r} must be set and must not look like a Terragrunt "
                                "unit's state key (<customer>/<env>/<unit>/terraform.tfstate)"))
    return problems


def validate_tree(tree: dict[str, str], prefix: str, cache: ParseCache) -> list[Problem]:
    """Parse-back and cross-unit problems of ``tree``; a tree checked clean before is not checked again."""
    digest = tree_digest(tree, prefix, cache.second_parser)
    if cache.known_clean(digest):
        return []
    parsed = parse_tree(tree, prefix, cache)
    problems = parsed.problems + cross_unit_check(tree, parsed, prefix) + plain_root_check(tree, parsed, prefix)
    if not problems:
        cache.remember_clean(digest)
    return problems
