"""The customer's generated RUNBOOK.md: concrete recovery steps with that customer's real identifiers.

Every name comes from the component that creates the resource (the RDS identifier from ``data.py``,
the ECS cluster, services and task families from ``application.py``, the replica bucket from
``foundation.py``) or from the environment's config (state bucket), so the runbook never disagrees
with what the units deploy.
"""

from __future__ import annotations

from typing import Any

from .components import BY_NAME, EnvContext
from .components.resilience import parameter_path_prefix, service_secrets
from .graph import topological, unit_graph
from .resolve import Customer

#: the state key layout of root.hcl's remote_state block
STATE_KEY = "{customer}/{environment}/{unit}/terraform.tfstate"


def runbook_view(customer: Customer) -> dict[str, Any]:
    envs = customer.environments
    return {
        "customer": customer.name,
        "display_name": envs[0].manifest.customer.display_name,
        "owner": envs[0].manifest.customer.owner_email,
        "environments": [_environment(env) for env in envs],
    }


def _environment(env: EnvContext) -> dict[str, Any]:
    from .plan import environment_config  # plan imports this module

    config = environment_config(env)
    units = topological(unit_graph(env))
    view: dict[str, Any] = {
        "name": env.name,
        "profile": env.profile,
        "account_id": env.account_id,
        "region": env.region,
        "dr_region": env.manifest.aws.dr_region,
        "state_bucket": config["state_bucket"],
        "state_region": config["state_region"],
        "state_key_pattern": STATE_KEY.format(customer=env.customer, environment=env.name, unit="<unit>"),
        "state_keys": {u: STATE_KEY.format(customer=env.customer, environment=env.name, unit=u) for u in units},
        "units": units,
        "rds": _rds(env),
        "dr": _dr(env),
        "ecs": _ecs(env),
        "assets": _assets(env),
        "parameters": _parameters(env),
    }
    return view


def _rds(env: EnvContext) -> dict[str, Any] | None:
    rds = BY_NAME.get("rds")
    if rds is None or not env.enabled("rds"):
        return None
    s = rds.settings(env)
    identifier = rds.identifier(env)  # type: ignore[attr-defined]
    return {
        "identifier": identifier,
        # the rds_postgres module names replicas <identifier>-replica-<n>
        "replicas": [f"{identifier}-replica-{n}" for n in range(1, s.read_replicas + 1)],
        "restored": f"{identifier}-restored",
        "subnet_group": identifier,
        "backup_retention_days": s.backup_retention_days,
        "multi_az": s.multi_az,
        "instance_class": s.instance_class,
    }


def _dr(env: EnvContext) -> dict[str, Any] | None:
    dr = BY_NAME.get("dr")
    rds = BY_NAME.get("rds")
    if dr is None or rds is None or not env.enabled("dr") or not env.enabled("rds"):
        return None
    s = dr.settings(env)
    identifier = rds.identifier(env)  # type: ignore[attr-defined]
    return {
        "region": env.manifest.aws.dr_region,
        "retention_days": s.backup_retention_days,
        "source_arn": f"arn:aws:rds:{env.region}:{env.account_id}:db:{identifier}",
        "restored": f"{identifier}-dr",
        "key_alias": f"alias/{env.prefix}-dr",
    }


def _ecs(env: EnvContext) -> dict[str, Any] | None:
    ecs = BY_NAME.get("ecs")
    if ecs is None or not env.enabled("ecs"):
        return None
    inputs = ecs.inputs(env)
    return {
        "cluster": inputs["name"],
        "services": {name: {"service": name, "family": spec["family"]}
                     for name, spec in inputs["services"].items()},
    }


def _assets(env: EnvContext) -> dict[str, Any] | None:
    assets = BY_NAME.get("assets")
    if assets is None or not env.enabled("assets"):
        return None
    s = assets.settings(env)
    replication = getattr(s, "replication", None)
    replicated = bool(replication is not None and getattr(replication, "enabled", False)
                      and env.manifest.aws.dr_region)
    replica = None
    if replicated and hasattr(assets, "replica_bucket_name"):
        replica = assets.replica_bucket_name(env)
    return {
        "bucket": assets.bucket_name(env),  # type: ignore[attr-defined]
        "replicated": replicated,
        "replica_bucket": replica,
        "dr_region": env.manifest.aws.dr_region,
    }


def _parameters(env: EnvContext) -> dict[str, Any] | None:
    if not env.enabled("parameters"):
        return None
    prefix = parameter_path_prefix(env)
    return {"prefix": prefix, "names": [f"{prefix}/{key}" for key in service_secrets(env)]}
