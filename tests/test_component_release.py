"""Blue/green releases (codedeploy, with the alb and ecs parts) and verified backups (backup):
rendered units, module code, toggles, errors and the terraform test of each module."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

import pygohcl
import pytest

from generator.components import BY_NAME
from generator.errors import FgenError
from generator.terraform import terraform_env
from tests.support import REPO, copy_repo, edit_manifest, render_tree, unit_inputs, line_of

MODULES = REPO / "templates" / "modules"
CRITICAL = {"auth", "game-logic", "realtime"}


def module_blocks(module: str, kind: str = "resource") -> dict[str, dict[str, Any]]:
    blocks: dict[str, dict[str, Any]] = {}
    for path in sorted((MODULES / module).glob("*.tf")):
        for rtype, items in pygohcl.loads(path.read_text()).get(kind, {}).items():
            if isinstance(items, dict):
                blocks.setdefault(rtype, {}).update(items)
    return blocks


def units(tree: dict[str, str], env: str) -> set[str]:
    prefix = f"infra/environments/{env}/"
    return {p[len(prefix):].split("/")[0] for p in tree if p.startswith(prefix)}


def render_error(project) -> str:
    with pytest.raises(FgenError) as exc:
        render_tree(project)
    return str(exc.value)


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> dict[str, str]:
    return render_tree(copy_repo(tmp_path_factory.mktemp("release")))


@pytest.fixture(scope="module")
def toggled_tree(tmp_path_factory) -> dict[str, str]:
    """prod: every service rolling, backup off."""
    project = copy_repo(tmp_path_factory.mktemp("release-off"))
    edit_manifest(project, "customer-x", "prod.yaml", {
        "services": {name: {"deployment": "rolling"} for name in CRITICAL},
        "backup": {"enabled": False},
    })
    return render_tree(project)


@pytest.fixture
def project(tmp_path):
    return copy_repo(tmp_path)


# --- blue/green releases --------------------------------------------------------------------------


def test_prod_critical_services_are_blue_green_and_dev_stays_rolling(tree):
    prod = unit_inputs(tree, "prod", "ecs")["services"]
    assert {name for name, s in prod.items() if s["deployment"] == "blue_green"} == CRITICAL
    assert prod["leaderboard"]["deployment"] == "rolling"
    dev = unit_inputs(tree, "dev", "ecs")["services"]
    assert {s["deployment"] for s in dev.values()} == {"rolling"}
    assert "codedeploy" in units(tree, "prod")
    assert "codedeploy" not in units(tree, "dev")
    assert unit_inputs(tree, "dev", "alb")["test_listener"] is None


def test_ecs_module_uses_code_deploy_with_rollback_for_blue_green_services():
    services = module_blocks("ecs")["aws_ecs_service"]
    blue_green, rolling = services["blue_green"], services["this"]
    assert blue_green["deployment_controller"]["type"] == "CODE_DEPLOY"
    assert "deployment_circuit_breaker" not in blue_green  # CodeDeploy refuses it
    ignored = blue_green["lifecycle"]["ignore_changes"]
    assert {"task_definition", "load_balancer", "desired_count"} <= {str(i).strip("${}") for i in ignored}
    assert rolling["deployment_controller"]["type"] == "ECS"
    assert rolling["deployment_circuit_breaker"] == {"enable": True, "rollback": True}


def test_deployment_groups_roll_back_on_alarms_with_the_manifest_config(tree):
    inputs = unit_inputs(tree, "prod", "codedeploy")
    assert set(inputs["services"]) == CRITICAL
    assert {s["deployment_config_name"] for s in inputs["services"].values()} == {
        "CodeDeployDefault.ECSCanary10Percent5Minutes"}
    assert {s["termination_wait_minutes"] for s in inputs["services"].values()} == {60}
    assert inputs["prod_listener_arn"] == "dependency.alb.outputs.https_listener_arn"
    assert inputs["test_listener_arn"] == "dependency.alb.outputs.test_listener_arn"
    assert inputs["alarm_topic_arn"] == "dependency.alerts.outputs.topic_arn"
    group = module_blocks("codedeploy")["aws_codedeploy_deployment_group"]["this"]
    assert set(group["auto_rollback_configuration"]["events"]) == {"DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"}
    assert group["alarm_configuration"]["enabled"] is True
    assert group["deployment_style"] == {"deployment_type": "BLUE_GREEN", "deployment_option": "WITH_TRAFFIC_CONTROL"}
    ready = group["blue_green_deployment_config"]["deployment_ready_option"]
    assert ready["action_on_timeout"] == "CONTINUE_DEPLOYMENT"


def test_deployment_config_comes_from_the_manifest(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"codedeploy": {
        "deployment_config": "CodeDeployDefault.ECSLinear10PercentEvery3Minutes", "termination_wait_minutes": 15}})
    inputs = unit_inputs(render_tree(project), "prod", "codedeploy")
    assert {s["deployment_config_name"] for s in inputs["services"].values()} == {
        "CodeDeployDefault.ECSLinear10PercentEvery3Minutes"}
    assert {s["termination_wait_minutes"] for s in inputs["services"].values()} == {15}


def test_alb_gets_green_target_groups_and_a_restricted_test_listener(tree):
    inputs = unit_inputs(tree, "prod", "alb")
    groups = inputs["target_groups"]
    for name, group in groups.items():
        if name in CRITICAL:
            assert group["blue_green"] is True
            assert group["green_name"] != group["name"] and "-g-" in group["green_name"]
            assert len(group["green_name"]) <= 32
        else:
            assert "blue_green" not in group
    assert len({g["priority"] for g in groups.values()}) == len(groups)
    listener = inputs["test_listener"]
    assert listener["port"] == 8443
    assert listener["source_ips"] == "dependency.vpc.outputs.nat_public_ips"
    rule = module_blocks("alb")["aws_vpc_security_group_ingress_rule"]["test_listener"]
    assert rule["description"]
    # CodeDeploy owns the forward action of blue/green rules
    for name in ("blue_green", "test"):
        assert module_blocks("alb")["aws_lb_listener_rule"][name]["lifecycle"]["ignore_changes"]


def test_unknown_deployment_config_is_refused(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"codedeploy": {"deployment_config": "OneAtATime"}})
    assert "codedeploy.deployment_config" in render_error(project)


def test_blue_green_without_codedeploy_names_the_setting(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"codedeploy": {"enabled": False}})
    message = render_error(project)
    line = line_of(project, "prod.yaml", "enabled: false")
    assert (f"customers/customer-x/prod.yaml:{line}: codedeploy.enabled: services 'auth', 'game-logic', "
            "'realtime' are released blue_green, which needs CodeDeploy") in message


def test_open_test_listener_is_refused(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"codedeploy": {"test_listener_cidrs": ["0.0.0.0/0"]}})
    assert "would open the test listener to the whole internet" in render_error(project)


def test_all_rolling_removes_codedeploy_and_every_reference(toggled_tree):
    assert "codedeploy" not in units(toggled_tree, "prod")
    assert not any("dependency.codedeploy" in t or "modules//codedeploy" in t for t in toggled_tree.values())
    assert unit_inputs(toggled_tree, "prod", "alb")["test_listener"] is None


# --- backups --------------------------------------------------------------------------------------


def test_prod_backs_up_database_and_assets_and_tests_restores(tree):
    assert "backup" in units(tree, "prod") and "backup" not in units(tree, "dev")
    inputs = unit_inputs(tree, "prod", "backup")
    assert inputs["kms_key_arn"] == "dependency.kms.outputs.key_arn"
    assert inputs["db_instance_arn"] == "dependency.rds.outputs.db_instance_arn"
    assert inputs["bucket_arn"] == "dependency.assets.outputs.bucket_arn"
    assert inputs["notification_topic_arn"] == "dependency.alerts.outputs.topic_arn"
    assert inputs["force_destroy"] is False
    assert inputs["rule"]["delete_after"] == 35
    testing = inputs["restore_testing"]
    assert testing["schedule"] == "cron(0 6 ? * MON *)"
    assert testing["rds_metadata_overrides"] == {"dbInstanceClass": "db.t4g.medium"}
    assert set(testing["name"]) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
    resources = module_blocks("backup")
    assert "this" in resources["aws_backup_restore_testing_plan"]
    assert resources["aws_backup_restore_testing_selection"]["rds"]["protected_resource_type"] == "RDS"


def test_backup_may_use_the_customer_key_for_the_alert_topic(tree):
    principals = unit_inputs(tree, "prod", "kms")["service_principals"]
    assert "backup.amazonaws.com" in principals


def test_backup_off_removes_the_unit_and_every_reference(toggled_tree):
    assert "backup" not in units(toggled_tree, "prod")
    assert not any("dependency.backup" in t or "modules//backup" in t for t in toggled_tree.values())


def test_prod_vault_may_not_be_force_destroyed(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"backup": {"force_destroy": True}})
    message = render_error(project)
    line = line_of(project, "prod.yaml", "force_destroy: true")
    assert (f"customers/customer-x/prod.yaml:{line}: backup.force_destroy: a production backup vault may not "
            "be force-destroyed") in message


def test_restore_testing_without_rds_is_refused(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"rds": {"enabled": False}, "dr": {"enabled": False}})
    message = render_error(project)
    assert "backup.restore_testing.enabled: restore testing restores the rds database, which is disabled" in message


def test_selection_window_longer_than_retention_is_refused(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"backup": {"delete_after_days": 5}})
    message = render_error(project)
    line = line_of(project, "prod.yaml", "delete_after_days: 5")
    assert "backup.restore_testing.selection_window_days: selection_window_days (7) is longer than " \
           "backup.delete_after_days (5)" in message
    assert line > 0


def test_bad_backup_schedule_is_refused(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"backup": {"schedule": "daily at 3"}})
    assert "backup.schedule" in render_error(project)


# --- outputs and mocks ----------------------------------------------------------------------------


@pytest.mark.parametrize("unit", ["codedeploy", "backup", "alb", "ecs"])
def test_mock_outputs_cover_every_module_output(unit):
    component = BY_NAME[unit]
    assert set(component.mock_outputs) == set(module_blocks(component.module, "output"))


def test_alb_mocks_are_keyed_by_the_blue_green_services(tree):
    text = tree["infra/environments/prod/codedeploy/terragrunt.hcl"]
    for name in CRITICAL:
        assert f'"{name}"' in text or f"{name} =" in text


# --- terraform test of each module ----------------------------------------------------------------


@pytest.mark.terraform
@pytest.mark.parametrize("module", ["codedeploy", "backup"])  # alb, ecs: test_component_application
def test_module_terraform_test(module, tmp_path):
    binary = shutil.which("terraform")
    if binary is None:
        pytest.skip("terraform is not on PATH")
    if not os.environ.get("FGEN_TF_PROVIDER_MIRROR"):
        pytest.skip("FGEN_TF_PROVIDER_MIRROR is not set (no offline AWS provider)")
    work = tmp_path / module
    shutil.copytree(MODULES / module, work)
    env = terraform_env(tmp_path)
    for cmd in (["init", "-backend=false", "-input=false", "-no-color"], ["test", "-no-color"]):
        result = subprocess.run([binary, *cmd], cwd=work, env=env, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stdout + result.stderr
