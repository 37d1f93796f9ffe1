"""Which Terraform modules a module calls: its own submodules travel inside its folder
(``waf/modules/acl``), a module shared by several (``ecs_task``, for ``ecs`` and ``preview``) is a
sibling folder called as ``../<name>``.

A customer's ``infra/modules/`` holds the modules its units use *and* the siblings those call, so
that ``../<name>`` resolves wherever the folder is copied whole: Terragrunt's cache (a unit's
``terraform.source`` is ``.../modules//<module>``), the plain root (``./modules/<module>``) and the
``validate --terraform`` harness.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path

_SOURCE = re.compile(r'^\s*source\s*=\s*"(\.{1,2}/[^"]*)"', re.M)


def module_tf_files(folder: Path) -> list[Path]:
    """A module's .tf files, its submodules' included (``modules/<sub>/*.tf``); tests and the tool folders
    a `terraform init` in templates/modules leaves (``.terraform/`` holds copies of modules) excluded."""
    from .writer import TOOL_ARTIFACTS  # writer -> render -> here

    found = []
    for current, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in TOOL_ARTIFACTS and d != "tests"]
        found += [Path(current) / f for f in files if f.endswith(".tf") and f not in TOOL_ARTIFACTS]
    return sorted(found)


def _direct(modules_dir: str, module: str) -> frozenset[str]:
    # not cached: a few small files per module, and a cache would miss edits in a long-lived process
    folder = Path(modules_dir) / module
    found: set[str] = set()
    for path in module_tf_files(folder):
        here = path.parent.relative_to(modules_dir).as_posix()
        for source in _SOURCE.findall(path.read_text(encoding="utf-8")):
            target = posixpath.normpath(posixpath.join(here, source))
            top = target.split("/")[0]
            if top not in ("..", module) and (Path(modules_dir) / top).is_dir():
                found.add(top)
    return frozenset(found)


def module_dependencies(modules_dir: Path, module: str) -> frozenset[str]:
    """The sibling modules ``module`` calls, directly or through them (``module`` itself excluded)."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        for dep in _direct(str(modules_dir), todo.pop()):
            if dep not in seen and dep != module:
                seen.add(dep)
                todo.append(dep)
    return frozenset(seen)


def with_dependencies(modules_dir: Path, modules: set[str] | frozenset[str]) -> set[str]:
    """``modules`` and every sibling module they call."""
    result = set(modules)
    for module in modules:
        result |= module_dependencies(modules_dir, module)
    return result
