"""The component catalogue. Order matters only for display; dependencies come from the inputs."""

from __future__ import annotations

from .base import Component, EnvContext
from .baseline import AccountBaseline
from .application import Alb, Ecs, LogBucket
from .data import Rds, Redis
from .edge import Cdn, DnsRecords, Waf
from .foundation import Assets, Kms, Vpc
from .network import Bastion, SecurityGroups, VpcEndpoints
from .operations import Alerts, Monitoring, ScalingEvents
from .release import Backup, Codedeploy
from .resilience import Budgets, Dr, Parameters
from .security import Audit, Ecr, Identity, OperatorAccess, ThreatDetection

#: every component fgen knows, in the order units are listed
CATALOGUE: tuple[Component, ...] = (
    Kms(),
    Vpc(),
    LogBucket(),
    Assets(),  # after log_bucket: its server access logs go there
    SecurityGroups(),
    VpcEndpoints(),
    Bastion(),
    Alb(),
    Waf(),  # after alb: its regional web ACL protects it
    Cdn(),  # after assets, alb, log_bucket and waf: it reads their outputs
    DnsRecords(),  # after alb and cdn: it points names at them
    Rds(),
    Redis(),
    Ecs(),  # after rds and redis when they are listed: it reads their outputs
    Alerts(),
    Monitoring(),  # after alerts and the units it watches
    ScalingEvents(),  # after ecs: it schedules its services' scaling
    Parameters(),
    Budgets(),  # after alerts when it is listed: it publishes to its topic
    Dr(),  # after rds: it replicates its backups
    Codedeploy(),  # after ecs, alb and alerts: it releases the services they run and route
    Backup(),  # after kms, rds, assets and alerts: it backs them up and notifies
    Ecr(),
    Identity(),
    OperatorAccess(),  # after ecs and bastion: admins may use ECS Exec in its cluster and sessions on it
    Audit(),  # after kms, log_bucket, assets and alerts: it reads their outputs
    AccountBaseline(),  # after audit and kms: Config delivers to the owner's audit bucket (owner only)
    ThreatDetection(),  # after alerts: findings to this environment's topic
)

BY_NAME: dict[str, Component] = {c.name: c for c in CATALOGUE}

__all__ = ["CATALOGUE", "BY_NAME", "Component", "EnvContext"]
