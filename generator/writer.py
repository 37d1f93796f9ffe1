"""Compare a customer's planned tree with the disk, and swap the new tree in atomically.

fgen owns only files that carry its header. Everything else under ``output/<customer>/`` is
preserved byte for byte (hard-linked into the new tree) and reported, never modified or removed.
Terraform's and Terragrunt's own files (``TOOL_ARTIFACTS``) are not even looked into: they are
moved into the new tree whole, by rename, just before the swap (see ``_move_tool_artifacts``).
"""

from __future__ import annotations

import difflib
import os
import shutil
import stat
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Problem, WriteError
from .fsutil import customer_lock, exchange_dirs, fsync_dir, recover
from .project import Project
from .render import is_generated

#: tool folders and files Terragrunt/Terraform create next to units and in the plain root: never read,
#: never reported, never descended into; carried into every new tree as they are
TOOL_ARTIFACTS = {".terragrunt-cache", ".terraform", ".terraform.lock.hcl", "backend.tf", "provider.tf"}


@dataclass
class DiskTree:
    generated: dict[str, str] = field(default_factory=dict)
    unmanaged: list[str] = field(default_factory=list)
    #: paths of the TOOL_ARTIFACTS entries (folders or files), not looked into
    tool_artifacts: list[str] = field(default_factory=list)


@dataclass
class Changes:
    """How the disk differs from the plan, per file path (relative to ``output/<customer>/``)."""

    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    unmanaged: list[str] = field(default_factory=list)
    removed_units: list[str] = field(default_factory=list)
    #: tool artifacts (lock files, caches) inside removed units: deleted with their unit's folder
    removed_tool_artifacts: list[str] = field(default_factory=list)
    #: things the user should know that did not stop the write (a leftover old tree, a recovered lock file)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.missing or self.stale or self.extra)


def refuse_symlinks(project: Project, customer: str) -> None:
    """No link anywhere on the write path: output/, output/<customer>/ or anything in it, except
    inside Terraform's and Terragrunt's own folders (their plugin cache links providers), which
    fgen never writes into."""
    problems = []
    for path in (project.output_dir, project.customer_output(customer)):
        if path.is_symlink():
            problems.append(Problem(project.rel(path), 0, "", "is a symbolic link; fgen does not write through links"))
    target = project.customer_output(customer)
    if not problems and target.is_dir():
        for folder, dirs, files in os.walk(target):
            for name in dirs + files:
                path = Path(folder) / name
                if name not in TOOL_ARTIFACTS and path.is_symlink():
                    problems.append(Problem(project.rel(path), 0, "", "is a symbolic link; fgen does not write "
                                            "through links (remove it and render again)"))
            dirs[:] = [d for d in dirs if d not in TOOL_ARTIFACTS and not (Path(folder) / d).is_symlink()]
    if problems:
        raise WriteError(problems)


def read_tree(root: Path) -> DiskTree:
    """fgen's files (by their header) and everything else, reading only regular files outside tool folders."""
    tree = DiskTree()
    if not root.is_dir():
        return tree
    for folder, dirs, files in os.walk(root):
        rel_folder = Path(folder).relative_to(root)
        tree.tool_artifacts.extend((rel_folder / n).as_posix() for n in sorted(dirs + files) if n in TOOL_ARTIFACTS)
        dirs[:] = sorted(d for d in dirs if d not in TOOL_ARTIFACTS)
        for name in sorted(files):
            path = Path(folder) / name
            rel = path.relative_to(root).as_posix()
            if name in TOOL_ARTIFACTS:
                continue
            try:
                if not stat.S_ISREG(path.stat().st_mode):  # a FIFO or device would block or never end
                    tree.unmanaged.append(rel)
                    continue
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
    removed = set(changes.removed_units)
    for artifact in disk.tool_artifacts:  # a tool artifact belongs to the nearest unit folder above it
        folder = os.path.dirname(artifact)
        while folder and folder not in planned_units and folder not in removed:
            folder = os.path.dirname(folder)
        if folder in removed:
            changes.removed_tool_artifacts.append(artifact)
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


def removal_message(customer: str, unit: str, planned_units: Iterable[str] = ()) -> str:
    """What to do before a unit's folder may go. ``unit``: infra/environments/<env>/<unit>;
    ``planned_units``: the unit folders of the new tree (a promoted standby's tell which ones moved)."""
    parts = unit.split("/")
    env, name = (parts[2], "/".join(parts[3:])) if len(parts) > 3 else ("", unit)
    destroy = f"`cd output/{customer}/{unit} && terragrunt destroy`"
    planned = set(planned_units)
    if env and not name.startswith("standby/") and any(u.startswith(f"infra/environments/{env}/standby/")
                                                       for u in planned):
        successor = f"infra/environments/{env}/standby/{name}"
        role = (f"its job moves to the standby's {successor}" if successor in planned
                else "the promoted standby does without it")
        return (f"the warm standby of {customer}/{env} is promoted (standby.promoted: true in "
                f"customers/{customer}/{env}.yaml): this unit of the old primary region leaves the tree ({role}). "
                f"If that region is reachable, destroy it first ({destroy}); if it is down, apply the standby "
                f"first and, once the region is back, destroy it or drop its state (`terragrunt state rm` of each "
                f"resource in output/{customer}/{unit}), so the old primary never takes writes again (RUNBOOK: "
                "Warm standby). Then render with --allow-unit-removal")
    if name == "account_baseline":
        return ("this render moves the account baseline (GuardDuty detector, Security Hub, AWS Config recorder) of "
                f"this account and region away from {customer}/{env} (`fgen accounts` shows the new owner). AWS "
                f"allows one of each per account and region, so either keep it here: set `aws.baseline_owner: true` "
                f"in customers/{customer}/{env}.yaml (if the environment stays); or move it keeping the detector and "
                f"Security Hub with their findings: `terragrunt state rm` its resources in output/{customer}/{unit} and "
                "`terragrunt import` them in the new owner's account_baseline unit (README: Shared AWS accounts, "
                f"Moving ownership), then render with --allow-unit-removal; or, losing that history, destroy it first "
                f"({destroy}) right before applying the new owner's unit, then render with --allow-unit-removal")
    if name == "ecr":
        return (f"this render moves the ECR repositories of {customer} in this account and region away from "
                f"{customer}/{env} (`fgen accounts` shows the new owner); the repositories (and their images) are "
                f"the same names, so either keep them here: set `ecr.owner: true` in customers/{customer}/{env}.yaml; "
                f"or move them: destroy them first ({destroy}; repositories holding images need ecr.force_delete), "
                "apply the new owner's ecr unit and push the images again, then render with --allow-unit-removal")
    return ("this render would remove the unit, but deleting its folder leaves its infrastructure running: destroy it "
            f"first ({destroy}), then render with --allow-unit-removal (which deletes the folder with its "
            ".terraform.lock.hcl and .terragrunt-cache/)")


def write_customer(project: Project, customer: str, planned: dict[str, str], *, allow_unit_removal: bool = False,
                   lock_timeout: float = 60.0) -> Changes:
    """Swap in the planned tree under the customer's lock; returns what changed.

    Writes nothing when the disk already matches. Refuses (exit 1) to remove units unless allowed,
    to overwrite unmanaged files, and to follow symbolic links. Tool artifacts move into the new tree
    whole; those of a removed unit are deleted with it (``Changes.removed_tool_artifacts``).
    """
    target = project.customer_output(customer)
    refuse_symlinks(project, customer)
    staging_root = project.state_dir / "tmp"
    with customer_lock(project.state_dir / "locks", customer, lock_timeout):
        recover(target)
        recovered = _clean_leftovers(staging_root, customer, target)
        refuse_symlinks(project, customer)
        disk = read_tree(target)
        changes = compare(planned, disk)
        changes.warnings += [f"output/{customer}/{rel}: a run killed mid-write had kept this Terraform/Terragrunt "
                             f"file aside, and the unit has a newer one since; kept as output/{customer}/{kept} "
                             "(compare, keep what you need, delete the other)" for rel, kept in recovered]
        clash = conflicts(planned, disk)
        if clash:
            raise WriteError([Problem(f"output/{customer}/{p}", 0, "", "exists without fgen's header; fgen will not "
                                      "overwrite a hand-written file (move it away, then render again)") for p in clash])
        if changes.removed_units and not allow_unit_removal:
            planned_units = {os.path.dirname(p) for p in planned if p.endswith("/terragrunt.hcl")}
            raise WriteError([Problem(f"output/{customer}/{u}", 0, "", removal_message(customer, u, planned_units))
                              for u in changes.removed_units])
        if not changes.changed:
            return changes
        staging = staging_root / f"{customer}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
        existed = target.exists()
        try:
            _build(staging, target, planned, disk)
            if existed:
                moving = [a for a in disk.tool_artifacts if a not in set(changes.removed_tool_artifacts)]
                unmovable = _unmovable(target, staging, moving, f"output/{customer}")
                if unmovable:
                    raise WriteError(unmovable)
                # last step before the swap, so the old tree lacks them for the shortest time; a run
                # killed in between leaves them in staging, and the next run puts them back
                _move_tool_artifacts(target, staging, moving, f"output/{customer}")
                exchange_dirs(staging, target)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.rename(staging, target)
        except BaseException as exc:  # OSError, or an interruption (Ctrl-C, SIGTERM) mid-way
            recover(target)
            if _return_tool_artifacts(staging, target, []):  # a stranded one kept beside shows as not fgen's
                shutil.rmtree(staging, ignore_errors=True)
            if not isinstance(exc, OSError):
                raise
            raise WriteError(Problem(project.rel(target), 0, "", f"could not write the tree ({exc.strerror or exc}); "
                                     "the previous tree is unchanged")) from None
        # swapped: the new tree is live; what follows can no longer fail the write
        try:
            fsync_dir(target.parent)
            if existed:
                shutil.rmtree(staging)  # the old tree, with the removed units' tool artifacts
        except OSError as exc:
            changes.warnings.append(f"the new tree is in place, but tidying up failed ({exc.strerror or exc}); the "
                                    f"old tree is left in {project.rel(staging)} and removed by the next run")
        return changes


def _build(staging: Path, current: Path, planned: dict[str, str], disk: DiskTree) -> None:
    staging.mkdir(parents=True)
    for rel, content in planned.items():
        path = staging / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(content)
    # everything else fgen does not own moves over untouched (tool artifacts later, by rename)
    for folder, dirs, files in os.walk(current):
        dirs[:] = [d for d in dirs if d not in TOOL_ARTIFACTS]
        rel_folder = Path(folder).relative_to(current)
        for name in files:
            rel = (rel_folder / name).as_posix()
            if rel in disk.generated or name in TOOL_ARTIFACTS:
                continue
            destination = staging / rel
            destination.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(Path(folder) / name, destination, follow_symlinks=False)
            except OSError:
                shutil.copy2(Path(folder) / name, destination, follow_symlinks=False)


def _fix_for(shown: str) -> str:
    return (f"fgen moves Terraform's and Terragrunt's folders whole and never copies or deletes them: give it to "
            f"your user (`sudo chown -R $(id -u) {shown}`) or delete it (a cache; `terraform init` or "
            "`terragrunt init` recreates it), then render again")


def _unmovable(current: Path, staging: Path, artifacts: list[str], prefix: str) -> list[Problem]:
    """Tool artifacts a rename into ``staging`` would fail on, found before anything moves: a folder
    fgen may not write (renaming a folder rewrites its ``..``; e.g. root-owned after a Docker run),
    or one on another file system or a mount point (EXDEV/EBUSY). fgen refuses rather than copy
    (a cache may hold FIFOs and huge files) or leave it behind in the old tree, which is deleted."""
    problems = []
    device = staging.stat().st_dev
    for rel in artifacts:
        path = current / rel
        try:
            info = path.lstat()
        except FileNotFoundError:
            continue
        reason = None
        if info.st_dev != device or (stat.S_ISDIR(info.st_mode) and os.path.ismount(path)):
            reason = "is on another file system or is a mount point, so it cannot be moved into the new tree"
        elif stat.S_ISDIR(info.st_mode) and not os.access(path, os.W_OK, follow_symlinks=False):
            reason = "is not writable by fgen's user, so it cannot be moved into the new tree"
        if reason:
            problems.append(Problem(f"{prefix}/{rel}", 0, "", f"{reason}; {_fix_for(f'{prefix}/{rel}')}"))
    return problems


def _move_tool_artifacts(current: Path, staging: Path, artifacts: list[str], prefix: str) -> None:
    """Rename Terraform's and Terragrunt's folders and files into the new tree: one rename each,
    whatever their size; links inside them stay links to the same targets, inodes and times unchanged.
    A rename that fails anyway raises WriteError naming it (the caller moves the others back)."""
    for rel in artifacts:
        destination = staging / rel
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(current / rel, destination)
        except FileNotFoundError:  # removed meanwhile (`terragrunt` clean-up): nothing to carry
            continue
        except OSError as exc:
            shown = f"{prefix}/{rel}" if prefix else rel
            raise WriteError(Problem(shown, 0, "", f"cannot be moved into the new tree ({exc.strerror or exc}); "
                                     f"nothing was written; {_fix_for(shown)}")) from None


def _return_tool_artifacts(staging: Path, target: Path, recovered: list[tuple[str, str]]) -> bool:
    """Put tool artifacts an interrupted write had moved into ``staging`` back into ``target``.

    Judged by what is on disk, so it is right before and after the swap: before, ``staging`` holds
    them and ``target`` (the old tree) lacks them; after, ``staging`` is the old tree and holds only
    those of removed units, whose folders ``target`` no longer has. When the unit has a new one
    meanwhile (the user ran `terraform init` after a killed run), the stranded one is kept beside it
    as ``<name>.fgen-recovered-<UTC time>`` and listed in ``recovered`` (path, kept as): a user's
    lock file is never deleted silently. False when one could not be moved back: then ``staging``
    must be kept (the next run tries again).
    """
    if not staging.is_dir() or not target.is_dir():
        return True
    returned = True
    for folder, dirs, files in os.walk(staging):
        rel_folder = Path(folder).relative_to(staging)
        for name in sorted(dirs + files):
            if name in TOOL_ARTIFACTS:
                home = target / rel_folder / name
                if not home.parent.is_dir():
                    continue  # a removed unit's: deleted with it
                if os.path.lexists(home):
                    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
                    kept = home.with_name(f"{name}.fgen-recovered-{stamp}")
                    if os.path.lexists(kept):
                        kept = home.with_name(f"{kept.name}-{uuid.uuid4().hex[:6]}")
                    try:
                        os.rename(Path(folder) / name, kept)
                        recovered.append(((rel_folder / name).as_posix(), (rel_folder / kept.name).as_posix()))
                    except OSError:
                        returned = False
                    continue
                try:
                    os.rename(Path(folder) / name, home)
                except OSError:
                    returned = False
        dirs[:] = [d for d in dirs if d not in TOOL_ARTIFACTS]
    return returned


def _clean_leftovers(staging_root: Path, customer: str, target: Path) -> list[tuple[str, str]]:
    """Staging folders of this customer left by a killed run (we hold its lock, so none is in use);
    tool artifacts the run had moved there go back into the customer's tree first. Returns the
    stranded ones kept beside a newer one (see ``_return_tool_artifacts``)."""
    recovered: list[tuple[str, str]] = []
    if not staging_root.is_dir():
        return recovered
    for entry in staging_root.iterdir():
        if entry.name.startswith(f"{customer}."):
            if _return_tool_artifacts(entry, target, recovered):
                shutil.rmtree(entry, ignore_errors=True)
    return recovered
