"""The estate stage of the pipeline: resolve every customer, build and check the estate once, and
give each customer's planning its environments' views.

It runs in the parent process, before any worker: ownership and collisions depend on all customers,
even when one is rendered. A customer that does not resolve makes the estate unknown: its problems
are reported (exit 2) and nothing is written.

A checked estate is cached under ``.fgen-cache/<fgen key>/estate/<digest>.pickle``, the digest
covering every manifest and profile byte (and fgen's own source through the folder key), so
``fgen render one-customer`` in a repository of a hundred customers does not resolve all of them
each time. Only clean estates are stored: problems are always recomputed and reported.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable
from pathlib import Path

from .cache import cache_key
from .errors import FgenError, InputError, Problem
from .estate import Estate, EstateView
from .project import Project
from .resolve import Customer, resolve_customer

#: every estate-level check: (all resolved customers, the estate) -> problems. The estate's own
#: ownership/image rules come first; other checks (e.g. name collisions) are appended here.
StageCheck = Callable[[list[Customer], Estate], list[Problem]]
def _names(customers: list[Customer], estate: Estate) -> list[Problem]:
    from .estate_names import name_problems

    return name_problems(customers)


def _baseline_prefixes(customers: list[Customer], estate: Estate) -> list[Problem]:
    from .components.baseline import prefix_problems

    return prefix_problems(env for customer in customers for env in customer.contexts())


STAGE_CHECKS: list[StageCheck] = [lambda customers, estate: estate.check(), _names, _baseline_prefixes]


def estate_problems(customers: list[Customer], estate: Estate) -> list[Problem]:
    """Every stage check's problems; the environments see their real views first (what a component
    creates, and so which names it claims, depends on who owns the shared units)."""
    for customer in customers:
        attach(customer, estate)
    problems: list[Problem] = []
    for check in STAGE_CHECKS:
        problems.extend(check(customers, estate))
    return sorted(set(problems))


def manifest_digest(project: Project) -> str:
    """The hash of every file the estate depends on: all customers' manifests and all profiles."""
    digest = hashlib.sha256()
    for folder in (project.customers_dir, project.profiles_dir):
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                digest.update(project.rel(path).encode("utf-8") + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _cache_file(project: Project, digest: str) -> Path:
    return project.cache_dir / cache_key() / "estate" / f"{digest}.pickle"


def _load_cached(path: Path) -> Estate | None:
    try:
        with path.open("rb") as handle:
            estate = pickle.load(handle)  # our own cache folder, written below
    except Exception:  # missing, unreadable or from another layout: a miss
        return None
    return estate if isinstance(estate, Estate) else None


def _store(path: Path, estate: Estate) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(pickle.dumps(estate))
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)  # a read-only or full disk only costs speed


def resolve_all(project: Project) -> list[Customer]:
    """Every customer, resolved; every problem of every customer reported together."""
    customers, problems = [], []
    for name in project.customer_names():
        try:
            customers.append(resolve_customer(project, name))
        except FgenError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return customers


def load_estate(project: Project, use_cache: bool = True) -> Estate:
    """The checked estate of the whole repository (raises InputError with every problem)."""
    path = _cache_file(project, manifest_digest(project)) if use_cache and project.use_cache else None
    if path is not None and (cached := _load_cached(path)) is not None:
        return cached
    customers = resolve_all(project)
    estate = Estate.build(customers)
    problems = estate_problems(customers, estate)
    if problems:
        raise InputError(problems)
    if path is not None:
        _store(path, estate)
    return estate


def attach_views(customer: Customer, views: "dict[str, EstateView] | None") -> Customer:
    """Give each environment of ``customer`` its view of the estate (before anything is planned);
    ``None`` or a missing view: the environment is planned on its own (an estate of one)."""
    for env in customer.contexts():
        env.estate_view = (views or {}).get(env.estate_name)
        env.__dict__.pop("_units_memo", None)  # units depend on the view
    return customer


def attach(customer: Customer, estate: Estate) -> Customer:
    return attach_views(customer, estate.views(customer.name))


def resolve_in_estate(project: Project, name: str, only_envs: list[str] | None = None,
                      estate: Estate | None = None) -> Customer:
    """``resolve_customer`` for commands that show or plan one customer as it will be rendered."""
    customer = resolve_customer(project, name, only_envs=only_envs)
    return attach(customer, estate if estate is not None else load_estate(project))
