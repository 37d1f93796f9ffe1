"""Helpers shared by the tests: a private copy of the repository and in-memory renders."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pygohcl
import yaml

from generator.cache import ParseCache
from generator.plan import plan_customer
from generator.project import Project
from generator.resolve import resolve_customer
from generator.validate import validate_tree

REPO = Path(__file__).resolve().parents[1]
#: example estates (several customers sharing accounts) under tests/estates/<shape>/customers/
ESTATES = Path(__file__).resolve().parent / "estates"


def copy_repo(dest: Path, with_output: bool = False) -> Project:
    """templates/, customers/ and root.hcl (and output/ if asked) of this repository under ``dest``."""
    for name in ("templates", "customers"):
        shutil.copytree(REPO / name, dest / name)
    shutil.copy2(REPO / "root.hcl", dest / "root.hcl")
    if with_output and (REPO / "output").is_dir():
        shutil.copytree(REPO / "output", dest / "output", ignore=shutil.ignore_patterns(".fgen"))
    return Project(dest)


def estate_project(root: Path, shape: str | None) -> Project:
    """A private project at ``root``: this repository's templates and root.hcl, and the customers of
    one example estate (none when ``shape`` is None)."""
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copy2(REPO / "root.hcl", root / "root.hcl")
    if shape:
        shutil.copytree(ESTATES / shape / "customers", root / "customers")
    else:
        (root / "customers").mkdir()
    return Project(root)


def clone_customer(project: Project, name: str, index: int, source: str = "customer-x") -> None:
    """A copy of ``source``'s manifests as customer ``name`` that the estate accepts beside it: its own
    name, domains and AWS accounts (``index`` keeps several clones apart), as a real second customer has."""
    shutil.copytree(project.customers_dir / source, project.customers_dir / name)
    for path in (project.customers_dir / name).glob("*.yaml"):
        text = path.read_text(encoding="utf-8").replace(source, name)
        for digit in "12":  # customer-x's accounts: 111111111111 (dev), 222222222222 (prod)
            text = text.replace(digit * 12, f"{int(digit) + 2 * index + 2:012d}")
        path.write_text(text, encoding="utf-8")


def deep_update(data: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            deep_update(data[key], value)
        else:
            data[key] = value
    return data


def edit_manifest(project: Project, customer: str, file: str, changes: dict[str, Any]) -> None:
    """Deep-update one manifest file of a copied repository (``None`` values are kept as null)."""
    path = project.customers_dir / customer / file
    data = yaml.safe_load(path.read_text()) if path.exists() else {}
    path.write_text(yaml.safe_dump(deep_update(data or {}, changes), sort_keys=False))


def render_tree(project: Project, customer: str = "customer-x") -> dict[str, str]:
    """The validated tree of one customer, in memory (raises FgenError like `fgen render`)."""
    plan = plan_customer(project, resolve_customer(project, customer))
    tree = {path: f.content for path, f in plan.files.items()}
    problems = validate_tree(tree, f"output/{customer}", ParseCache())
    assert not problems, "\n".join(str(p) for p in problems)
    return tree


def parsed(tree: dict[str, str], path: str) -> dict[str, Any]:
    """A generated file parsed by Terraform's own HCL parser."""
    return pygohcl.loads(tree[path])


def unit_inputs(tree: dict[str, str], env: str, unit: str) -> dict[str, Any]:
    return parsed(tree, f"infra/environments/{env}/{unit}/terragrunt.hcl")["inputs"]


def drop_previews(project: Project, customer: str = "customer-x", env: str = "dev") -> None:
    """Remove the example's feature-branch previews (as `fgen preview remove` does): tests that move
    the clock past their expiry date, or turn off a service they run, start without them."""
    from generator.preview_edit import remove_entry

    path = project.customers_dir / customer / f"{env}.yaml"
    text = path.read_text(encoding="utf-8")
    for branch in (yaml.safe_load(text) or {}).get("previews") or {}:
        text = remove_entry(text, str(path), branch)
    path.write_text(text, encoding="utf-8")


def line_of(project: Project, file: str, needle: str, after: str | None = None, customer: str = "customer-x") -> int:
    """The line of the first ``needle`` in a customer's manifest (after the first line holding ``after``)."""
    lines = (project.customers_dir / customer / file).read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines, 1) if i > start and needle in line)
