"""The warm standby's application tier (issue 17): services at standby capacity, images from the standby
region's registry (ECR replication from the primary region's account baseline), alarms, parameters and
the assertions of `validate --terraform` for the standby's units.

customer-x prod runs a warm standby in eu-central-1 (account 222222222222); the example estate
tests/estates/standby-shared-account has two customers whose production shares one account, both with a
pilot-light standby in eu-central-1.
"""

from __future__ import annotations

import json
from pathlib import Path

import pygohcl
import pytest

from generator.components.application import enabled_services
from generator.estate import (MAX_REPLICATION_FILTERS, MAX_REPLICATION_RULES, BaselineAsk, EcrAsk, EnvRef, Estate,
                              ReplicationRule, Where, replication_rules)
from generator.estate_stage import resolve_in_estate
from generator.tfassert import unit_runs
from tests.support import edit_manifest, estate_project, render_tree, unit_inputs

STANDBY_REGISTRY = "222222222222.dkr.ecr.eu-central-1.amazonaws.com/customer-x/"


def _prod(project):
    return next(e for e in resolve_in_estate(project, "customer-x").environments if e.name == "prod")


def _counts(inputs: dict) -> dict[str, tuple[int, int]]:
    return {name: (s["min_tasks"], s["max_tasks"]) for name, s in inputs["services"].items()}


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, text in enumerate(path.read_text().splitlines(), 1) if needle in text)


# --- capacity -------------------------------------------------------------------------------------


def test_warm_standby_runs_warm_tasks_and_keeps_the_primarys_max(project):
    tree = render_tree(project)
    primary = _counts(unit_inputs(tree, "prod", "ecs"))
    assert primary and all(counts == (3, 12) for counts in primary.values())
    assert _counts(unit_inputs(tree, "prod", "standby/ecs")) == {name: (1, 12) for name in primary}

    edit_manifest(project, "customer-x", "prod.yaml", {"standby": {"warm_tasks": 2}})
    assert _counts(unit_inputs(render_tree(project), "prod", "standby/ecs")) == {name: (2, 12) for name in primary}


def test_pilot_light_standby_runs_no_task_and_does_not_alarm_on_missing_tasks(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"standby": {"capacity": "pilot_light"}})
    tree = render_tree(project)
    services = unit_inputs(tree, "prod", "standby/ecs")["services"]
    assert {name: (s["min_tasks"], s["max_tasks"]) for name, s in services.items()} == \
        {name: (0, 12) for name in services}
    standby_alarms = unit_inputs(tree, "prod", "standby/monitoring")["ecs"]
    assert standby_alarms["running_task_alarms"] is False and standby_alarms["container_insights"] is True
    assert "running_task_alarms" not in unit_inputs(tree, "prod", "monitoring")["ecs"]  # the primary alarms
    prod = _prod(project)
    monitoring = prod.components["monitoring"]
    assert not [k for k in monitoring.alarm_keys(prod.standby_env) if k.endswith("-running-tasks")]
    assert {f"{name}-running-tasks" for name in services} <= set(monitoring.alarm_keys(prod))


def test_promoted_standby_runs_the_manifests_capacity_and_its_promoted_units(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"standby": {"capacity": "pilot_light", "promoted": True}})
    tree = render_tree(project)
    assert set(_counts(unit_inputs(tree, "prod", "standby/ecs")).values()) == {(3, 12)}
    assert "running_task_alarms" not in unit_inputs(tree, "prod", "standby/monitoring")["ecs"]
    # scheduled scaling moves with the services: it scales the standby's cluster
    events = pygohcl.loads(tree["infra/environments/prod/standby/scaling_events/terragrunt.hcl"])
    assert events["inputs"]["cluster_name"] == "dependency.standby__ecs.outputs.cluster_name"
    assert events["inputs"]["actions"]
    assert "infra/environments/prod/standby/backup/terragrunt.hcl" in tree
    assert "infra/environments/prod/ecs/terragrunt.hcl" not in tree


def test_warm_tasks_above_a_services_max_tasks_is_refused_at_its_line(project, fgen):
    edit_manifest(project, "customer-x", "prod.yaml", {"standby": {"warm_tasks": 13}})
    code, out, err = fgen("render", "customer-x")
    assert code == 2
    line = _line_of(project.customers_dir / "customer-x" / "prod.yaml", "warm_tasks")
    assert (f"customers/customer-x/prod.yaml:{line}: standby.warm_tasks: in the standby region eu-central-1: the "
            "standby would keep 13 'auth' tasks warm, above its max_tasks (12, services.auth.max_tasks); lower "
            "standby.warm_tasks") in err
    assert not (project.output_dir / "customer-x").exists()


# --- what the standby's tasks use -----------------------------------------------------------------


def test_standby_tasks_use_the_standby_regions_images_parameters_and_own_names(project):
    edit_manifest(project, "customer-x", "prod.yaml",
                  {"services": {"auth": {"secrets": {"JWT_SIGNING_KEY": "jwt-signing-key"}}}})
    tree = render_tree(project)
    inputs = unit_inputs(tree, "prod", "standby/ecs")
    services = inputs["services"]
    assert {s["image"] for s in services.values()} == {STANDBY_REGISTRY + name for name in services}
    assert inputs["ssm_parameter_arn_prefix"] == "arn:aws:ssm:eu-central-1:222222222222:parameter/customer-x/prod"
    assert services["auth"]["secrets"] == {
        "JWT_SIGNING_KEY": "arn:aws:ssm:eu-central-1:222222222222:parameter/customer-x/prod/auth/jwt-signing-key"}
    assert inputs["kms_key_arn"] == "dependency.standby__kms.outputs.key_arn"
    for name, s in services.items():
        assert s["log_group_name"] == f"/ecs/customer-x-prod-sb/{name}"
        assert s["task_role_name"] == f"customer-x-prod-sb-{name}-task"
        assert s["execution_role_name"] == f"customer-x-prod-sb-{name}-execution"
    # the same parameter names exist in the standby region, encrypted with its key
    parameters = unit_inputs(tree, "prod", "standby/parameters")
    assert parameters["path_prefix"] == "/customer-x/prod"
    assert list(parameters["parameters"]) == ["auth/jwt-signing-key"]
    assert parameters["kms_key_arn"] == "dependency.standby__kms.outputs.key_arn"
    readme = tree["README.md"]
    assert ("the same names in eu-west-1 and eu-central-1 (/customer-x/prod/...); placeholders (CHANGE\\_ME: 1) "
            "are created in both regions: set each value in both (aws ssm put-parameter --overwrite --region "
            "eu-west-1 and --region eu-central-1)") in readme


def test_standby_units_reference_only_standby_region_units(project):
    tree = render_tree(project)
    for unit, allowed in {"standby/alerts": {"standby__kms"},
                          "standby/monitoring": {"standby__alb", "standby__alerts", "standby__ecs", "standby__rds",
                                                 "standby__redis", "standby__waf"},
                          "standby/codedeploy": {"standby__alb", "standby__alerts", "standby__ecs"},
                          "standby/alb": {"standby__log_bucket", "standby__security_groups", "standby__vpc"},
                          "standby/parameters": {"standby__kms"}}.items():
        hcl = pygohcl.loads(tree[f"infra/environments/prod/{unit}/terragrunt.hcl"])
        assert set(hcl.get("dependency", {})) == allowed, unit
    alb = unit_inputs(tree, "prod", "standby/alb")
    assert alb["certificate_arn"].startswith("arn:aws:acm:eu-central-1:222222222222:")
    assert alb["access_logs_bucket"] == "dependency.standby__log_bucket.outputs.bucket_name"
    assert unit_inputs(tree, "prod", "standby/log_bucket")["bucket_name"] == "customer-x-prod-sb-logs-222222222222"


# --- ECR replication ------------------------------------------------------------------------------


def test_the_primary_regions_baseline_replicates_the_customers_repositories_to_the_standby(project):
    tree = render_tree(project)
    assert unit_inputs(tree, "prod", "account_baseline")["ecr_replication_rules"] == [
        {"destination_regions": ["eu-central-1"], "repository_prefixes": ["customer-x/"]}]
    assert "ecr_replication_rules" not in unit_inputs(tree, "prod", "standby/account_baseline")
    assert "ecr_replication_rules" not in unit_inputs(tree, "dev", "account_baseline")
    # the standby's Config delivers to the (primary region's) audit bucket with that region's key
    assert unit_inputs(tree, "prod", "standby/account_baseline")["kms_key_arn"] == "dependency.kms.outputs.key_arn"
    assertions = {a.error_message: a.condition for run in unit_runs(_prod(project))
                  if run.unit.name == "account_baseline" for a in run.assertions}
    condition = assertions["account_baseline: ECR must replicate customer-x/ to the standby region(s) eu-central-1 "
                           "of this account"]
    assert 'sort(["eu-central-1"])' in condition and 'sort(["customer-x/"])' in condition


def test_a_customer_without_standby_renders_no_replication_and_unchanged_services(project):
    with_standby = render_tree(project)
    edit_manifest(project, "customer-x", "prod.yaml", {"standby": {"enabled": False}})
    tree = render_tree(project)
    assert not [path for path in tree if "/standby/" in path]
    assert "ecr_replication_rules" not in unit_inputs(tree, "prod", "account_baseline")
    for unit in ("ecs", "alb", "monitoring", "parameters", "alerts", "codedeploy", "log_bucket"):
        path = f"infra/environments/prod/{unit}/terragrunt.hcl"
        assert tree[path] == with_standby[path], unit
    committed = Path(__file__).resolve().parents[1] / "output" / "customer-x" / "infra" / "environments"
    for unit in ("ecs", "monitoring", "account_baseline"):  # dev has no standby
        assert tree[f"infra/environments/dev/{unit}/terragrunt.hcl"] == \
            (committed / "dev" / unit / "terragrunt.hcl").read_text(), unit


def test_services_with_their_own_images_need_no_replication(project):
    images = {name: {"image": f"public.ecr.aws/fantasy/{name}"} for name in ("auth", "game-logic", "leaderboard",
                                                                            "realtime")}
    edit_manifest(project, "customer-x", "prod.yaml", {"services": images, "ecr": {"enabled": False}})
    tree = render_tree(project)
    assert "ecr_replication_rules" not in unit_inputs(tree, "prod", "account_baseline")
    services = unit_inputs(tree, "prod", "standby/ecs")["services"]
    assert {s["image"] for s in services.values()} == {f"public.ecr.aws/fantasy/{name}" for name in services}


def test_two_customers_sharing_an_account_get_one_replication_configuration(tmp_path, run):
    project = estate_project(tmp_path, "standby-shared-account")
    code, out, err = run(project, "render", "--all")
    assert code == 0, err
    environments = project.output_dir
    baselines = sorted(p.relative_to(environments).as_posix()
                       for p in environments.glob("*/infra/environments/prod/account_baseline/terragrunt.hcl"))
    assert baselines == ["alpha/infra/environments/prod/account_baseline/terragrunt.hcl"]  # beta uses alpha's
    inputs = pygohcl.loads((environments / baselines[0]).read_text())["inputs"]
    assert inputs["ecr_replication_rules"] == [
        {"destination_regions": ["eu-central-1"], "repository_prefixes": ["alpha/", "beta/"]}]
    for customer in ("alpha", "beta"):
        ecs = pygohcl.loads((environments / customer / "infra/environments/prod/standby/ecs/terragrunt.hcl")
                            .read_text())["inputs"]
        assert {s["image"] for s in ecs["services"].values()} == \
            {f"666666666666.dkr.ecr.eu-central-1.amazonaws.com/{customer}/{name}" for name in ecs["services"]}
        assert {s["min_tasks"] for s in ecs["services"].values()} == {0}
    code, out, err = run(project, "accounts")
    assert code == 0, err
    assert "    ecr_replication: asked by alpha/prod, beta/prod\n    ecr replication: alpha/*, beta/* -> eu-central-1" \
        in out
    code, out, err = run(project, "accounts", "--format", "json")
    assert code == 0, err
    primary = next(a for a in json.loads(out)["accounts"] if a["region"] == "eu-west-1")
    assert primary["account_baseline"]["settings"]["ecr_replication"] == [
        {"destinations": ["eu-central-1"], "repository_prefixes": ["alpha/", "beta/"]}]
    code, out, err = run(project, "explain", "beta", "prod", "account_baseline")
    assert code == 0, err
    assert ("ecr replication: beta/* replicated to eu-central-1 for this environment's warm standby, by the account "
            "baseline of account 666666666666 in eu-west-1 (owned by alpha/prod") in out


def test_replication_rules_group_prefixes_by_their_set_of_regions():
    pairs = [("eu-central-1", "a/"), ("eu-central-1", "b/"), ("us-east-1", "c/"), ("eu-central-1", "c/"),
             ("eu-central-1", "a/")]
    assert replication_rules(pairs) == (ReplicationRule(("eu-central-1",), ("a/", "b/")),
                                        ReplicationRule(("eu-central-1", "us-east-1"), ("c/",)))
    assert replication_rules([]) == ()


def _ref(customer: str, destination: str) -> EnvRef:
    file = f"customers/{customer}/prod.yaml"
    return EnvRef(customer, "prod", "prod", file, "777777777777", "eu-west-1", True, True,
                  BaselineAsk(ecr_replication=((destination, f"{customer}/"),)), None, EcrAsk(), None,
                  Where(file, 0, "ecr.enabled"), None, (), replication_at=Where(file, 7, "standby.enabled"))


def test_more_replication_rules_than_aws_allows_are_refused_at_each_standby():
    refs = [_ref(f"c{i:02d}", f"r{i:02d}-region-1") for i in range(MAX_REPLICATION_RULES + 1)]
    problems = Estate.from_refs(refs).check()
    assert len(problems) == len(refs)
    first = problems[0]
    assert (first.file, first.line, first.key) == ("customers/c00/prod.yaml", 7, "standby.enabled")
    assert first.message == (
        "the standby of c00/prod needs ECR replication from account 777777777777 (eu-west-1), whose one replication "
        "configuration would hold 11 rules (one per set of destination regions), AWS allows 10; place some standbys "
        "in regions other standbys already use, or set services.<name>.image for their services")
    assert Estate.from_refs(refs[:-1]).check() == []


def test_more_repository_prefixes_in_one_rule_than_aws_allows_are_refused():
    refs = [_ref(f"c{i:03d}", "eu-central-1") for i in range(MAX_REPLICATION_FILTERS + 1)]
    problems = Estate.from_refs(refs).check()
    assert len(problems) == len(refs)
    assert "would hold 101 repository prefixes replicated to eu-central-1, AWS allows 100 per rule;" in \
        problems[0].message


# --- assertions of `validate --terraform` ---------------------------------------------------------


@pytest.mark.parametrize("capacity, promoted, expected", [("warm", False, 1), ("pilot_light", False, 0),
                                                           ("pilot_light", True, 3)])
def test_standby_units_assert_in_their_own_context(project, capacity, promoted, expected):
    edit_manifest(project, "customer-x", "prod.yaml", {"standby": {"capacity": capacity, "promoted": promoted}})
    prod = _prod(project)
    runs = {run.unit.name: run.assertions for run in unit_runs(prod)}
    ecs = {a.error_message: a.condition for a in runs["standby/ecs"]}
    for name in enabled_services(prod.standby_env):
        matches = [c for m, c in ecs.items() if m.startswith(f"ecs: service {name} must run {expected} to ")]
        assert len(matches) == 1
        assert f".desired_count == {expected} && " in matches[0]
        assert f".min_capacity == {expected} && " in matches[0] and ".max_capacity == 12" in matches[0]
    # references resolve to the standby's own units
    logs = next(c for m, c in ecs.items() if m.startswith("ecs: every log group"))
    assert "run.standby__kms.key_arn" in logs
    alarms = {a.error_message: a.condition for a in runs["standby/monitoring"]}
    assert "run.standby__alerts.topic_arn" in alarms[
        "monitoring: every alarm must notify the alert topic of its region on ALARM and OK"]
    running = [k for k in prod.components["monitoring"].alarm_keys(prod.standby_env) if k.endswith("-running-tasks")]
    assert bool(running) == (capacity == "warm" or promoted)


def test_the_environment_test_mocks_the_standby_provider_in_the_standby_region(project):
    from generator.terraform import mock_providers

    prod = _prod(project)
    aliases = (None, "us_east_1", "dr", "standby")
    blocks = pygohcl.loads(mock_providers(prod, aliases=aliases) + "\n"
                           + mock_providers(prod, known_types={"aws_kms_key"}, aliases=aliases))
    providers = {p.get("alias"): p for p in blocks["mock_provider"]["aws"]}
    for alias in ("standby", "known_standby"):
        assert providers[alias]["mock_data"]["aws_region"]["defaults"]["id"] == "eu-central-1"
    assert providers[None]["mock_data"]["aws_region"]["defaults"]["id"] == "eu-west-1"
