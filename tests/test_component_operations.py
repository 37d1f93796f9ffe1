"""Alerts, monitoring and scaling events: module code, rendered units, toggles, errors, terraform tests."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime, timezone
from typing import Any

import pygohcl
import pytest

from generator.components import BY_NAME
from generator.components.base import Component, EnvContext
from generator.components.operations import (
    ALERT_PUBLISHERS,
    NOW_ENV,
    Monitoring,
    regional_web_acl_name,
    utc_now,
)
from generator.errors import FgenError
from generator.hcl import Output
from generator.resolve import resolve_customer
from generator.terraform import terraform_env
from tests.support import REPO, copy_repo, drop_previews, edit_manifest, parsed, render_tree, unit_inputs, line_of

MODULES = REPO / "templates" / "modules"
CUSTOMER = "customers/customer-x"
SERVICES = ["auth", "game-logic", "leaderboard", "realtime"]
NOW = "2030-01-01T00:00:00Z"


def module_blocks(module: str, kind: str) -> dict[str, Any]:
    blocks: dict[str, Any] = {}
    for path in sorted((MODULES / module).glob("*.tf")):
        parsed = pygohcl.loads(path.read_text())
        for key, value in parsed.get(kind, {}).items():
            if kind == "resource":
                blocks.setdefault(key, {}).update(value)
            else:
                blocks[key] = value
    return blocks


def render_error(project) -> str:
    with pytest.raises(FgenError) as exc:
        render_tree(project)
    return str(exc.value)


def append(project, file: str, text: str) -> None:
    """Append a YAML section; a ``scaling_events`` section replaces the example customer's own one."""
    path = project.customers_dir / "customer-x" / file
    current = path.read_text()
    if text.startswith("scaling_events:"):
        current = re.sub(r"(?ms)^scaling_events:\n(?:[ #].*?\n|\n)*?(?=^\S|\Z)", "", current)
    path.write_text(current.rstrip("\n") + "\n\n" + text)


def events_yaml(*events: str, extra: str = "") -> str:
    return "scaling_events:\n" + extra + "  events:\n" + "".join(events)


FINAL = """\
    - name: final
      start: 2030-05-30T18:00:00Z
      end: 2030-05-30T23:00:00Z
      traffic_factor: 3
"""


@pytest.fixture(autouse=True)
def pinned_now(monkeypatch):
    monkeypatch.setenv(NOW_ENV, NOW)


@pytest.fixture
def project(project):
    """The conftest copy without the example's preview: these tests set the clock to 2030, after it expired."""
    drop_previews(project)
    return project


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> dict[str, str]:
    project = copy_repo(tmp_path_factory.mktemp("ops"))
    drop_previews(project)
    return render_tree(project)


# --- alerts ---------------------------------------------------------------------------------------


def test_alerts_topic_is_encrypted_and_mails_the_owner_by_default(tree):
    for env in ("dev", "prod"):
        inputs = unit_inputs(tree, env, "alerts")
        assert inputs["name"] == f"customer-x-{env}-alerts"
        assert inputs["kms_key_arn"] == "dependency.kms.outputs.key_arn"
        assert inputs["email_addresses"] == ["platform-team@customer-x.example.com"]
        assert inputs["publisher_service_principals"] == list(ALERT_PUBLISHERS)


def test_kms_key_lets_every_publisher_use_it(tree):
    principals = unit_inputs(tree, "prod", "kms")["service_principals"]
    assert set(ALERT_PUBLISHERS) <= set(principals)


def test_alert_emails_from_the_manifest(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"alerts": {"emails": ["oncall@customer-x.example.com",
                                                                             "sre@customer-x.example.com"]}})
    tree = render_tree(project)
    assert unit_inputs(tree, "prod", "alerts")["email_addresses"] == ["oncall@customer-x.example.com",
                                                                       "sre@customer-x.example.com"]
    assert unit_inputs(tree, "dev", "alerts")["email_addresses"] == ["platform-team@customer-x.example.com"]
    assert "| Alert emails | platform-team@customer-x.example.com | oncall@customer-x.example.com, " \
           "sre@customer-x.example.com |" in tree["README.md"]


def test_alert_emails_are_validated(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"alerts": {"emails": ["not-an-email"]}})
    error = render_error(project)
    assert f"{CUSTOMER}/prod.yaml:{line_of(project, 'prod.yaml', 'not-an-email')}: alerts.emails[0]:" in error


def test_alert_emails_may_not_repeat(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"alerts": {"emails": ["a@x.example.com", "A@x.example.com"]}})
    assert "alerts.emails: A@x.example.com is listed twice" in render_error(project)


def test_alerts_module_policy_and_subscriptions():
    resources = module_blocks("alerts", "resource")
    assert resources["aws_sns_topic"]["this"]["kms_master_key_id"] == "var.kms_key_arn"
    assert resources["aws_sns_topic_subscription"]["email"]["protocol"] == "email"
    main = (MODULES / "alerts" / "main.tf").read_text()
    assert '"aws:SourceAccount" = local.account_id' in main
    assert '"aws:SecureTransport" = "false"' in main
    assert set(module_blocks("alerts", "output")) == {"topic_arn", "topic_name"} == set(BY_NAME["alerts"].mock_outputs)


# --- monitoring: module ---------------------------------------------------------------------------


def test_every_alarm_notifies_the_topic_on_alarm_and_ok():
    alarms = module_blocks("monitoring", "resource")["aws_cloudwatch_metric_alarm"]
    assert set(alarms) == {"metric", "math"}
    for name, alarm in alarms.items():
        assert alarm["alarm_actions"] == ["var.alarm_topic_arn"], name
        assert alarm["ok_actions"] == ["var.alarm_topic_arn"], name
        assert "treat_missing_data" in alarm, name


def test_monitoring_module_watches_every_required_metric():
    text = "".join(p.read_text() for p in (MODULES / "monitoring").glob("*.tf"))
    for metric in ("HTTPCode_ELB_5XX_Count", "RequestCount", "HTTPCode_Target_5XX_Count", "TargetResponseTime",
                   "UnHealthyHostCount", "CPUUtilization", "MemoryUtilization", "RunningTaskCount",
                   "DesiredTaskCount", "FreeStorageSpace", "FreeableMemory", "DatabaseConnections", "ReadLatency",
                   "WriteLatency", "ReplicaLag", "EngineCPUUtilization", "DatabaseMemoryUsagePercentage",
                   "Evictions", "CurrConnections", "CacheHits", "CacheMisses", "BlockedRequests"):
        assert f'"{metric}"' in text, metric
    assert 'extended_statistic = "p95"' in text and 'extended_statistic = "p99"' in text
    assert '"ECS/ContainerInsights"' in text and '"AWS/WAFV2"' in text
    assert 'resource "aws_cloudwatch_dashboard" "this"' in text


def test_monitoring_mock_outputs_cover_every_output():
    assert set(module_blocks("monitoring", "output")) == set(BY_NAME["monitoring"].mock_outputs)
    assert set(module_blocks("scaling_events", "output")) == set(BY_NAME["scaling_events"].mock_outputs)


# --- monitoring: rendered units -------------------------------------------------------------------


def test_monitoring_depends_on_alerts_and_the_watched_units(tree):
    text = tree["infra/environments/prod/monitoring/terragrunt.hcl"]
    for unit in ("alerts", "alb", "ecs", "rds", "redis"):
        assert f'config_path = "../{unit}"' in text, unit
    inputs = unit_inputs(tree, "prod", "monitoring")
    assert inputs["alarm_topic_arn"] == "dependency.alerts.outputs.topic_arn"
    assert inputs["services"] == SERVICES
    assert inputs["ecs"]["service_names"] == "dependency.ecs.outputs.service_names"
    assert inputs["alb"]["target_group_arn_suffixes"] == "dependency.alb.outputs.target_group_arn_suffixes"
    assert inputs["rds"] == {"instance_identifier": "dependency.rds.outputs.db_instance_identifier",
                             "replica_count": 1}
    assert inputs["redis"]["replication_group_id"] == "dependency.redis.outputs.replication_group_id"
    assert inputs["redis"]["replicas_per_node_group"] == 2
    assert inputs["ecs"]["container_insights"] is True


def test_profile_thresholds_reach_the_unit(tree):
    prod = unit_inputs(tree, "prod", "monitoring")
    dev = unit_inputs(tree, "dev", "monitoring")
    assert prod["period_seconds"] == 60 and dev["period_seconds"] == 300
    assert prod["alb_thresholds"]["elb_5xx_rate_percent"] < dev["alb_thresholds"]["elb_5xx_rate_percent"]
    assert prod["rds_thresholds"]["free_storage_gib"] == 20


def test_manifest_thresholds_reach_the_unit(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"monitoring": {
        "rds": {"cpu_percent": 70, "replica_lag_seconds": 10},
        "alb": {"p95_response_time_seconds": 0.25},
        "redis": {"hit_rate_percent": 90},
        "ecs": {"memory_percent": 75},
    }})
    inputs = unit_inputs(render_tree(project), "prod", "monitoring")
    assert inputs["rds_thresholds"]["cpu_percent"] == 70
    assert inputs["rds_thresholds"]["replica_lag_seconds"] == 10
    assert inputs["rds_thresholds"]["connections"] == 800  # the profile's value still applies
    assert inputs["alb_thresholds"]["p95_response_time_seconds"] == 0.25
    assert inputs["redis_thresholds"]["hit_rate_percent"] == 90
    assert inputs["ecs_thresholds"]["memory_percent"] == 75


def waf_alarms(tree: dict[str, str], env: str) -> int:
    return 1 if f"infra/environments/{env}/waf/terragrunt.hcl" in tree else 0


def test_alarm_summary_counts_what_the_module_creates(tree):
    # dev: ALB 3 + 2 x 4 services, ECS 3 x 4, RDS 6, cache 6 x 1 node (+ WAF)
    # prod: ALB 3 + 2 x 4 services, ECS 3 x 4, RDS 6 + 1 replica, cache 6 x 3 nodes (+ WAF)
    assert f"| Alarms | {35 + waf_alarms(tree, 'dev')} | {48 + waf_alarms(tree, 'prod')} |" in tree["README.md"]
    assert "| Dashboard | customer-x-dev | customer-x-prod |" in tree["README.md"]


def test_disabling_monitoring_removes_the_unit(project):
    edit_manifest(project, "customer-x", "dev.yaml", {"monitoring": {"enabled": False}})
    tree = render_tree(project)
    assert "infra/environments/dev/monitoring/terragrunt.hcl" not in tree
    assert "infra/environments/prod/monitoring/terragrunt.hcl" in tree
    for path, text in tree.items():
        if path.startswith("infra/environments/dev/"):
            assert "dependency.monitoring." not in text, path


def test_disabled_data_units_are_not_watched(project):
    edit_manifest(project, "customer-x", "dev.yaml", {"rds": {"enabled": False}, "redis": {"enabled": False},
                                                      "ecs": {"container_insights": "disabled"}})
    tree = render_tree(project)
    inputs = unit_inputs(tree, "dev", "monitoring")
    assert inputs["rds"] is None and inputs["redis"] is None
    assert inputs["ecs"]["container_insights"] is False
    text = tree["infra/environments/dev/monitoring/terragrunt.hcl"]
    assert "dependency.rds" not in text and "dependency.redis" not in text
    assert f"| Alarms | {19 + waf_alarms(tree, 'dev')} |" in tree["README.md"]  # ALB 3 + 8, ECS 2 x 4 (+ WAF)


@pytest.mark.skipif("waf" not in BY_NAME, reason="no waf component in this catalogue")
def test_waf_alarm_follows_the_waf_unit(project):
    edit_manifest(project, "customer-x", "dev.yaml", {"waf": {"enabled": False}})
    edit_manifest(project, "customer-x", "prod.yaml", {"waf": {"enabled": True}})
    tree = render_tree(project)
    assert unit_inputs(tree, "prod", "monitoring")["waf"] == {
        "web_acl_arn": "dependency.waf.outputs.regional_web_acl_arn",
        "web_acl_name": "customer-x-prod-regional",  # the name the waf module gives its REGIONAL web ACL
    }
    assert 'config_path = "../waf"' in tree["infra/environments/prod/monitoring/terragrunt.hcl"]
    assert unit_inputs(tree, "dev", "monitoring")["waf"] is None
    assert "dependency.waf" not in tree["infra/environments/dev/monitoring/terragrunt.hcl"]
    # the waf module's REGIONAL acl submodule call names it <name>-<lower(scope)>
    waf_main = (MODULES / "waf" / "main.tf").read_text()
    assert re.search(r'module "regional" \{[^}]*name\s*=\s*var\.name\n[^}]*scope\s*=\s*"REGIONAL"', waf_main)
    acl_main = (MODULES / "waf" / "modules" / "acl" / "main.tf").read_text()
    assert re.search(r'acl_name\s*=\s*"\$\{var\.name\}-\$\{lower\(var\.scope\)\}"', acl_main)
    assert unit_inputs(tree, "prod", "waf")["name"] == "customer-x-prod"


def test_waf_alarm_only_with_a_waf_unit(project):
    contexts = {env.name: env for env in resolve_customer(project, "customer-x").environments}
    prod = contexts["prod"]
    if not prod.enabled("waf"):
        assert Monitoring().inputs(prod)["waf"] is None

    class StubWaf(Component):
        name = "waf"
        module = "waf"
        description = "stub"

        def enabled(self, env: EnvContext) -> bool:
            return True

    with_waf = EnvContext(prod.customer, prod.name, prod.profile, prod.manifest, prod.merged,
                          {**prod.components, "waf": StubWaf()})
    waf = Monitoring().inputs(with_waf)["waf"]
    assert waf == {"web_acl_arn": Output("waf", "regional_web_acl_arn"), "web_acl_name": "customer-x-prod-regional"}
    assert regional_web_acl_name(with_waf) == "customer-x-prod-regional"

    class OffWaf(StubWaf):
        def enabled(self, env: EnvContext) -> bool:
            return False

    without = EnvContext(prod.customer, prod.name, prod.profile, prod.manifest, prod.merged,
                         {**prod.components, "waf": OffWaf()})
    assert Monitoring().inputs(without)["waf"] is None


def test_cache_alarm_count_is_bounded(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"redis": {"cluster_mode": "enabled", "num_node_groups": 20}})
    line = line_of(project, "prod.yaml", "num_node_groups")
    assert (f"{CUSTOMER}/prod.yaml:{line}: redis.num_node_groups: monitoring would create 360 cache alarms (6 per "
            "node); disable monitoring or use fewer, larger shards") in render_error(project)


def test_datapoints_may_not_exceed_evaluation_periods(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"monitoring": {"datapoints_to_alarm": 9}})
    assert "monitoring: datapoints_to_alarm (9) is above evaluation_periods (5)" in render_error(project)


def test_p99_threshold_may_not_be_below_p95(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"monitoring": {"alb": {"p99_response_time_seconds": 0.1}}})
    assert "p99_response_time_seconds (0.1) is below p95_response_time_seconds (0.5)" in render_error(project)


# --- scaling events -------------------------------------------------------------------------------


def test_no_events_no_unit(tree):
    assert "infra/environments/dev/scaling_events/terragrunt.hcl" not in tree


def test_example_customer_raises_thresholds_for_its_event(tree):
    """customers/customer-x/prod.yaml: the world cup final, 3x capacity and six alarms loosened 2x."""
    inputs = unit_inputs(tree, "prod", "scaling_events")
    schedules = inputs["threshold_schedules"]
    assert len(schedules) == 12  # alb p95 and p99, rds connections, 3 cache nodes' connections (redis-*-connections)
    assert schedules["world-cup-final-raise-rds-connections"] == {
        "at": "2030-07-21T17:00:00", "alarm": "rds-connections", "factor": 2, "reason": "world-cup-final-raise"}
    assert schedules["world-cup-final-restore-redis-003-connections"]["factor"] == 1


def test_event_raises_capacity_ahead_and_restores_it_at_the_end(project):
    append(project, "prod.yaml", events_yaml(FINAL))
    tree = render_tree(project)
    assert "infra/environments/dev/scaling_events/terragrunt.hcl" not in tree
    inputs = unit_inputs(tree, "prod", "scaling_events")
    assert inputs["cluster_name"] == "dependency.ecs.outputs.cluster_name"
    assert inputs["service_names"] == "dependency.ecs.outputs.service_names"
    actions = inputs["actions"]
    assert len(actions) == 2 * len(SERVICES)
    start = actions["customer-x-prod-auth-final-start"]
    end = actions["customer-x-prod-auth-final-end"]
    # prod: default lead 60 minutes; auth normally 3-12 tasks, x3 = 9-36 (below the cap of 100)
    assert start == {"service": "auth", "at": "2030-05-30T17:00:00", "min_tasks": 9, "max_tasks": 36,
                     "reason": "final-start"}
    assert end == {"service": "auth", "at": "2030-05-30T23:00:00", "min_tasks": 3, "max_tasks": 12,
                   "reason": "final-end"}
    assert "| Scheduled events | — | final (2030-05-30T18:00:00Z – 2030-05-30T23:00:00Z) |" in tree["README.md"]


def test_lead_minutes_and_cap(project):
    event = FINAL.replace("traffic_factor: 3", "traffic_factor: 20\n      lead_minutes: 15")
    append(project, "prod.yaml", events_yaml(event, extra="  max_tasks: 50\n"))
    actions = unit_inputs(render_tree(project), "prod", "scaling_events")["actions"]
    start = actions["customer-x-prod-realtime-final-start"]
    assert start["at"] == "2030-05-30T17:45:00"
    assert (start["min_tasks"], start["max_tasks"]) == (50, 50)  # 3 x 20 and 12 x 20, both capped at 50


def test_traffic_factor_for_some_services(project):
    event = FINAL + "      services: [realtime]\n"
    append(project, "prod.yaml", events_yaml(event))
    actions = unit_inputs(render_tree(project), "prod", "scaling_events")["actions"]
    assert set(actions) == {"customer-x-prod-realtime-final-start", "customer-x-prod-realtime-final-end"}


def test_explicit_min_tasks(project):
    event = """\
    - name: launch
      start: "2030-03-01T09:00:00Z"
      end: "2030-03-01T21:00:00Z"
      lead_minutes: 0
      min_tasks:
        leaderboard: 6
"""
    append(project, "prod.yaml", events_yaml(event))
    actions = unit_inputs(render_tree(project), "prod", "scaling_events")["actions"]
    assert set(actions) == {"customer-x-prod-leaderboard-launch-start", "customer-x-prod-leaderboard-launch-end"}
    start = actions["customer-x-prod-leaderboard-launch-start"]
    # normally 3-12: min 6, max grows in proportion (12 x 6 / 3 = 24)
    assert (start["at"], start["min_tasks"], start["max_tasks"]) == ("2030-03-01T09:00:00", 6, 24)


def test_overlapping_events_are_merged(project):
    second = """\
    - name: draft
      start: 2030-05-30T21:00:00Z
      end: 2030-05-31T02:00:00Z
      lead_minutes: 30
      min_tasks:
        realtime: 40
"""
    append(project, "prod.yaml", events_yaml(FINAL, second))
    actions = unit_inputs(render_tree(project), "prod", "scaling_events")["actions"]
    realtime = sorted((a["at"], a["min_tasks"], a["max_tasks"], a["reason"])
                      for a in actions.values() if a["service"] == "realtime")
    assert realtime == [
        ("2030-05-30T17:00:00", 9, 36, "final-start"),
        ("2030-05-30T20:30:00", 40, 100, "draft-start"),  # max of both events; 12 x 40 / 3 capped at 100
        # final ends at 23:00 while draft still runs: nothing changes, no action
        ("2030-05-31T02:00:00", 3, 12, "draft-end"),
    ]
    auth = sorted(a["at"] for a in actions.values() if a["service"] == "auth")
    assert auth == ["2030-05-30T17:00:00", "2030-05-30T23:00:00"]


def test_events_per_environment(project):
    append(project, "dev.yaml", events_yaml(FINAL))
    tree = render_tree(project)
    assert "infra/environments/dev/scaling_events/terragrunt.hcl" in tree
    # prod keeps only its own event (customers/customer-x/prod.yaml)
    prod_actions = unit_inputs(tree, "prod", "scaling_events")["actions"]
    assert all("world-cup-final" in name for name in prod_actions)
    start = unit_inputs(tree, "dev", "scaling_events")["actions"]["customer-x-dev-auth-final-start"]
    # dev: lead 30 minutes, auth normally 1-2 tasks
    assert (start["at"], start["min_tasks"], start["max_tasks"]) == ("2030-05-30T17:30:00", 3, 6)


def test_past_event_is_rejected(project):
    append(project, "prod.yaml", events_yaml(FINAL.replace("2030-05-30", "2029-05-30")))
    line = line_of(project, "prod.yaml", "end: 2029-05-30T23:00:00Z")
    assert (f"{CUSTOMER}/prod.yaml:{line}: scaling_events.events[0].end: event 'final' is in the past: it ended "
            f"2029-05-30T23:00:00Z, and it is now {NOW}; remove it") in render_error(project)


def test_now_is_injectable(monkeypatch):
    monkeypatch.setenv(NOW_ENV, "2031-02-03T04:05:06Z")
    assert utc_now() == datetime(2031, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
    monkeypatch.delenv(NOW_ENV)
    assert abs((utc_now() - datetime.now(timezone.utc)).total_seconds()) < 5
    monkeypatch.setenv(NOW_ENV, "yesterday")
    with pytest.raises(FgenError, match="FGEN_NOW='yesterday' is not an ISO 8601"):
        utc_now()


def test_ongoing_event_still_renders(project, monkeypatch):
    monkeypatch.setenv(NOW_ENV, "2030-05-30T20:00:00Z")  # after the raise, before the end
    append(project, "prod.yaml", events_yaml(FINAL))
    assert "customer-x-prod-auth-final-end" in unit_inputs(render_tree(project), "prod", "scaling_events")["actions"]


def test_end_before_start_is_rejected(project):
    append(project, "prod.yaml", events_yaml(FINAL.replace("end: 2030-05-30T23:00:00Z", "end: 2030-05-30T17:00:00Z")))
    line = line_of(project, "prod.yaml", "end: 2030-05-30T17:00:00Z")
    assert (f"{CUSTOMER}/prod.yaml:{line}: scaling_events.events[0].end: event 'final' ends (2030-05-30T17:00:00Z) "
            "before or when it starts (2030-05-30T18:00:00Z); end must be after start") in render_error(project)


def test_unknown_service_is_rejected(project):
    append(project, "prod.yaml", events_yaml(FINAL + "      services: [realtim]\n"))
    line = line_of(project, "prod.yaml", "services: [realtim]")
    assert (f"{CUSTOMER}/prod.yaml:{line}: scaling_events.events[0].services[0]: event 'final' names unknown service "
            "'realtim' (did you mean 'realtime'?); services: auth, game-logic, leaderboard, realtime") \
        in render_error(project)


def test_unknown_service_in_min_tasks_is_rejected(project):
    event = FINAL.replace("traffic_factor: 3", "min_tasks:\n        payments: 4")
    append(project, "prod.yaml", events_yaml(event))
    line = line_of(project, "prod.yaml", "payments: 4")
    assert (f"{CUSTOMER}/prod.yaml:{line}: scaling_events.events[0].min_tasks.payments: event 'final' names unknown "
            "service 'payments'") in render_error(project)


def test_disabled_service_is_rejected(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"services": {"leaderboard": {"enabled": False}}})
    append(project, "prod.yaml", events_yaml(FINAL + "      services: [leaderboard]\n"))
    assert ("scaling_events.events[0].services[0]: event 'final' names service 'leaderboard', which is disabled in "
            "this environment") in render_error(project)


def test_min_tasks_above_the_cap_or_below_normal(project):
    event = FINAL.replace("traffic_factor: 3", "min_tasks:\n        auth: 500\n        realtime: 2")
    append(project, "prod.yaml", events_yaml(event))
    error = render_error(project)
    assert "scaling_events.events[0].min_tasks.auth: event 'final' asks for 500 'auth' tasks, above " \
           "scaling_events.max_tasks (100)" in error
    assert "scaling_events.events[0].min_tasks.realtime: event 'final' asks for 2 'realtime' tasks, below its " \
           "normal min_tasks (3)" in error


def test_duplicate_event_names(project):
    append(project, "prod.yaml", events_yaml(FINAL, FINAL.replace("2030-05-30", "2030-06-30")))
    assert "scaling_events.events[1].name: event name 'final' is used twice (also events[0])" in render_error(project)


@pytest.mark.parametrize("start, message", [
    ("2030-05-30T18:00:00", "must be an ISO 8601 date and time in UTC, ending in Z"),
    ("2030-05-30T18:00:00+02:00", "must be an ISO 8601 date and time in UTC, ending in Z"),
])
def test_times_must_be_utc(project, start, message):
    append(project, "prod.yaml", events_yaml(FINAL.replace("start: 2030-05-30T18:00:00Z", f'start: "{start}"')))
    line = line_of(project, "prod.yaml", f'start: "{start}"')
    assert f"{CUSTOMER}/prod.yaml:{line}: scaling_events.events[0].start: {message}" in render_error(project)


def test_factor_or_min_tasks_not_both(project):
    append(project, "prod.yaml", events_yaml(FINAL + "      min_tasks:\n        auth: 4\n"))
    assert "give either traffic_factor or min_tasks" in render_error(project)


# --- alarm threshold raises during events ----------------------------------------------------------

RAISE = """\
      raise_alarm_thresholds:
        factor: 2
        alarms: [alb-p95-latency, rds-connections, redis-001-connections]
"""


def test_monitoring_alarm_keys_mirror_the_module(project):
    """alarm_keys (what events may raise, and the mocks' keys) follows the module's naming; its length is the
    README's alarm count, which other tests pin per environment."""
    prod = next(e for e in resolve_customer(project, "customer-x").environments if e.name == "prod")
    keys = BY_NAME["monitoring"].alarm_keys(prod)
    assert len(keys) == len(set(keys)) == BY_NAME["monitoring"].alarm_count(prod)
    assert {"alb-5xx-rate", "alb-p95-latency", "auth-target-5xx", "auth-running-tasks", "rds-replica-1-lag",
            "redis-001-connections", "redis-003-hit-rate", "waf-blocked-requests"} <= set(keys)
    assert set(BY_NAME["monitoring"].mocks(prod)["alarm_definitions"]) == set(keys)


def test_event_raises_chosen_alarm_thresholds_and_restores_them(project):
    append(project, "prod.yaml", events_yaml(FINAL + RAISE))
    tree = render_tree(project)
    inputs = unit_inputs(tree, "prod", "scaling_events")
    assert inputs["alarm_definitions"] == "dependency.monitoring.outputs.alarm_definitions"
    assert inputs["alarm_arns"] == "dependency.monitoring.outputs.alarm_arns"
    assert inputs["kms_key_arn"] == "dependency.kms.outputs.key_arn"
    assert inputs["schedule_group_name"] == "customer-x-prod-event-alarms"
    schedules = inputs["threshold_schedules"]
    assert len(schedules) == 6
    # raised with the capacity (start minus the prod lead of 60 minutes), restored (factor 1) at the end
    assert schedules["final-raise-alb-p95-latency"] == {"at": "2030-05-30T17:00:00", "alarm": "alb-p95-latency",
                                                        "factor": 2, "reason": "final-raise"}
    assert schedules["final-restore-alb-p95-latency"] == {"at": "2030-05-30T23:00:00", "alarm": "alb-p95-latency",
                                                          "factor": 1, "reason": "final-restore"}
    deps = parsed(tree, "infra/environments/prod/scaling_events/terragrunt.hcl")["dependency"]
    mocks = deps["monitoring"]["mock_outputs"]
    assert {"alb-p95-latency", "rds-connections", "redis-001-connections"} <= set(mocks["alarm_definitions"])
    assert mocks["alarm_arns"]["rds-connections"] == \
        "arn:aws:cloudwatch:eu-west-1:222222222222:alarm:customer-x-prod-rds-connections"
    assert "raise_alarm_thresholds" not in tree["infra/environments/prod/scaling_events/terragrunt.hcl"]
    assert "3 alarm thresholds × 2" in tree["README.md"]


def test_event_without_raise_schedules_nothing(project):
    append(project, "prod.yaml", events_yaml(FINAL))
    inputs = unit_inputs(render_tree(project), "prod", "scaling_events")
    assert "threshold_schedules" not in inputs and "alarm_definitions" not in inputs


def test_threshold_module_calls_put_metric_alarm_with_least_privilege():
    text = (REPO / "templates" / "modules" / "scaling_events" / "thresholds.tf").read_text()
    blocks = pygohcl.loads(text)["resource"]
    schedule = blocks["aws_scheduler_schedule"]["thresholds"]
    assert schedule["schedule_expression"] == "at(each.value.at)"
    assert schedule["kms_key_arn"] == "var.kms_key_arn"
    assert schedule["flexible_time_window"]["mode"] == "OFF"
    assert "aws-sdk:cloudwatch:putMetricAlarm" in schedule["target"]["arn"]
    assert 'Action   = ["cloudwatch:PutMetricAlarm"]' in text
    assert "Resource = sort([for key in local.threshold_alarms : var.alarm_arns[key]])" in text
    assert "Drift, by design" in text
    assert "alarm_definitions" in module_blocks("monitoring", "output")


def test_unknown_alarm_key_is_refused_with_a_hint(project):
    append(project, "prod.yaml", events_yaml(FINAL + RAISE.replace("rds-connections", "rds-conections")))
    line = line_of(project, "prod.yaml", "alarms: [", after="raise_alarm_thresholds")
    error = render_error(project)
    assert (f"{CUSTOMER}/prod.yaml:{line}: scaling_events.events[0].raise_alarm_thresholds.alarms[1]: event "
            "'final' raises 'rds-conections', which matches none of this environment's 49 alarms (did you mean "
            "'rds-connections'?)") in error, error


def test_alarm_patterns_select_every_matching_alarm(project):
    append(project, "prod.yaml", events_yaml(FINAL + RAISE.replace("redis-001-connections", "redis-*-connections")))
    schedules = unit_inputs(render_tree(project), "prod", "scaling_events")["threshold_schedules"]
    raised = sorted(s["alarm"] for s in schedules.values() if s["reason"] == "final-raise")
    # prod's cache: one primary and two replicas
    assert raised == ["alb-p95-latency", "rds-connections", "redis-001-connections", "redis-002-connections",
                      "redis-003-connections"]


def test_pattern_matching_nothing_is_refused(project):
    append(project, "prod.yaml", events_yaml(FINAL + RAISE.replace("redis-001-connections", "dynamo-*")))
    assert ("raise_alarm_thresholds.alarms[2]: event 'final' raises 'dynamo-*', which matches none of this "
            "environment's") in render_error(project)


@pytest.mark.parametrize("factor, message", [
    ("1", "must be more than 1.0, got 1"),
    ("20", "must be at most 10"),
])
def test_bad_factor_is_refused(project, factor, message):
    append(project, "prod.yaml", events_yaml(FINAL + RAISE.replace("factor: 2", f"factor: {factor}")))
    line = line_of(project, "prod.yaml", "factor:", after="raise_alarm_thresholds")
    error = render_error(project)
    assert f"{CUSTOMER}/prod.yaml:{line}: scaling_events.events[0].raise_alarm_thresholds.factor: {message}" \
        in error, error


def test_overlapping_raises_of_one_alarm_are_refused(project):
    second = FINAL.replace("name: final", "name: semi").replace("18:00:00Z", "20:00:00Z") \
        .replace("23:00:00Z", "23:30:00Z")
    append(project, "prod.yaml", events_yaml(FINAL + RAISE, second + RAISE))
    error = render_error(project)
    assert ("scaling_events.events[1].raise_alarm_thresholds: event 'semi' raises alb-p95-latency, "
            "rds-connections, redis-001-connections while event 'final' (events[0]) has them raised") in error, error


def test_raise_without_monitoring_is_refused(project):
    append(project, "prod.yaml", events_yaml(FINAL + RAISE))
    edit = project.customers_dir / "customer-x" / "prod.yaml"
    edit.write_text(edit.read_text() + "\nmonitoring:\n  enabled: false\n")
    assert ("scaling_events.events[0].raise_alarm_thresholds: event 'final' raises alarm thresholds, but "
            "monitoring is disabled") in render_error(project)


# --- terraform test of each module --------------------------------------------------------------


@pytest.mark.terraform
@pytest.mark.parametrize("module", ["alerts", "monitoring", "scaling_events"])
def test_module_terraform_test(module, tmp_path):
    binary = shutil.which("terraform")
    if binary is None:
        pytest.skip("terraform is not on PATH")
    work = tmp_path / module
    shutil.copytree(MODULES / module, work)
    env = terraform_env(tmp_path)
    for cmd in (["init", "-backend=false", "-input=false", "-no-color"], ["test", "-no-color"]):
        result = subprocess.run([binary, *cmd], cwd=work, env=env, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stdout + result.stderr
