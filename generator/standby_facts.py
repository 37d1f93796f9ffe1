"""What the generated docs (customer README, RUNBOOK) say about an environment's warm standby, asked
of the components themselves (their naming functions and their standby decisions: a replica, a
Global Datastore, an origin group, failover records), so the docs follow the components.

``promotion(env)`` renders the environment once more as if ``standby.promoted: true`` were set
(a copy of its contexts; nothing is written): the units that render removes from the primary
region's tree and the standby's units after promotion are then exactly the render's, not a list
kept here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from . import standby as standby_model
from .components import BY_NAME, CATALOGUE, EnvContext
from .units import Unit, units_by_region

#: the state key layout of root.hcl's remote_state block
STATE_KEY = "{customer}/{environment}/{unit}/terraform.tfstate"


@dataclass(frozen=True)
class Promotion:
    """The render with ``standby.promoted: true``, compared with the current one."""

    removed: tuple[str, ...]  # primary-region units the promoted render removes (the removal guard names them)
    added: tuple[str, ...]  # standby units that exist only once promoted (backups, scheduled scaling, ...)
    standby_units: tuple[str, ...]  # the standby's units after promotion
    kept: tuple[str, ...]  # the primary tree's units after promotion (global, shared or anchored ones)
    external: tuple[str, ...]  # primary-tree units the promoted standby's units still read outputs of


def promoted_copy(env: EnvContext) -> EnvContext:
    """A copy of a primary context (and a new standby context) with ``standby.promoted: true``."""
    m = env.manifest
    manifest = m.model_copy(update={"standby": m.standby.model_copy(update={"promoted": True})})
    primary = dataclasses.replace(env, manifest=manifest, counterpart=None)
    standby = standby_model.derive(primary)
    if env.standby_env is not None:
        standby.estate_view = env.standby_env.estate_view
    return primary


def promotion(env: EnvContext) -> Promotion:
    """Rendered once per context (the README and the RUNBOOK both ask)."""
    memo = env.__dict__.get("_promotion_memo")
    if memo is None:
        memo = env.__dict__["_promotion_memo"] = _promotion(env)
    return memo


def _promotion(env: EnvContext) -> Promotion:
    primary_now, standby_now = units_by_region(env)
    if env.promoted:
        return Promotion((), (), tuple(u.name for u in standby_now), tuple(u.name for u in primary_now),
                         _external(standby_now))
    after_primary, after_standby = units_by_region(promoted_copy(env))
    kept = {u.name for u in after_primary}
    before = {u.name for u in standby_now}
    return Promotion(tuple(u.name for u in primary_now if u.name not in kept),
                     tuple(u.name for u in after_standby if u.name not in before),
                     tuple(u.name for u in after_standby), tuple(u.name for u in after_primary),
                     _external(after_standby))


def _external(units: list[Unit]) -> tuple[str, ...]:
    return tuple(sorted({d.unit for u in units for d in u.dependencies if not d.unit.startswith("standby/")}))


def replicates_database(env: EnvContext) -> bool:
    """The standby's database is a cross-region read replica of the primary's (before promotion)."""
    standby = env.standby_env
    return standby is not None and standby.renders("rds") and BY_NAME["rds"].is_replica(standby)


def global_datastore(env: EnvContext) -> bool:
    """The standby's cache is a secondary of an ElastiCache Global Datastore (else: an empty cache)."""
    return BY_NAME["redis"].global_datastore(env)


def images_replicated(env: EnvContext) -> bool:
    """The standby pulls images from its own region's registry, where ECR replicates the primary's
    repositories (the replication rule is the account baseline's of the primary region, see the estate):
    some service of the standby has no ``image`` of its own."""
    from .components.application import enabled_services

    standby = env.standby_env
    return (standby is not None and standby.renders("ecs")
            and any(s.image is None for s in enabled_services(standby).values()))


def origin_group(env: EnvContext) -> bool:
    """CloudFront's read-only paths go to an origin group of both regions' ALBs (the group serves only
    them: GET/HEAD/OPTIONS; without read-only paths nothing fails over there)."""
    cdn = BY_NAME["cdn"]
    return (env.renders("cdn") and cdn.standby_origin(env) is not None
            and bool(cdn.settings(env).read_only_path_patterns))


def dns_failover(env: EnvContext) -> bool:
    """Route 53 failover records (primary ALB / standby ALB, with health checks)."""
    return env.renders("dns_records") and len(BY_NAME["dns_records"].failover_albs(env)) == 2


# names: what a context's resources are called (also once promotion removed their units: the old
# primary's resources keep running under these names until they are destroyed)

def automatic_failover(env: EnvContext) -> list[str]:
    """What moves traffic to the standby without an operator, in this render."""
    moves = []
    if origin_group(env):
        moves.append("CloudFront's origin group retries the standby ALB on 5xx and connection errors")
    if dns_failover(env):
        moves.append("Route 53 health checks switch the failover records to the standby ALB")
    return moves


def rds_identifier(env: EnvContext) -> str | None:
    rds = BY_NAME.get("rds")
    return rds.identifier(env) if rds is not None and rds.enabled(env) else None  # type: ignore[attr-defined]


def alb_name(env: EnvContext) -> str | None:
    alb = BY_NAME.get("alb")
    return alb.inputs(env)["name"] if alb is not None and alb.enabled(env) else None


def redis_group(env: EnvContext) -> str | None:
    redis = BY_NAME.get("redis")
    return redis.inputs(env)["name"] if redis is not None and redis.enabled(env) else None


def ecs_services(env: EnvContext) -> tuple[str | None, dict[str, int]]:
    """(the ECS cluster, service -> its minimum task count) of one context."""
    ecs = BY_NAME.get("ecs")
    if ecs is None or not ecs.enabled(env):
        return None, {}
    inputs = ecs.inputs(env)
    return inputs["name"], {name: spec["min_tasks"] for name, spec in inputs["services"].items()}


def ecs_families(env: EnvContext) -> dict[str, str]:
    """service -> its task definition family in one context."""
    ecs = BY_NAME.get("ecs")
    if ecs is None or not ecs.enabled(env):
        return {}
    return {name: spec["family"] for name, spec in ecs.inputs(env)["services"].items()}


def capacity(env: EnvContext) -> str:
    """The standby services' capacity before promotion, in words."""
    s = env.manifest.standby
    if env.promoted:
        return "promoted: full capacity (each service's min_tasks, auto-scaling as in the primary)"
    if s.capacity == "pilot_light":
        return "pilot light: 0 tasks per service until promoted"
    return f"warm: {s.warm_tasks} task{'s' if s.warm_tasks != 1 else ''} per service until promoted"


def state_bucket(env: EnvContext) -> str:
    standby = env.standby_env
    assert standby is not None
    return standby_model.state_bucket(standby)


def state_key(env: EnvContext, unit_name: str) -> str:
    return STATE_KEY.format(customer=env.customer, environment=env.name, unit=unit_name)


def standby_summary(env: EnvContext) -> dict[str, Any]:
    """What the components say about the standby: each rendered component's ``summary`` in the standby
    context where it differs from the primary's, and the primary's facts that name the standby."""
    standby = env.standby_env
    facts: dict[str, Any] = {}
    if standby is None:
        return facts
    for component in CATALOGUE:
        ours = component.summary(env) if component.enabled(env) else {}
        for label, value in ours.items():
            if "standby" in label.lower():
                facts[label] = value
        if not standby.renders(component.name):
            continue
        for label, value in component.summary(standby).items():
            if ours.get(label) != value:
                facts[label] = value
    return facts
