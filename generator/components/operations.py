"""Operations components: the alert topic, CloudWatch alarms and dashboard, and scheduled scaling
for known traffic events.

* ``alerts`` (always on): one KMS-encrypted SNS topic that CloudWatch alarms, EventBridge rules,
  AWS Budgets and Cost Anomaly Detection publish to, with an email subscription per recipient
  (``alerts.emails``, default the customer's ``owner_email``).
* ``monitoring`` (switchable): alarms on the ALB, the ECS services, RDS, the cache and, when a WAF
  is deployed, the regional web ACL, every one notifying the topic on ALARM and on OK, plus one
  dashboard per environment. Thresholds come from the profile and the manifest.
* ``scaling_events`` (present when the environment lists ``events``): scheduled auto-scaling
  actions that raise each affected service's min/max task counts ahead of a known traffic peak
  (a final, a tournament, a launch) and restore the normal values when it ends.

Overlapping events are merged, never rejected: while several events are active a service runs
with the highest min and the highest max any of them asks for, and an action is scheduled only
where that combined capacity changes.

Alarm thresholds stay as they are unless an event opts in with ``raise_alarm_thresholds`` (a factor
and the alarm keys): then EventBridge Scheduler one-time schedules re-put each chosen alarm with
PutMetricAlarm (the complete definition, from the monitoring unit's ``alarm_definitions`` output)
with the threshold raised when capacity is raised, and with the original definition at the end.
The ECS alarms rarely need it (they watch per-task averages); absolute ones (ALB latency, RDS
connections, cache connections) may. While raised, the alarms drift from the monitoring unit's
configuration: a plan of monitoring shows it and an apply puts the normal thresholds back early;
the restore schedule puts them back at the end in any case. Two opted-in events whose windows
overlap may not raise the same alarm (one's restore would undo the other's raise).

Events whose end has passed are refused (remove them from the manifest once over); an event that
is under way (capacity already raised, end still ahead) keeps rendering the same actions, so a
render during an event changes nothing. "Now" is the current UTC time, or ``FGEN_NOW`` when set
(tests, reproducible CI runs).
"""

from __future__ import annotations

import fnmatch
import math
import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from difflib import get_close_matches
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints, field_validator, model_validator

from ..errors import FgenError, Problem
from ..schema.base import StrictModel
from ..schema.services import ServiceName
from ..schema.types import Email, Percent
from .application import enabled_services, fit_name
from .base import Assertion, Component, EnvContext, NamedResource, expect, expect_set, hcl_value

# --- time ---------------------------------------------------------------------------------------

#: environment variable that pins "now" (ISO 8601, e.g. 2030-01-01T00:00:00Z) for tests and reproducible CI runs
NOW_ENV = "FGEN_NOW"


def utc_now() -> datetime:
    """The current UTC time, or the time ``FGEN_NOW`` pins."""
    override = os.environ.get(NOW_ENV)
    if not override:
        return datetime.now(timezone.utc)
    try:
        value = datetime.fromisoformat(override.strip().replace("Z", "+00:00"))
    except ValueError:
        raise FgenError(f"{NOW_ENV}={override!r} is not an ISO 8601 date and time such as 2030-01-01T00:00:00Z") \
            from None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def iso(value: datetime) -> str:
    """``YYYY-MM-DDThh:mm:ssZ``."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() != timedelta(0):
        raise ValueError("must be an ISO 8601 date and time in UTC, ending in Z (e.g. 2030-05-30T18:00:00Z)")
    if value.microsecond:
        raise ValueError("must be given to the second (no fractions)")
    return value.astimezone(timezone.utc)


UtcDateTime = Annotated[datetime, AfterValidator(_utc)]

# --- alerts -------------------------------------------------------------------------------------

#: services that publish to the alert topic (topic policy) and so must use the customer key (key policy)
ALERT_PUBLISHERS = (
    "cloudwatch.amazonaws.com",  # CloudWatch alarms
    "events.amazonaws.com",  # EventBridge rules
    "budgets.amazonaws.com",  # AWS Budgets notifications
    "costalerts.amazonaws.com",  # Cost Anomaly Detection subscriptions
    "backup.amazonaws.com",  # AWS Backup vault notifications
    "elasticache.amazonaws.com",  # ElastiCache events (failover, node replacement)
)


class AlertsSettings(StrictModel):
    emails: list[Email] = Field(default_factory=list, max_length=20,
                                description="Alert recipients (each confirms an SNS email subscription); "
                                            "empty: the customer's owner_email.")

    @field_validator("emails")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        seen: set[str] = set()
        for email in value:
            if email.lower() in seen:
                raise ValueError(f"{email} is listed twice")
            seen.add(email.lower())
        return value


class Alerts(Component):
    name = "alerts"
    standby = "regional"
    stays_on_promotion = True
    module = "alerts"
    description = "KMS-encrypted SNS topic for alarms, events, budgets and cost anomalies, with email subscriptions."
    Settings = AlertsSettings
    kms_service_principals = ALERT_PUBLISHERS
    mock_outputs = {
        "topic_arn": "arn:aws:sns:eu-west-1:111111111111:mock-alerts",
        "topic_name": "mock-alerts",
    }
    diagram_label = "SNS alerts"
    diagram_from = ("monitoring", "budgets")

    def enabled(self, env: EnvContext) -> bool:
        return True  # alarms, budgets and the cost anomaly monitor all notify through it

    def emails(self, env: EnvContext) -> list[str]:
        s: AlertsSettings = self.settings(env)
        return list(s.emails) or [env.manifest.customer.owner_email]

    def mocks(self, env: EnvContext) -> dict[str, Any]:
        name = self.topic_name(env)
        return {"topic_arn": f"arn:aws:sns:{env.region}:{env.account_id}:{name}", "topic_name": name}

    def topic_name(self, env: EnvContext) -> str:
        return f"{env.prefix}-alerts"

    def summary(self, env: EnvContext) -> dict[str, Any]:
        return {"Alert emails": ", ".join(self.emails(env))}

    def assertions(self, env: EnvContext) -> list[Assertion]:
        return [
            expect("aws_sns_topic.this.kms_master_key_id", env.out("kms", "key_arn"),
                   "alerts: the topic must be encrypted with the customer KMS key"),
            expect_set("[for s in values(aws_sns_topic_subscription.email) : s.endpoint]", self.emails(env),
                       "alerts: e-mail subscriptions must be alerts.emails (default customer.owner_email)"),
        ]


    def names(self, env: EnvContext) -> list[NamedResource]:
        return [NamedResource("account-region", "SNS topic", self.topic_name(env), ())]

    def inputs(self, env: EnvContext) -> dict[str, Any]:
        return {
            "name": self.topic_name(env),
            "display_name": f"{env.manifest.customer.display_name} ({env.name})"[:100],
            "kms_key_arn": env.out("kms", "key_arn"),
            "email_addresses": self.emails(env),
            "publisher_service_principals": list(ALERT_PUBLISHERS),
        }


# --- monitoring ---------------------------------------------------------------------------------


class AlbAlarmSettings(StrictModel):
    elb_5xx_rate_percent: float = Field(gt=0, le=100, description="Alarm when the ALB's own 5xx responses exceed "
                                        "this share of requests (HTTPCode_ELB_5XX_Count / RequestCount), %.")
    target_5xx_count: int = Field(ge=1, le=1000000, description="Alarm when a service's targets return more 5xx "
                                  "responses than this in one period.")
    p95_response_time_seconds: float = Field(gt=0, le=300, description="Alarm when the p95 TargetResponseTime "
                                             "exceeds this, seconds.")
    p99_response_time_seconds: float = Field(gt=0, le=300, description="Alarm when the p99 TargetResponseTime "
                                             "exceeds this, seconds.")
    unhealthy_hosts: int = Field(ge=0, le=1000, description="Alarm when a target group has more unhealthy "
                                 "targets than this.")

    @model_validator(mode="after")
    def _order(self) -> "AlbAlarmSettings":
        if self.p99_response_time_seconds < self.p95_response_time_seconds:
            raise ValueError(f"p99_response_time_seconds ({self.p99_response_time_seconds}) is below "
                             f"p95_response_time_seconds ({self.p95_response_time_seconds})")
        return self


class EcsAlarmSettings(StrictModel):
    cpu_percent: Percent = Field(description="Alarm when a service's average CPUUtilization exceeds this, %.")
    memory_percent: Percent = Field(description="Alarm when a service's average MemoryUtilization exceeds this, %.")
    running_tasks_minutes: int = Field(ge=1, le=60, description="Alarm when fewer tasks run than desired for this "
                                       "many consecutive minutes (needs Container Insights).")


class RdsAlarmSettings(StrictModel):
    cpu_percent: Percent = Field(description="Alarm when CPUUtilization exceeds this, %.")
    free_storage_gib: int = Field(ge=1, le=65536, description="Alarm when FreeStorageSpace falls below this, GiB.")
    freeable_memory_mib: int = Field(ge=16, le=4194304, description="Alarm when FreeableMemory falls below this, MiB.")
    connections: int = Field(ge=1, le=262143, description="Alarm when DatabaseConnections exceed this.")
    read_latency_ms: float = Field(gt=0, le=60000, description="Alarm when the average ReadLatency exceeds this, ms.")
    write_latency_ms: float = Field(gt=0, le=60000, description="Alarm when the average WriteLatency exceeds this, ms.")
    replica_lag_seconds: int = Field(ge=1, le=86400, description="Alarm when a read replica's ReplicaLag exceeds "
                                     "this, seconds.")


class RedisAlarmSettings(StrictModel):
    cpu_percent: Percent = Field(description="Alarm when a node's CPUUtilization exceeds this, %.")
    engine_cpu_percent: Percent = Field(description="Alarm when a node's EngineCPUUtilization exceeds this, %.")
    memory_percent: Percent = Field(description="Alarm when a node's DatabaseMemoryUsagePercentage exceeds this, %.")
    evictions: int = Field(ge=0, le=100000000, description="Alarm when a node evicts more keys than this in a period.")
    connections: int = Field(ge=1, le=65000, description="Alarm when a node's CurrConnections exceed this.")
    hit_rate_percent: Percent = Field(description="Alarm when a node's cache hit rate "
                                      "(CacheHits / (CacheHits + CacheMisses)) falls below this, %.")


class WafAlarmSettings(StrictModel):
    blocked_requests: int = Field(ge=1, le=100000000, description="Alarm when the regional web ACL blocks more "
                                  "requests than this in one period (an attack or a false-positive rule).")


class MonitoringSettings(StrictModel):
    enabled: bool = Field(description="Create the alarms and the dashboard in this environment.")
    period_seconds: Literal[60, 300] = Field(description="Period of every alarm's statistic, seconds.")
    evaluation_periods: int = Field(ge=1, le=60, description="Periods each alarm looks at.")
    datapoints_to_alarm: int = Field(ge=1, le=60, description="Breaching periods (of evaluation_periods) that "
                                     "raise the alarm.")
    dashboard: bool = Field(description="Create the environment's CloudWatch dashboard.")
    alb: AlbAlarmSettings
    ecs: EcsAlarmSettings
    rds: RdsAlarmSettings
    redis: RedisAlarmSettings
    waf: WafAlarmSettings

    @model_validator(mode="after")
    def _datapoints(self) -> "MonitoringSettings":
        if self.datapoints_to_alarm > self.evaluation_periods:
            raise ValueError(f"datapoints_to_alarm ({self.datapoints_to_alarm}) is above evaluation_periods "
                             f"({self.evaluation_periods})")
        return self


def regional_web_acl_name(env: EnvContext) -> str:
    """Name of the REGIONAL web ACL of the ``waf`` unit.

    Assumption shared with the waf component: it names its web ACLs ``<customer>-<env>-regional``
    and ``<customer>-<env>-cloudfront``. WAF metrics are dimensioned by the web ACL *name* (not its
    ARN), so the alarm derives the name the same way instead of reading an output.
    """
    return f"{env.prefix}-regional"


class Monitoring(Component):
    name = "monitoring"
    standby = "regional"
    module = "monitoring"
    description = ("CloudWatch alarms (ALB, ECS, RDS, cache, WAF) notifying the alert topic, and a dashboard "
                   "per environment.")
    Settings = MonitoringSettings
    mock_outputs = {
        "dashboard_name": "mock",
        "alarm_arns": {"alb-5xx-rate": "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:mock-alb-5xx-rate"},
        "alarm_definitions": {"alb-5xx-rate": {"AlarmName": "mock-alb-5xx-rate", "ComparisonOperator":
                                               "GreaterThanThreshold", "Threshold": 1, "EvaluationPeriods": 5}},
    }
    diagram_label = "CloudWatch alarms"
    diagram_from = ("alb", "ecs", "rds", "redis")

    def container_insights(self, env: EnvContext) -> bool:
        ecs = getattr(env.manifest, "ecs", None)
        return getattr(ecs, "container_insights", "disabled") != "disabled"

    def running_task_alarms(self, env: EnvContext) -> bool:
        """Alarm on fewer running than desired tasks: with Container Insights, except in a pilot-light standby
        before promotion, whose services run 0 tasks and so report no task counts (missing data breaches)."""
        pilot_light = env.standing_by and env.manifest.standby.capacity == "pilot_light"
        return self.container_insights(env) and not pilot_light

    def redis_nodes(self, env: EnvContext) -> int:
        r = env.manifest.redis
        groups = r.num_node_groups if r.cluster_mode == "enabled" else 1
        return groups * (1 + r.replicas_per_node_group)

    def redis_node_keys(self, env: EnvContext) -> list[str]:
        """Node positions as the module keys them: ``%03d``, or ``%04d-%03d`` (shard, node) in cluster mode."""
        r = env.manifest.redis
        nodes = range(1, r.replicas_per_node_group + 2)
        if r.cluster_mode == "enabled":
            return [f"{shard:04d}-{node:03d}" for shard in range(1, r.num_node_groups + 1) for node in nodes]
        return [f"{node:03d}" for node in nodes]

    def alarm_keys(self, env: EnvContext) -> list[str]:
        """The key of every alarm the module creates for this environment (mirrors its locals), sorted."""
        keys = ["alb-5xx-rate", "alb-p95-latency", "alb-p99-latency"]
        for name in enabled_services(env):
            keys += [f"{name}-target-5xx", f"{name}-unhealthy-hosts", f"{name}-cpu", f"{name}-memory"]
            if self.running_task_alarms(env):
                keys.append(f"{name}-running-tasks")
        if env.enabled("rds"):
            keys += [f"rds-{k}" for k in ("cpu", "free-storage", "freeable-memory", "connections", "read-latency",
                                          "write-latency")]
            keys += [f"rds-replica-{i}-lag" for i in range(1, env.manifest.rds.read_replicas + 1)]
        if env.enabled("redis"):
            keys += [f"redis-{node}-{k}" for node in self.redis_node_keys(env)
                     for k in ("cpu", "engine-cpu", "memory", "evictions", "connections", "hit-rate")]
        if env.enabled("waf"):
            keys.append("waf-blocked-requests")
        return sorted(keys)

    def alarm_count(self, env: EnvContext) -> int:
        """How many alarms the module creates for this environment."""
        return len(self.alarm_keys(env))

    def mocks(self, env: EnvContext) -> dict[str, Any]:
        """Mocks keyed by this environment's alarms, so the scaling_events unit plans before monitoring exists."""
        arn = f"arn:aws:cloudwatch:{env.region}:{env.account_id}:alarm:{env.prefix}"
        return {
            "dashboard_name": env.prefix,
            "alarm_arns": {key: f"{arn}-{key}" for key in self.alarm_keys(env)},
            "alarm_definitions": {key: {"AlarmName": f"{env.prefix}-{key}", "ComparisonOperator": "GreaterThanThreshold",
                                        "Threshold": 1, "EvaluationPeriods": 1, "Namespace": "AWS/Mock",
                                        "MetricName": "Mock", "Statistic": "Average", "Period": 60}
                                  for key in self.alarm_keys(env)},
        }

    def summary(self, env: EnvContext) -> dict[str, Any]:
        s: MonitoringSettings = self.settings(env)
        return {"Alarms": self.alarm_count(env),
                "Dashboard": env.prefix if s.dashboard else "none"}

    def assertions(self, env: EnvContext) -> list[Assertion]:
        """The alarms this environment's settings ask for (no running-task alarm for a pilot-light standby's
        services at 0 tasks), each notifying the alert topic of its own region on ALARM and on OK."""
        alarms = "concat(values(aws_cloudwatch_metric_alarm.metric), values(aws_cloudwatch_metric_alarm.math))"
        topic = hcl_value([env.out("alerts", "topic_arn")])
        return [
            expect_set("concat(keys(aws_cloudwatch_metric_alarm.metric), keys(aws_cloudwatch_metric_alarm.math))",
                       self.alarm_keys(env), "monitoring: one alarm per watched metric of this environment"),
            Assertion(f"alltrue([for a in {alarms} : sort(a.alarm_actions) == sort({topic}) && "
                      f"sort(a.ok_actions) == sort({topic})])",
                      "monitoring: every alarm must notify the alert topic of its region on ALARM and OK"),
        ]

    def check(self, env: EnvContext) -> list[Problem]:
        s: MonitoringSettings = self.settings(env)
        if not s.enabled:
            return []
        problems = []
        if env.enabled("redis") and self.redis_nodes(env) * 6 > 300:
            problems.append(env.problem(("redis", "num_node_groups"),
                                        f"monitoring would create {self.redis_nodes(env) * 6} cache alarms "
                                        "(6 per node); disable monitoring or use fewer, larger shards"))
        return problems


    def names(self, env: EnvContext) -> list[NamedResource]:
        s: MonitoringSettings = self.settings(env)
        # CloudWatch dashboards belong to the account, not to a region (their ARNs have none)
        names = [NamedResource("account", "CloudWatch dashboard", env.prefix, ())] if s.dashboard else []
        names += [NamedResource("account-region", "CloudWatch alarm", f"{env.prefix}-{key}", ())
                  for key in self.alarm_keys(env)]
        return names

    def inputs(self, env: EnvContext) -> dict[str, Any]:
        s: MonitoringSettings = self.settings(env)
        inputs: dict[str, Any] = {
            "name": env.prefix,
            "alarm_topic_arn": env.out("alerts", "topic_arn"),
            "period_seconds": s.period_seconds,
            "evaluation_periods": s.evaluation_periods,
            "datapoints_to_alarm": s.datapoints_to_alarm,
            "create_dashboard": s.dashboard,
            "services": list(enabled_services(env)),
            "alb": {
                "arn_suffix": env.out("alb", "alb_arn_suffix"),
                "target_group_arn_suffixes": env.out("alb", "target_group_arn_suffixes"),
            },
            "alb_thresholds": s.alb.model_dump(),
            "ecs": {
                "cluster_name": env.out("ecs", "cluster_name"),
                "service_names": env.out("ecs", "service_names"),
                "container_insights": self.container_insights(env),
                # only where they are off (a pilot-light standby): the module's default is on
                **({} if self.running_task_alarms(env) or not self.container_insights(env)
                   else {"running_task_alarms": False}),
            },
            "ecs_thresholds": s.ecs.model_dump(),
            "rds": None,
            "rds_thresholds": s.rds.model_dump(),
            "redis": None,
            "redis_thresholds": s.redis.model_dump(),
            "waf": None,
            "waf_thresholds": s.waf.model_dump(),
        }
        if env.enabled("rds"):
            inputs["rds"] = {
                "instance_identifier": env.out("rds", "db_instance_identifier"),
                "replica_count": env.manifest.rds.read_replicas,
            }
        if env.enabled("redis"):
            r = env.manifest.redis
            inputs["redis"] = {
                "replication_group_id": env.out("redis", "replication_group_id"),
                "cluster_mode_enabled": r.cluster_mode == "enabled",
                "num_node_groups": r.num_node_groups if r.cluster_mode == "enabled" else 1,
                "replicas_per_node_group": r.replicas_per_node_group,
            }
        if env.enabled("waf"):
            inputs["waf"] = {
                # the dependency on the waf unit orders the alarm after the web ACL; the metric needs its name
                "web_acl_arn": env.out("waf", "regional_web_acl_arn"),
                "web_acl_name": regional_web_acl_name(env),
            }
        return inputs


# --- scaling events -----------------------------------------------------------------------------

EventName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$")]


#: an alarm key of the monitoring unit, or a pattern with ``*`` (e.g. ``redis-*-connections``: every cache node)
AlarmKey = Annotated[str, StringConstraints(pattern=r"^[a-z0-9*][a-z0-9*-]{0,100}$")]


class AlarmRaiseSettings(StrictModel):
    factor: float = Field(gt=1, le=10, description="Multiply each chosen alarm's threshold by this during the event "
                                                   "(alarms on a lower bound, such as free storage or the cache hit "
                                                   "rate, are divided by it).")
    alarms: list[AlarmKey] = Field(min_length=1, max_length=50,
                                   description="Keys of the monitoring alarms to raise (e.g. alb-p95-latency, "
                                               "rds-connections), or patterns with * (redis-*-connections: every "
                                               "cache node's); each must match at least one alarm.")

    @field_validator("alarms")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        duplicates = sorted({a for a in value if value.count(a) > 1})
        if duplicates:
            raise ValueError(f"{duplicates} listed more than once")
        return value


class ScalingEvent(StrictModel):
    name: EventName = Field(description="Event id (lowercase, digits, '-'); names its scheduled actions.")
    start: UtcDateTime = Field(description="When the traffic peak starts: ISO 8601 UTC, e.g. 2030-05-30T18:00:00Z.")
    end: UtcDateTime = Field(description="When it ends and normal capacity returns: ISO 8601 UTC.")
    lead_minutes: int | None = Field(default=None, ge=0, le=1440,
                                     description="Raise capacity this long before start (default: "
                                                 "scaling_events.default_lead_minutes).")
    traffic_factor: float | None = Field(default=None, gt=1, le=100,
                                         description="Multiply each affected service's min and max tasks by this "
                                                     "(capped by scaling_events.max_tasks).")
    services: list[ServiceName] | None = Field(default=None, min_length=1,
                                               description="With traffic_factor: the services it applies to "
                                                           "(default: every enabled service).")
    min_tasks: dict[ServiceName, Annotated[int, Field(ge=1, le=1000)]] | None = Field(
        default=None, min_length=1, description="Instead of traffic_factor: the minimum task count per service "
                                                "(its max grows in proportion, capped by scaling_events.max_tasks).")
    raise_alarm_thresholds: AlarmRaiseSettings | None = Field(
        default=None, description="Opt-in: raise these alarms' thresholds from the capacity raise (start minus the "
                                  "lead time) until the end, with EventBridge Scheduler one-time schedules that "
                                  "re-put each alarm, then restore the original definitions.")

    @model_validator(mode="after")
    def _one_way(self) -> "ScalingEvent":
        if (self.traffic_factor is None) == (self.min_tasks is None):
            raise ValueError("give either traffic_factor or min_tasks")
        if self.services is not None and self.traffic_factor is None:
            raise ValueError("services only goes with traffic_factor; min_tasks names its services itself")
        return self


class ScalingEventsSettings(StrictModel):
    max_tasks: int = Field(ge=1, le=1000, description="Ceiling of any service's task count during an event "
                           "(traffic_factor results are capped here; explicit min_tasks may not exceed it).")
    default_lead_minutes: int = Field(ge=0, le=1440, description="Default lead time: capacity is raised this "
                                      "long before an event starts, minutes.")
    events: list[ScalingEvent] = Field(default_factory=list, max_length=100,
                                       description="Known traffic peaks of this environment (events in the past "
                                                   "are refused: remove them once over).")


@dataclass(frozen=True)
class ScheduledAction:
    name: str
    service: str
    at: datetime
    min_tasks: int
    max_tasks: int
    reason: str  # "<event>-start" / "<event>-end", joined with '+' when several coincide


class ScalingEvents(Component):
    name = "scaling_events"
    standby = "promoted"
    module = "scaling_events"
    description = ("Scheduled ECS auto-scaling actions that raise capacity ahead of known traffic events, and "
                   "optionally raise chosen alarm thresholds for their duration.")
    Settings = ScalingEventsSettings
    mock_outputs = {"scheduled_action_names": ["mock-auth-final-start", "mock-auth-final-end"],
                    "threshold_schedule_names": ["final-raise-alb-p95-latency", "final-restore-alb-p95-latency"]}

    def enabled(self, env: EnvContext) -> bool:
        s: ScalingEventsSettings = self.settings(env)
        return bool(s.events)

    def lead(self, env: EnvContext, event: ScalingEvent) -> timedelta:
        s: ScalingEventsSettings = self.settings(env)
        return timedelta(minutes=s.default_lead_minutes if event.lead_minutes is None else event.lead_minutes)

    def capacity(self, env: EnvContext, event: ScalingEvent) -> dict[str, tuple[int, int]]:
        """(min, max) tasks per affected (enabled, known) service during ``event``."""
        s: ScalingEventsSettings = self.settings(env)
        services = enabled_services(env)
        result: dict[str, tuple[int, int]] = {}
        if event.min_tasks is not None:
            # the max grows in proportion to the min (auto-scaling keeps its headroom), capped by max_tasks
            for name, minimum in event.min_tasks.items():
                if name in services:
                    normal = services[name]
                    scaled = math.ceil(normal.max_tasks * minimum / max(normal.min_tasks, 1))
                    result[name] = (minimum, max(normal.max_tasks, minimum, min(scaled, s.max_tasks)))
            return result
        factor = event.traffic_factor or 1.0
        for name in event.services or list(services):
            if name not in services:
                continue
            normal = services[name]
            maximum = max(normal.max_tasks, min(math.ceil(normal.max_tasks * factor), s.max_tasks))
            minimum = min(math.ceil(normal.min_tasks * factor), maximum)
            result[name] = (minimum, maximum)
        return result

    def actions(self, env: EnvContext) -> list[ScheduledAction]:
        """The merged timeline: an action wherever a service's combined event capacity changes."""
        s: ScalingEventsSettings = self.settings(env)
        normal = {name: (svc.min_tasks, svc.max_tasks) for name, svc in enabled_services(env).items()}
        windows = [(event, event.start - self.lead(env, event), event.end, self.capacity(env, event))
                   for event in s.events if event.end > event.start]
        actions: list[ScheduledAction] = []
        for service in sorted(normal):
            mine = [(e, begin, end, cap[service]) for e, begin, end, cap in windows if service in cap]
            boundaries: dict[datetime, list[str]] = {}
            for event, begin, end, _ in mine:
                boundaries.setdefault(begin, []).append(f"{event.name}-start")
                boundaries.setdefault(end, []).append(f"{event.name}-end")
            current = normal[service]
            for at in sorted(boundaries):
                active = [cap for _, begin, end, cap in mine if begin <= at < end]
                target = (max(c[0] for c in active), max(c[1] for c in active)) if active else normal[service]
                if target == current:
                    continue
                reason = "+".join(sorted(boundaries[at]))
                name = fit_name(f"{env.prefix}-{service}-{reason.replace('+', '-')}", 255)
                actions.append(ScheduledAction(name, service, at, target[0], target[1], reason))
                current = target
        return actions

    def schedule_group_name(self, env: EnvContext) -> str:
        return fit_name(f"{env.prefix}-event-alarms", 64)

    def raised_alarms(self, env: EnvContext, event: ScalingEvent) -> list[str]:
        """The monitoring alarm keys an event's ``raise_alarm_thresholds.alarms`` (keys or * patterns) select."""
        if event.raise_alarm_thresholds is None or not env.enabled("monitoring"):
            return []
        known = env.components["monitoring"].alarm_keys(env)  # type: ignore[attr-defined]
        return [key for key in known
                if any(fnmatch.fnmatchcase(key, pattern) for pattern in event.raise_alarm_thresholds.alarms)]

    def threshold_schedules(self, env: EnvContext) -> dict[str, dict[str, Any]]:
        """Per event that opts in and per chosen alarm: a raise schedule when capacity is raised (start minus
        the lead time) and a restore schedule (factor 1: the definition Terraform keeps) at the end."""
        s: ScalingEventsSettings = self.settings(env)
        schedules: dict[str, dict[str, Any]] = {}
        for event in s.events:
            raise_ = event.raise_alarm_thresholds
            if raise_ is None or event.end <= event.start:
                continue
            for alarm in self.raised_alarms(env, event):
                for step, at, factor in (("raise", event.start - self.lead(env, event), raise_.factor),
                                         ("restore", event.end, 1)):
                    name = fit_name(f"{event.name}-{step}-{alarm}", 64)
                    schedules[name] = {"at": at.strftime("%Y-%m-%dT%H:%M:%S"), "alarm": alarm,
                                       "factor": factor, "reason": f"{event.name}-{step}"}
        return dict(sorted(schedules.items()))

    def summary(self, env: EnvContext) -> dict[str, Any]:
        s: ScalingEventsSettings = self.settings(env)
        events = []
        for e in s.events:
            raise_ = e.raise_alarm_thresholds
            extra = f", {len(self.raised_alarms(env, e))} alarm thresholds × {raise_.factor:g}" if raise_ else ""
            events.append(f"{e.name} ({iso(e.start)} – {iso(e.end)}{extra})")
        return {"Scheduled events": ", ".join(events)}

    def _threshold_problems(self, env: EnvContext) -> list[Problem]:
        """Threshold raises name existing alarms of an enabled monitoring unit, and never overlap for one alarm
        (a restore at one event's end would undo another's raise)."""
        s: ScalingEventsSettings = self.settings(env)
        raising = [(i, e) for i, e in enumerate(s.events) if e.raise_alarm_thresholds is not None]
        if not raising:
            return []
        if not env.enabled("monitoring"):
            index = raising[0][0]
            return [env.problem(("scaling_events", "events", index, "raise_alarm_thresholds"),
                                f"event '{s.events[index].name}' raises alarm thresholds, but monitoring is "
                                "disabled in this environment (there are no alarms); enable monitoring or remove "
                                "raise_alarm_thresholds")]
        monitoring: Monitoring = env.components["monitoring"]  # type: ignore[assignment]
        known = monitoring.alarm_keys(env)
        problems: list[Problem] = []
        for index, event in raising:
            for j, alarm in enumerate(event.raise_alarm_thresholds.alarms):  # type: ignore[union-attr]
                if not any(fnmatch.fnmatchcase(key, alarm) for key in known):
                    close = get_close_matches(alarm, known, n=1)
                    hint = f" (did you mean '{close[0]}'?)" if close else ""
                    problems.append(env.problem(
                        ("scaling_events", "events", index, "raise_alarm_thresholds", "alarms", j),
                        f"event '{event.name}' raises '{alarm}', which matches none of this environment's "
                        f"{len(known)} alarms{hint}; keys look like alb-p95-latency, <service>-cpu, "
                        "rds-connections, redis-<node>-connections (* matches any part)"))
        for a, (index, event) in enumerate(raising):
            begin = event.start - self.lead(env, event)
            for other_index, other in raising[:a]:
                other_begin = other.start - self.lead(env, other)
                shared = sorted(set(self.raised_alarms(env, event)) & set(self.raised_alarms(env, other)))
                if shared and begin < other.end and other_begin < event.end:
                    problems.append(env.problem(
                        ("scaling_events", "events", index, "raise_alarm_thresholds"),
                        f"event '{event.name}' raises {', '.join(shared)} while event '{other.name}' (events"
                        f"[{other_index}]) has them raised; their windows overlap, and one's restore would undo "
                        "the other's raise: merge the events or raise different alarms"))
        return problems

    def check(self, env: EnvContext) -> list[Problem]:
        s: ScalingEventsSettings = self.settings(env)
        if not s.events:
            return []
        now = utc_now()
        services = enabled_services(env)
        known = sorted(env.manifest.services)
        problems: list[Problem] = []
        seen: dict[str, int] = {}
        for index, event in enumerate(s.events):
            at = ("scaling_events", "events", index)
            if event.name in seen:
                problems.append(env.problem(at + ("name",), f"event name '{event.name}' is used twice "
                                            f"(also events[{seen[event.name]}])"))
            seen.setdefault(event.name, index)
            if event.end <= event.start:
                problems.append(env.problem(at + ("end",), f"event '{event.name}' ends ({iso(event.end)}) before "
                                            f"or when it starts ({iso(event.start)}); end must be after start"))
            elif event.end <= now:
                problems.append(env.problem(at + ("end",), f"event '{event.name}' is in the past: it ended "
                                            f"{iso(event.end)}, and it is now {iso(now)}; remove it"))
            named = ([(("min_tasks", n), n) for n in event.min_tasks] if event.min_tasks is not None
                     else [(("services", i), n) for i, n in enumerate(event.services or [])])
            for key, service in named:
                if service not in env.manifest.services:
                    close = get_close_matches(service, known, n=1)
                    hint = f" (did you mean '{close[0]}'?)" if close else ""
                    problems.append(env.problem(at + key, f"event '{event.name}' names unknown service "
                                                f"'{service}'{hint}; services: {', '.join(known)}"))
                elif service not in services:
                    problems.append(env.problem(at + key, f"event '{event.name}' names service '{service}', "
                                                "which is disabled in this environment"))
            for service, minimum in (event.min_tasks or {}).items():
                if service not in services:
                    continue
                if minimum > s.max_tasks:
                    problems.append(env.problem(at + ("min_tasks", service),
                                                f"event '{event.name}' asks for {minimum} '{service}' tasks, above "
                                                f"scaling_events.max_tasks ({s.max_tasks})"))
                if minimum < services[service].min_tasks:
                    problems.append(env.problem(at + ("min_tasks", service),
                                                f"event '{event.name}' asks for {minimum} '{service}' tasks, below "
                                                f"its normal min_tasks ({services[service].min_tasks})"))
        problems.extend(self._threshold_problems(env))
        return problems

    def assertions(self, env: EnvContext) -> list[Assertion]:
        result = [expect_set("keys(aws_appautoscaling_scheduled_action.this)", [a.name for a in self.actions(env)],
                             "scaling_events: one scheduled action per capacity change of scaling_events.events")]
        for a in self.actions(env):
            action = f"aws_appautoscaling_scheduled_action.this[{hcl_value(a.name)}]"
            when = a.at.strftime("%Y-%m-%dT%H:%M:%S")
            at = f"at({when})"
            result.append(Assertion(
                f"{action}.schedule == {hcl_value(at)} && {action}.timezone == \"UTC\" && "
                f"one({action}.scalable_target_action).min_capacity == {hcl_value(str(a.min_tasks))} && "
                f"one({action}.scalable_target_action).max_capacity == {hcl_value(str(a.max_tasks))}",
                f"scaling_events: {a.service} must scale to {a.min_tasks}-{a.max_tasks} tasks at {when} UTC "
                f"({a.reason})"))
        return result


    def names(self, env: EnvContext) -> list[NamedResource]:
        s: ScalingEventsSettings = self.settings(env)
        if not any(event.raise_alarm_thresholds for event in s.events) or not self.threshold_schedules(env):
            return []
        group = self.schedule_group_name(env)  # also the name of the scheduler's IAM role
        return [NamedResource("account-region", "EventBridge Scheduler schedule group", group, ()),
                NamedResource("account", "IAM role", group, ())]

    def inputs(self, env: EnvContext) -> dict[str, Any]:
        return {
            "cluster_name": env.out("ecs", "cluster_name"),
            "service_names": env.out("ecs", "service_names"),
            "actions": {
                a.name: {
                    "service": a.service,
                    "at": a.at.strftime("%Y-%m-%dT%H:%M:%S"),
                    "min_tasks": a.min_tasks,
                    "max_tasks": a.max_tasks,
                    "reason": a.reason,
                }
                for a in self.actions(env)
            },
            **self.threshold_inputs(env),
        }

    def threshold_inputs(self, env: EnvContext) -> dict[str, Any]:
        schedules = self.threshold_schedules(env)
        if not schedules:
            return {}
        return {
            "threshold_schedules": schedules,
            "schedule_group_name": self.schedule_group_name(env),
            "alarm_definitions": env.out("monitoring", "alarm_definitions"),
            "alarm_arns": env.out("monitoring", "alarm_arns"),
            "kms_key_arn": env.out("kms", "key_arn"),
        }
