"""Compare a customer's planned tree with the disk, and swap the new tree in atomically.

fgen owns only files that carry its header. Everything else under ``output/<customer>/`` is
preserved byte for byte (hard-linked into the new tree) and reported, never modified or removed.
"""

from __future__ import annotations

import difflib
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Problem, WriteError
from .fsutil import customer_lock, exchange_dirs, fsync_dir, recover
from .project import Project
from .render import is_generated

#: tool folders and files Terragrunt/Terraform create next to units; kept, never reported
TOOL_ARTIFACTS = {".terragrunt-cache", ".terraform", ".terraform.lock.hcl", "backend.tf", "provider.tf"}


@dataclass
class DiskTree:
    generated: dict[str, str] = field(default_factory=dict)
    unmanaged: list[str] = field(default_factory=list)


@dataclass
class Changes:
    """How the disk differs from the plan, per file path (relative to ``output/<customer>/``)."""

    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    unmanaged: list[str] = field(default_factory=list)
    removed_units: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.missing or self.stale or self.extra)


def refuse_symlinks(project: Project, customer: str) -> None:
    """No link anywhere on the write path: output/, output/<customer>/ or anything in it."""
    problems = []
    for path in (project.output_dir, project.customer_output(customer)):
        if path.is_symlink():
            problems.append(Problem(project.rel(path), 0, "", "is a symbolic link; fgen does not write through links"))
    target = project.customer_output(customer)
    if not problems and target.is_dir():
        for folder, dirs, files in os.walk(target):
            for name in dirs + files:
                path = Path(folder) / name
                if path.is_symlink():
                    problems.append(Problem(project.rel(path), 0, "", "is a symbolic link; fgen does not write "
                                            "through links (remove it and render again)"))
            dirs[:] = [d for d in dirs if not (Path(folder) / d).is_symlink()]
    if problems:
        raise WriteError(problems)


def read_tree(root: Path) -> DiskTree:
    tree = DiskTree()
    if not root.is_dir():
        return tree
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in TOOL_ARTIFACTS)
        for name in sorted(files):
            path = Path(folder) / name
            rel = path.relative_to(root).as_posix()
            if name in TOOL_ARTIFACTS:
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                tree.unmanaged.append(rel)
                continue
            if is_generated(text):
                tree.generated[rel] = text
            else:
                tree.unmanaged.append(rel)
    return tree


def compare(planned: dict[str, str], disk: DiskTree) -> Changes:
    changes = Changes(unmanaged=list(disk.unmanaged))
    for path, content in planned.items():
        if path not in disk.generated:
            changes.missing.append(path)
        elif disk.generated[path] != content:
            changes.stale.append(path)
    changes.extra = sorted(p for p in disk.generated if p not in planned)
    changes.missing.sort()
    changes.stale.sort()
    planned_units = {os.path.dirname(p) for p in planned if p.endswith("/terragrunt.hcl")}
    changes.removed_units = sorted(os.path.dirname(p) for p in changes.extra
                                   if p.endswith("/terragrunt.hcl") and os.path.dirname(p) not in planned_units)
    return changes


def unified_diff(planned: dict[str, str], disk: DiskTree, prefix: str) -> str:
    out = []
    for path in sorted(set(planned) | set(disk.generated)):
        old = disk.generated.get(path)
        new = planned.get(path)
        if old == new:
            continue
        out.extend(difflib.unified_diff(
            (old or "").splitlines(keepends=True), (new or "").splitlines(keepends=True),
            fromfile=f"a/{prefix}/{path}" if old is not None else "/dev/null",
            tofile=f"b/{prefix}/{path}" if new is not None else "/dev/null"))
    return "".join(out)


def conflicts(planned: dict[str, str], disk: DiskTree) -> list[str]:
    """Planned paths occupied by a file fgen does not own: never overwritten."""
    unmanaged = set(disk.unmanaged)
    return sorted(p for p in planned if p in unmanaged)


def removal_message(customer: str, unit: str) -> str:
    """What to do before a unit's folder may go. ``unit``: infra/environments/<env>/<unit>."""
    parts = unit.split("/")
    env, name = (parts[2], "/".join(parts[3:])) if len(parts) > 3 else ("", unit)
    destroy = f"`cd output/{customer}/{unit} && terragrunt destroy`"
    if name == "account_baseline":
        return ("this render moves the account baseline (GuardDuty detector, Security Hub, AWS Config recorder) of "
                f"this account and region away from {customer}/{env} (`fgen accounts` shows the new owner). AWS "
                f"allows one of each per account and region, so either keep it here: set `aws.baseline_owner: true` "
                f"in customers/{customer}/{env}.yaml (if the environment stays); or move it: destroy it first "
                f"({destroy}), right before applying the new owner's account_baseline unit (detection and "
                "recording pause in between), then render with --allow-unit-removal")
    if name == "ecr":
        return (f"this render moves the ECR repositories of {customer} in this account and region away from "
                f"{customer}/{env} (`fgen accounts` shows the new owner); the repositories (and their images) are "
                f"the same names, so either keep them here: set `ecr.owner: true` in customers/{customer}/{env}.yaml; "
                f"or move them: destroy them first ({destroy}; repositories holding images need ecr.force_delete), "
                "apply the new owner's ecr unit and push the images again, then render with --allow-unit-removal")
    return ("this render would remove the unit, but deleting its folder leaves its infrastructure running: destroy it "
            f"first ({destroy}), then render with --allow-unit-removal")


def write_customer(project: Project, customer: str, planned: dict[str, str], *, allow_unit_removal: bool = False,
                   lock_timeout: float = 60.0) -> Changes:
    """Swap in the planned tree under the customer's lock; returns what changed.

    Writes nothing when the disk already matches. Refuses (exit 1) to remove units unless allowed,
    to overwrite unmanaged files, and to follow symbolic links.
    """
    target = project.customer_output(customer)
    refuse_symlinks(project, customer)
    staging_root = project.state_dir / "tmp"
    with customer_lock(project.state_dir / "locks", customer, lock_timeout):
        recover(target)
        _clean_leftovers(staging_root, customer)
        refuse_symlinks(project, customer)
        disk = read_tree(target)
        changes = compare(planned, disk)
        clash = conflicts(planned, disk)
        if clash:
            raise WriteError([Problem(f"output/{customer}/{p}", 0, "", "exists without fgen's header; fgen will not "
                                      "overwrite a hand-written file (move it away, then render again)") for p in clash])
        if changes.removed_units and not allow_unit_removal:
            raise WriteError([Problem(f"output/{customer}/{u}", 0, "", removal_message(customer, u))
                              for u in changes.removed_units])
        if not changes.changed:
            return changes
        staging = staging_root / f"{customer}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
        try:
            _build(staging, target, planned, disk)
            if target.exists():
                exchange_dirs(staging, target)
                fsync_dir(target.parent)
                shutil.rmtree(staging)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.rename(staging, target)
                fsync_dir(target.parent)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise WriteError(Problem(project.rel(target), 0, "", f"could not write the tree ({exc.strerror or exc}); "
                                     "the previous tree is unchanged")) from None
        return changes


def _build(staging: Path, current: Path, planned: dict[str, str], disk: DiskTree) -> None:
    staging.mkdir(parents=True)
    for rel, content in planned.items():
        path = staging / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(content)
    # everything fgen does not own moves over untouched, tool caches included
    for folder, _dirs, files in os.walk(current):
        rel_folder = Path(folder).relative_to(current)
        for name in files:
            rel = (rel_folder / name).as_posix()
            if rel in disk.generated:
                continue
            destination = staging / rel
            destination.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(Path(folder) / name, destination, follow_symlinks=False)
            except OSError:
                shutil.copy2(Path(folder) / name, destination, follow_symlinks=False)


def _clean_leftovers(staging_root: Path, customer: str) -> None:
    """Staging folders of this customer left by a killed run (we hold its lock, so none is in use)."""
    if not staging_root.is_dir():
        return
    for entry in staging_root.iterdir():
        if entry.name.startswith(f"{customer}."):
            shutil.rmtree(entry, ignore_errors=True)
