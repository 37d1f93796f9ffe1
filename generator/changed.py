"""`fgen changed --since REF`: which customers, environments and units a change touches.

Compares the generated files between a git ref and the working tree. A changed module touches
every unit that uses it, or whose module calls it (``ecs_task`` from ``ecs`` and ``preview``); a
changed environment config touches every unit of that environment. The plain root's files touch
environments without touching units: ``infra/environments/<env>.(tfvars|backend.hcl|checkov.yaml)``
that environment, ``infra/*.tf`` every environment of the customer (each is scanned with it; their
``units`` list may be empty). Units come out in dependency order, ready for a CI matrix.
"""

from __future__ import annotations

import os
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Any

from .errors import InputError
from .graph import topological, unit_graph
from .moduledeps import module_dependencies
from .plan import environment_units
from .project import Project
from .estate_stage import resolve_in_estate
from .writer import TOOL_ARTIFACTS


def changed_paths(project: Project, since: str) -> list[str]:
    def git(*args: str) -> str:
        result = subprocess.run(["git", *args], cwd=project.root, capture_output=True, text=True)
        if result.returncode != 0:
            raise InputError(f"git {' '.join(args)}: {result.stderr.strip() or 'failed'}")
        return result.stdout

    git("rev-parse", "--verify", f"{since}^{{commit}}")
    paths = set(git("diff", "--name-only", since, "--", "output/", "root.hcl").split())
    paths |= set(git("ls-files", "--others", "--exclude-standard", "--", "output/").split())
    return sorted(paths)


def changes_since(project: Project, since: str) -> dict[str, Any]:
    touched: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    modules: dict[str, set[str]] = defaultdict(set)
    whole_env: dict[str, set[str]] = defaultdict(set)
    plain_env: dict[str, set[str]] = defaultdict(set)  # environments whose plain-root files changed
    plain_root: set[str] = set()  # customers whose plain root (infra/*.tf) changed: every environment
    uses_of: dict[str, set[str]] = {}  # module -> itself and the sibling modules it calls
    paths = changed_paths(project, since)
    if "root.hcl" in paths:  # the root config shapes every unit: every environment of every customer
        for customer in project.customer_names():
            folder = project.customer_output(customer) / "infra" / "config"
            if folder.is_dir():
                whole_env[customer].update(p.stem for p in folder.glob("*.hcl"))
    for path in paths:
        parts = path.split("/")
        if len(parts) < 4 or parts[0] != "output" or parts[2] != "infra":
            continue
        if any(part in TOOL_ARTIFACTS for part in parts):  # Terraform's or Terragrunt's, not generated
            continue
        customer = parts[1]
        if parts[3] == "environments" and len(parts) >= 6:
            touched[customer][parts[4]].add("/".join(parts[5:-1]))
        elif parts[3] == "modules" and len(parts) >= 5:
            modules[customer].add(parts[4])
        elif parts[3] == "config" and len(parts) == 5:
            whole_env[customer].add(parts[4].removesuffix(".hcl"))
        elif parts[3] == "environments" and len(parts) == 5:
            for suffix in (".checkov.yaml", ".tfvars", ".backend.hcl"):
                if parts[4].endswith(suffix):
                    plain_env[customer].add(parts[4].removesuffix(suffix))
        elif len(parts) == 4 and parts[3].endswith(".tf"):
            plain_root.add(customer)
    result: list[dict[str, Any]] = []
    matrix: list[dict[str, str]] = []
    for customer in sorted(set(touched) | set(modules) | set(whole_env) | set(plain_env) | plain_root):
        envs_out = []
        try:
            resolved = resolve_in_estate(project, customer)
            environments = {e.name: e for e in resolved.environments}
        except (InputError, FileNotFoundError):
            environments = {}
        if customer in plain_root:
            folder = project.customer_output(customer) / "infra" / "config"
            plain_env[customer] |= set(environments) or ({p.stem for p in folder.glob("*.hcl")} if folder.is_dir() else set())
        every = set(environments) if modules[customer] else set()
        for env_name in sorted(set(touched[customer]) | whole_env[customer] | plain_env[customer] | every):
            env = environments.get(env_name)
            units = set(touched[customer].get(env_name, set()))
            if env is not None:
                for unit in environment_units(env):
                    # a unit's module runs the sibling modules it calls (ecs -> ecs_task) as well
                    if unit.module not in uses_of:
                        uses_of[unit.module] = {unit.module} | module_dependencies(project.modules_dir, unit.module)
                    uses = uses_of[unit.module]
                    if uses & modules[customer] or env_name in whole_env[customer]:
                        units.add(unit.name)
                order = topological(unit_graph(env))
                ordered = [u for u in order if u in units] + sorted(units - set(order))
            else:
                # manifests that no longer resolve, or a removed environment: fall back to the units on disk
                folder = project.customer_output(customer) / "infra" / "environments" / env_name
                if env_name in whole_env[customer] and folder.is_dir():
                    units |= _unit_folders(folder)
                ordered = sorted(units)
            if not ordered and env_name not in plain_env[customer]:
                continue
            envs_out.append({"environment": env_name, "units": ordered})
            matrix.append({"customer": customer, "environment": env_name,
                           "path": f"output/{customer}/infra/environments/{env_name}"})
        if envs_out:
            result.append({"customer": customer, "environments": envs_out})
    return {"since": since, "customers": result, "matrix": matrix}


def _unit_folders(folder: Path) -> set[str]:
    """Folders under ``folder`` with a terragrunt.hcl, not looking into tool caches (they hold copies)."""
    found = set()
    for current, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in TOOL_ARTIFACTS]
        if "terragrunt.hcl" in files:
            found.add(Path(current).relative_to(folder).as_posix())
    return found
