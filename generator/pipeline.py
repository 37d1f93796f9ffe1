"""One customer through the whole pipeline: resolve -> plan -> validate -> compare or write.

``run_customers`` first builds and checks the estate (every customer, once, in this process:
generator/estate_stage.py), then fans customers out over worker processes; each worker gets its
customer's small estate views, handles whole customers and sends back a small summary, so memory
stays bounded however many customers there are. Workers die with the parent however it dies
(``_worker_started``); Ctrl-C and SIGTERM stop the pool and raise ``Interrupted`` (each customer's
tree is swapped in whole or not at all).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator, Literal

from .cache import ParseCache
from .errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, FgenError, Problem, ValidationFailed
from .estate import Estate, EstateView
from .estate_stage import attach_views, load_estate
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
    removed_tool_artifacts: list[str] = field(default_factory=list)  # lock files, caches of removed units
    warnings: list[str] = field(default_factory=list)  # did not stop the write (see Changes.warnings)
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


def planned_tree(project: Project, customer: str, options: Options, cache: ParseCache,
                 views: dict[str, EstateView] | None = None) -> dict[str, str]:
    """The validated tree fgen would write for ``customer`` (raises FgenError on any problem).
    ``views``: each environment's view of the estate (None: each environment planned on its own)."""
    plan = plan_customer(project, attach_views(resolve_customer(project, customer), views))
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


def process_customer(root: str, customer: str, options: Options,
                     views: dict[str, EstateView] | None = None) -> CustomerResult:
    project = Project(Path(root), use_cache=options.use_cache)
    cache = ParseCache(project.cache_dir if options.use_cache else None,
                       second_parser=options.second_parser or options.mode == "validate")
    try:
        if options.mode == "validate":
            return _validate_committed(project, customer, cache)
        tree = planned_tree(project, customer, options, cache, views)
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
    result.removed_tool_artifacts = changes.removed_tool_artifacts
    result.warnings = changes.warnings


class Interrupted(BaseException):
    """The run was stopped by SIGINT or SIGTERM (a BaseException: no ``except Exception`` swallows it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.exit_code = 128 + signum

    def __str__(self) -> str:
        return (f"interrupted ({signal.Signals(self.signum).name}); trees of customers not yet written are "
                "unchanged (each customer's tree is swapped in whole or not at all)")


_PR_SET_PDEATHSIG = 1


def _worker_started(parent: int) -> None:
    """Pool initializer: the worker dies with its parent, however the parent dies.

    Linux sends the worker SIGKILL when the parent goes (PR_SET_PDEATHSIG; it fires when the thread
    that spawned the worker exits, and run_customers spawns from the thread that waits for the
    results). Elsewhere, and in case that is unavailable, a thread watches for the worker being
    re-parented. The parent may have died before this ran: then the worker exits at once.
    Ctrl-C reaches the whole process group; only the parent acts on it (it stops the workers).
    """
    _set_parent_death_signal()
    if os.getppid() != parent:
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked since spawn (run_customers)
    signal.signal(signal.SIGTERM, _exit_worker)
    threading.Thread(target=_watch_parent, args=(parent,), name="fgen-parent-watch", daemon=True).start()


def _set_parent_death_signal() -> None:
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass


def _watch_parent(parent: int, interval: float = 0.2) -> None:
    while os.getppid() == parent:
        time.sleep(interval)
    os._exit(1)


_stopping = False


def _exit_worker(signum: int, _frame) -> None:
    """SIGTERM from ``_stop``: unwind (a write in progress cleans up), then exit quietly."""
    global _stopping
    _stopping = True
    raise SystemExit(128 + signum)


def _worker_customer(root: str, customer: str, options: Options,
                     views: "dict[str, EstateView] | None" = None) -> CustomerResult:
    """``process_customer`` in a pool worker. The pool's worker loop catches BaseException per task
    and would go on to the next queued customer after SIGTERM; this ends the process instead, once
    the write in progress has cleaned up (``_exit_worker``'s SystemExit unwound through it)."""
    if _stopping:  # SIGTERM arrived between two tasks: start nothing more
        os._exit(143)
    try:
        return process_customer(root, customer, options, views)
    except SystemExit:
        os._exit(143)


def _raise_interrupted(signum: int, _frame) -> None:
    raise Interrupted(signum)


@contextmanager
def _interruptible() -> Iterator[None]:
    """SIGTERM raises ``Interrupted`` like Ctrl-C raises KeyboardInterrupt (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupted)
    try:
        yield
    except KeyboardInterrupt:
        raise Interrupted(signal.SIGINT) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


def _stop(pool: ProcessPoolExecutor, grace: float = 5.0) -> None:
    """Cancel what has not started and end the workers: SIGTERM first, SIGKILL after ``grace``."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # no public accessor
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + grace
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join(1.0)


def run_customers(project: Project, customers: list[str], options: Options, jobs: int | None = None,
                  progress=None, estate: Estate | None = None) -> list[CustomerResult]:
    """Every customer through the pipeline, in worker processes when there are several. Rendering and
    validating first need the checked estate (raises InputError, before anything is written, when it
    has problems). Raises ``Interrupted`` on Ctrl-C or SIGTERM after stopping
    every worker."""
    estate = estate if estate is not None else load_estate(project, options.use_cache)
    views: dict[str, dict[str, EstateView]] = {name: estate.views(name) for name in customers}
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(customers) or 1))
    with _interruptible():
        if jobs == 1:
            results = []
            for name in customers:
                results.append(process_customer(str(project.root), name, options, views.get(name)))
                if progress:
                    progress()
            return results
        # "spawn", not "fork": pygohcl embeds the Go runtime, whose threads do not survive a fork
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_worker_started,
                                   initargs=(os.getpid(),))
        try:
            # workers are spawned by submit(): they start with Ctrl-C blocked (the mask survives exec) until
            # their initializer ignores it; one pressed meanwhile reaches this process when unblocked
            held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                futures = [pool.submit(_worker_customer, str(project.root), name, options, views.get(name))
                           for name in customers]
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
            results = []
            for future in futures:
                results.append(future.result())
                if progress:
                    progress()
        except BaseException:
            _stop(pool)
            raise
        pool.shutdown()
        return results


def overall_exit(results: list[CustomerResult]) -> int:
    codes = {r.exit_code for r in results}
    if EXIT_BAD_INPUT in codes:
        return EXIT_BAD_INPUT
    if EXIT_FAILED in codes:
        return EXIT_FAILED
    return EXIT_OK


__all__ = ["Options", "CustomerResult", "Interrupted", "process_customer", "run_customers", "overall_exit", "Problem"]
