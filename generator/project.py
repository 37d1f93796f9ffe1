"""Where things live in an fgen repository, and the names that may become paths."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, Problem

CUSTOMER_FILE = "customer.yaml"
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")
_ENV = re.compile(r"^[a-z][a-z0-9]{1,11}$")


@dataclass(frozen=True)
class Project:
    """An fgen repository: ``customers/``, ``templates/`` and ``output/`` under one root."""

    root: Path
    use_cache: bool = True  # may fgen read and fill .fgen-cache/ (compiled templates, verdicts)?

    @property
    def customers_dir(self) -> Path:
        return self.root / "customers"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def profiles_dir(self) -> Path:
        return self.templates_dir / "profiles"

    @property
    def modules_dir(self) -> Path:
        return self.templates_dir / "modules"

    @property
    def output_dir(self) -> Path:
        return self.root / "output"

    @property
    def state_dir(self) -> Path:
        """fgen's own bookkeeping inside output/ (locks, staging folders); git-ignored."""
        return self.output_dir / ".fgen"

    @property
    def cache_dir(self) -> Path:
        return self.root / ".fgen-cache"

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def customer_dir(self, name: str) -> Path:
        check_customer_name(name)
        return self.customers_dir / name

    def customer_output(self, name: str) -> Path:
        check_customer_name(name)
        return self.output_dir / name

    def customer_names(self) -> list[str]:
        """Every customer folder; a folder whose name is not a valid customer name is an error."""
        if not self.customers_dir.is_dir():
            return []
        names = []
        problems = []
        seen: dict[str, str] = {}
        for entry in sorted(self.customers_dir.iterdir()):
            if entry.name.startswith(".") or not entry.is_dir():
                continue
            if not _NAME.fullmatch(entry.name):
                problems.append(Problem(self.rel(entry), 0, "", "not a valid customer name: lowercase letters, "
                                        "digits and '-', 2-32 characters, starting with a letter"))
                continue
            if entry.name.lower() in seen:
                problems.append(Problem(self.rel(entry), 0, "", f"differs from {seen[entry.name.lower()]} only by case"))
            seen[entry.name.lower()] = entry.name
            names.append(entry.name)
        if problems:
            raise InputError(problems)
        return names


def check_customer_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise InputError(Problem("", 0, "", f"invalid customer name {name!r}: use lowercase letters, digits and '-', "
                                 "2-32 characters, starting with a letter (no '/', '..' or hidden names)"))
    return name


def check_env_name(name: str, where: str = "") -> str:
    if not _ENV.fullmatch(name):
        raise InputError(Problem(where, 0, "", f"invalid environment name {name!r}: 2-12 lowercase letters and "
                                 "digits, starting with a letter"))
    return name


def find_project(start: Path | None = None) -> Project:
    """The nearest folder upwards holding ``templates/profiles`` (or ``$FGEN_ROOT``)."""
    env = os.environ.get("FGEN_ROOT")
    if env:
        return Project(Path(env).resolve())
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "templates" / "profiles").is_dir():
            return Project(folder)
    raise InputError("not inside an fgen repository: no templates/profiles folder here or above (set FGEN_ROOT)")
