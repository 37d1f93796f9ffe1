"""`fgen preview add/remove`: edit the ``previews`` section of an environment manifest.

The edit is textual and touches only the lines of the ``previews`` section (the entry added or
removed, and the section's own header when it appears or disappears): the user's comments, key
order, quoting and layout elsewhere stay byte for byte. The result is validated by resolving the
whole customer with the edited text *before* anything is written, then written atomically
(temporary file in the same folder, fsync, rename).
"""

from __future__ import annotations

import datetime
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .components.preview import branch_slug, destroy_command, preview_folder, today
from .errors import InputError, Problem
from .project import Project, check_customer_name, check_env_name
from .resolve import environment_files, resolve_customer
from .yamlload import parse_yaml

_PLAIN_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9._/+@-]*$")
#: plain scalars YAML 1.1 reads as something other than a string
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
_BRANCH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/+@-]*$")


@dataclass
class Edit:
    path: Path
    display: str
    old: str
    new: str


def _key(branch: str) -> str:
    if _PLAIN_KEY.fullmatch(branch) and branch.lower() not in _YAML_WORDS:
        return branch
    return json.dumps(branch)  # a JSON string is a valid double-quoted YAML scalar


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _section(lines: list[str], start: int) -> int:
    """Index after the last line of the top-level block starting at ``start`` (trailing blank and
    comment lines stay outside: they belong to what follows)."""
    end = start + 1
    last = start + 1
    while end < len(lines):
        if _is_content(lines[end]) and _indent(lines[end]) == 0:
            break
        if _is_content(lines[end]):
            last = end + 1
        end += 1
    return last


def _entry_lines(branch: str, services: list[str] | None, expires: datetime.date, image_tag: str | None,
                 indent: int) -> list[str]:
    """One preview entry at ``indent``, its settings one more step (the file's own step) in."""
    pad = " " * indent
    inner = pad * 2
    lines = [f"{pad}{_key(branch)}:\n"]
    if services:
        lines.append(f"{inner}services: [{', '.join(services)}]\n")
    lines.append(f"{inner}expires: {expires.isoformat()}\n")
    if image_tag:
        lines.append(f"{inner}image_tag: {json.dumps(image_tag)}\n")
    return lines


def add_entry(text: str, display: str, branch: str, services: list[str] | None, expires: datetime.date,
              image_tag: str | None) -> str:
    doc = parse_yaml(text.encode("utf-8"), display)
    current = doc.data.get("previews")
    if current is not None and not isinstance(current, dict):
        raise InputError(Problem(display, doc.line_of(("previews",)), "previews", "must be a mapping of branch "
                                 "names to previews"))
    if current and branch in current:
        raise InputError(Problem(display, doc.line_of(("previews", branch)), f"previews.{branch}",
                                 f"a preview of branch {branch!r} exists already"))
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    if "previews" not in doc.data:
        block = ["\n", "previews:\n"] + _entry_lines(branch, services, expires, image_tag, 2)
        while lines and not lines[-1].strip():
            lines.pop()
        return "".join(lines + block)
    start = doc.line_of(("previews",)) - 1
    header = lines[start]
    if not current:  # `previews: {}` or `previews:` with nothing (null)
        if not re.match(r"^previews:\s*(\{\s*\}|null|~)?\s*(#.*)?$", header.rstrip("\n")):
            raise InputError(Problem(display, start + 1, "previews", "cannot edit this previews section "
                                     "automatically; write it as a block mapping"))
        comment = header[header.index("#"):].rstrip("\n") if "#" in header else ""
        new = [f"previews:{'  ' + comment if comment else ''}\n"] + _entry_lines(branch, services, expires,
                                                                                  image_tag, 2)
        return "".join(lines[:start] + new + lines[start + 1:])
    first = doc.line_of(("previews", next(iter(current)))) - 1
    if first == start:
        raise InputError(Problem(display, start + 1, "previews", "cannot edit a flow-style previews section "
                                 "automatically; write it as a block mapping"))
    end = _section(lines, start)
    entry = _entry_lines(branch, services, expires, image_tag, _indent(lines[first]))
    return "".join(lines[:end] + entry + lines[end:])


def remove_entry(text: str, display: str, branch: str) -> str:
    doc = parse_yaml(text.encode("utf-8"), display)
    current = doc.data.get("previews")
    if not isinstance(current, dict) or branch not in current:
        known = ", ".join(sorted(current)) if isinstance(current, dict) and current else "none"
        raise InputError(Problem(display, doc.line_of(("previews",)) if "previews" in doc.data else 0, "previews",
                                 f"no preview of branch {branch!r} (previews: {known})"))
    lines = text.splitlines(keepends=True)
    start = doc.line_of(("previews",)) - 1
    first = doc.line_of(("previews", branch)) - 1
    if first == start:
        raise InputError(Problem(display, start + 1, "previews", "cannot edit a flow-style previews section "
                                 "automatically; write it as a block mapping"))
    indent = _indent(lines[first])
    end = first + 1
    last = first + 1
    section_end = _section(lines, start)
    while end < section_end:
        if _is_content(lines[end]) and _indent(lines[end]) <= indent:
            break
        if _is_content(lines[end]):
            last = end + 1
        end += 1
    if len(current) == 1:
        # the section is now empty: drop its header too, and the blank line and comments that led into it
        begin = start
        while begin > 0 and lines[begin - 1].lstrip().startswith("#"):
            begin -= 1
        if begin > 0 and not lines[begin - 1].strip():
            begin -= 1
        return "".join(lines[:begin] + lines[section_end:])
    # comment lines right above the entry, at its indentation, describe it: they go with it
    while first - 1 > start and lines[first - 1].strip().startswith("#") and _indent(lines[first - 1]) == indent:
        first -= 1
    return "".join(lines[:first] + lines[last:])


def write_atomically(path: Path, text: str) -> None:
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _manifest(project: Project, customer: str, env: str) -> tuple[Path, str]:
    check_customer_name(customer)
    check_env_name(env)
    files = environment_files(project, customer)
    if env not in files:
        raise InputError(Problem(project.rel(project.customer_dir(customer)), 0, "",
                                 f"no environment '{env}' (have: {', '.join(files)})"))
    return files[env], project.rel(files[env])


def _check_branch(branch: str) -> None:
    if not _BRANCH.fullmatch(branch) or len(branch) > 200 or ".." in branch:
        raise InputError(f"branch {branch!r}: use letters, digits and . _ / + @ - (at most 200 characters, "
                         "starting with a letter or digit)")


def _validated(project: Project, customer: str, path: Path, text: str) -> None:
    """Resolve the whole customer with the edited manifest; raises InputError with every problem."""
    resolve_customer(project, customer, overrides={path: text.encode("utf-8")})


def preview_add(project: Project, customer: str, branch: str, *, env: str = "dev", services: list[str] | None = None,
                expires: str | None = None, image_tag: str | None = None, days: int = 14) -> Edit:
    """Add a preview of ``branch`` to ``<env>.yaml`` (expiring in ``days`` unless ``expires`` is given)."""
    _check_branch(branch)
    path, display = _manifest(project, customer, env)
    if expires is None:
        until = today() + datetime.timedelta(days=days)
    else:
        try:
            until = datetime.date.fromisoformat(expires)
        except ValueError:
            raise InputError(f"--expires {expires!r}: not a date, use YYYY-MM-DD") from None
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", expires):
            raise InputError(f"--expires {expires!r}: use YYYY-MM-DD")
    if until < today():
        raise InputError(f"--expires {until.isoformat()} is in the past")
    if services is not None:
        services = [s.strip() for s in services if s.strip()]
        if not services:
            raise InputError("--services: name at least one service")
        if len(set(services)) != len(services):
            raise InputError(f"--services lists a service more than once: {', '.join(services)}")
    old = path.read_text(encoding="utf-8")
    new = add_entry(old, display, branch, services, until, image_tag)
    _validated(project, customer, path, new)
    write_atomically(path, new)
    return Edit(path, display, old, new)


def preview_remove(project: Project, customer: str, branch: str, *, env: str = "dev") -> Edit:
    path, display = _manifest(project, customer, env)
    old = path.read_text(encoding="utf-8")
    new = remove_entry(old, display, branch)
    _validated(project, customer, path, new)
    write_atomically(path, new)
    return Edit(path, display, old, new)


def next_steps_after_remove(customer: str, env: str, branch: str) -> list[str]:
    slug = branch_slug(branch)
    return [f"destroy the preview's resources first: {destroy_command(customer, env, slug)}",
            f"then: fgen render {customer} --allow-unit-removal  (removes output/{customer}/"
            f"{preview_folder(env, slug)}/ with its lock file and .terragrunt-cache/)",
            "drop its database on the environment's instance if the services created one"]
