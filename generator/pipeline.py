"""One customer through the whole pipeline: resolve -> plan -> validate -> compare or write.

``run_customers`` fans customers out over worker processes; each worker handles whole customers
and sends back a small summary, so memory stays bounded however many customers there are.
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from .cache import ParseCache
from .errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, FgenError, Problem, ValidationFailed
from .plan import plan_customer
from .project import Project
from .resolve import resolve_customer
from .validate import validate_tree
from .writer import Changes, compare, read_tree, refuse_symlinks, unified_diff, write_customer

Mode = Literal["write", "check", "diff", "validate"]


@dataclass
class Options:
    mode: Mode = "write"
    environments: tuple[str, ...] = ()
    allow_unit_removal: bool = False
    lock_timeout: float = 60.0
    use_cache: bool = True
    second_parser: bool = False  # also parse with python-hcl2 (always in mode "validate")
    debug: bool = False


@dataclass
class CustomerResult:
    customer: str
    status: str  # written | unchanged | differs | valid | invalid | error
    exit_code: int = EXIT_OK
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    unmanaged: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    diff: str = ""
    files: int = 0

    def to_json(self) -> dict:
        data = asdict(self)
        if not self.diff:
            data.pop("diff")
        return data


def _env_of(path: str) -> str | None:
    parts = path.split("/")
    if parts[:2] == ["infra", "environments"] and len(parts) == 3:  # the plain root's <env>.tfvars|.backend.hcl
        return parts[2].removesuffix(".tfvars").removesuffix(".backend.hcl")
    if parts[:2] == ["infra", "environments"] and len(parts) > 2:
        return parts[2]
    if parts[:2] == ["infra", "config"] and len(parts) == 3:
        return parts[2].removesuffix(".hcl")
    return None


def planned_tree(project: Project, customer: str, options: Options, cache: ParseCache) -> dict[str, str]:
    """The validated tree fgen would write for ``customer`` (raises FgenError on any problem)."""
    resolved = resolve_customer(project, customer)
    plan = plan_customer(project, resolved)
    tree = {path: f.content for path, f in plan.files.items()}
    if options.environments:
        disk = read_tree(project.customer_output(customer)).generated
        selected = set(options.environments)
        scoped = {}
        for path in sorted(set(tree) | set(disk)):
            env = _env_of(path)
            if env is None or env in selected:
                if path in tree:
                    scoped[path] = tree[path]
            elif path in disk:
                scoped[path] = disk[path]  # other environments stay exactly as they are
        tree = scoped
    problems = validate_tree(tree, f"output/{customer}", cache)
    if problems:
        raise ValidationFailed(problems)
    return tree


def process_customer(root: str, customer: str, options: Options) -> CustomerResult:
    project = Project(Path(root), use_cache=options.use_cache)
    cache = ParseCache(project.cache_dir if options.use_cache else None,
                       second_parser=options.second_parser or options.mode == "validate")
    try:
        if options.mode == "validate":
            return _validate_committed(project, customer, cache)
        tree = planned_tree(project, customer, options, cache)
        result = CustomerResult(customer, "unchanged", files=len(tree))
        if options.mode == "write":
            changes = write_customer(project, customer, tree, allow_unit_removal=options.allow_unit_removal,
                                     lock_timeout=options.lock_timeout)
            _fill(result, changes)
            result.status = "written" if changes.changed else "unchanged"
        else:
            refuse_symlinks(project, customer)
            disk = read_tree(project.customer_output(customer))
            changes = compare(tree, disk)
            _fill(result, changes)
            if changes.changed:
                result.status = "differs"
                result.exit_code = EXIT_FAILED
                if options.mode == "diff":
                    result.diff = unified_diff(tree, disk, f"output/{customer}")
        return result
    except FgenError as exc:
        status = "invalid" if exc.exit_code == EXIT_FAILED else "error"
        return CustomerResult(customer, status, exc.exit_code, problems=[str(p) for p in exc.problems])
    except Exception as exc:  # a bug: report it, with the traceback under --debug
        detail = traceback.format_exc() if options.debug else f"{type(exc).__name__}: {exc} (run with --debug)"
        return CustomerResult(customer, "error", EXIT_FAILED, problems=[f"internal error: {detail}"])


def _validate_committed(project: Project, customer: str, cache: ParseCache) -> CustomerResult:
    target = project.customer_output(customer)
    if not target.is_dir():
        return CustomerResult(customer, "invalid", EXIT_FAILED,
                              problems=[f"output/{customer}: no generated tree; run `fgen render {customer}`"])
    disk = read_tree(target)
    problems = validate_tree(disk.generated, f"output/{customer}", cache)
    result = CustomerResult(customer, "valid" if not problems else "invalid",
                            EXIT_OK if not problems else EXIT_FAILED, files=len(disk.generated))
    result.problems = [str(p) for p in problems]
    result.unmanaged = disk.unmanaged
    return result


def _fill(result: CustomerResult, changes: Changes) -> None:
    result.missing, result.stale, result.extra = changes.missing, changes.stale, changes.extra
    result.unmanaged = changes.unmanaged


def check_estate(project: Project, customers: list[str]) -> None:
    """The estate check before any customer is planned: names AWS requires unique and per-account
    quotas across ALL of the project's customers (raises InputError, exit 2, nothing written)."""
    from .estate_names import check_estate_names

    check_estate_names(project, customers)


def run_customers(project: Project, customers: list[str], options: Options, jobs: int | None = None,
                  progress=None) -> list[CustomerResult]:
    """Raises InputError when the estate check fails (before anything is written)."""
    check_estate(project, customers)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(customers) or 1))
    if jobs == 1:
        results = []
        for name in customers:
            results.append(process_customer(str(project.root), name, options))
            if progress:
                progress()
        return results
    # "spawn", not "fork": pygohcl embeds the Go runtime, whose threads do not survive a fork
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = [pool.submit(process_customer, str(project.root), name, options) for name in customers]
        results = []
        for future in futures:
            results.append(future.result())
            if progress:
                progress()
        return results


def overall_exit(results: list[CustomerResult]) -> int:
    codes = {r.exit_code for r in results}
    if EXIT_BAD_INPUT in codes:
        return EXIT_BAD_INPUT
    if EXIT_FAILED in codes:
        return EXIT_FAILED
    return EXIT_OK


__all__ = ["Options", "CustomerResult", "process_customer", "run_customers", "overall_exit", "Problem"]
