"""SSM parameters, budgets and disaster recovery: rendered units, module code, toggles, errors, the
generated RUNBOOK.md and the terraform test of each module."""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

import pygohcl
import pytest

from generator.components import BY_NAME
from generator.errors import FgenError
from generator.render import is_generated
from generator.resolve import resolve_customer
from generator.terraform import terraform_env
from tests.support import REPO, copy_repo, edit_manifest, parsed, render_tree, unit_inputs

MODULES = REPO / "templates" / "modules"
OWNER = "platform-team@customer-x.example.com"
SECRETS = {
    "services": {
        "auth": {"secrets": {"JWT_SIGNING_KEY": "jwt-signing-key", "OAUTH_CLIENT_SECRET": "oauth/client-secret"}},
        "game-logic": {"secrets": {"STRIPE_KEY": "stripe-key"}},
    },
}


def module_file(module: str, name: str) -> dict[str, Any]:
    return pygohcl.loads((MODULES / module / name).read_text())


def module_blocks(module: str, kind: str = "resource") -> dict[str, dict[str, Any]]:
    blocks: dict[str, dict[str, Any]] = {}
    for path in sorted((MODULES / module).glob("*.tf")):
        for rtype, items in pygohcl.loads(path.read_text()).get(kind, {}).items():
            if isinstance(items, dict):
                blocks.setdefault(rtype, {}).update(items)
    return blocks


def render_error(project) -> str:
    with pytest.raises(FgenError) as exc:
        render_tree(project)
    return str(exc.value)


def line_of(project, file: str, needle: str) -> int:
    lines = (project.customers_dir / "customer-x" / file).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def units(tree: dict[str, str], env: str) -> set[str]:
    prefix = f"infra/environments/{env}/"
    return {p[len(prefix):].split("/")[0] for p in tree if p.startswith(prefix)}


@pytest.fixture(scope="module")
def base_project(tmp_path_factory):
    return copy_repo(tmp_path_factory.mktemp("resilience"))


@pytest.fixture(scope="module")
def tree(base_project) -> dict[str, str]:
    return render_tree(base_project)


@pytest.fixture(scope="module")
def edited_tree(tmp_path_factory) -> dict[str, str]:
    """prod: other budget amounts, thresholds, recipients and monitor; dev: anomaly detection off,
    game-logic disabled, parameters only referenced."""
    project = copy_repo(tmp_path_factory.mktemp("edited"))
    edit_manifest(project, "customer-x", "customer.yaml", SECRETS)
    edit_manifest(project, "customer-x", "prod.yaml", {"budgets": {
        "monthly_limit_usd": 1234.5, "forecasted_threshold_percent": 90, "actual_threshold_percent": 110,
        "emails": ["finance@customer-x.example.com", "ops@customer-x.example.com"],
        "anomaly_detection": {"monitor": "services", "threshold_usd": 250}}})
    edit_manifest(project, "customer-x", "dev.yaml", {
        "budgets": {"anomaly_detection": {"enabled": False}},
        "services": {"game-logic": {"enabled": False}},
        "parameters": {"placeholders": False},
    })
    return render_tree(project)


@pytest.fixture(scope="module")
def toggled_tree(tmp_path_factory) -> dict[str, str]:
    """prod: dr off, two read replicas; dev: budgets off; a display name full of Markdown."""
    project = copy_repo(tmp_path_factory.mktemp("toggled"))
    edit_manifest(project, "customer-x", "customer.yaml", {"customer": {"display_name": "X <b>|`evil`|</b>"}})
    edit_manifest(project, "customer-x", "prod.yaml", {"rds": {"read_replicas": 2}, "dr": {"enabled": False}})
    edit_manifest(project, "customer-x", "dev.yaml", {"budgets": {"enabled": False}})
    return render_tree(project)


@pytest.fixture(scope="module")
def secrets_project(tmp_path_factory):
    project = copy_repo(tmp_path_factory.mktemp("secrets"))
    edit_manifest(project, "customer-x", "customer.yaml", SECRETS)
    edit_manifest(project, "customer-x", "prod.yaml", {"parameters": {"existing": ["game-logic/stripe-key"]}})
    return project


@pytest.fixture(scope="module")
def secrets_tree(secrets_project) -> dict[str, str]:
    return render_tree(secrets_project)


# --- tagging strategy ----------------------------------------------------------------------------


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_every_environment_tags_its_resources_for_cost_allocation(tree, env):
    tags = parsed(tree, f"infra/config/{env}.hcl")["locals"]["tags"]
    assert {"customer", "environment", "cost-center", "owner", "managed-by"} <= set(tags)
    assert tags["customer"] == "customer-x"
    assert tags["environment"] == env
    assert tags["cost-center"] == "CC-4711"
    assert tags["owner"] == OWNER
    assert tags["managed-by"] == "fgen"


# --- budgets -------------------------------------------------------------------------------------


@pytest.mark.parametrize("env,limit,anomaly", [("dev", 500, 20), ("prod", 5000, 100)])
def test_each_environment_has_a_budget_filtered_by_the_customer_tag(tree, env, limit, anomaly):
    inputs = unit_inputs(tree, env, "budgets")
    assert inputs["name"] == f"customer-x-{env}"
    assert inputs["monthly_limit_usd"] == limit
    assert inputs["cost_allocation_tag"] == {"key": "customer", "value": "customer-x"}
    assert inputs["notifications"] == [{"threshold_percent": 80, "type": "FORECASTED"},
                                       {"threshold_percent": 100, "type": "ACTUAL"}]
    assert inputs["emails"] == [OWNER]  # default: the owner email
    assert inputs["anomaly_detection"] == {"monitor": "tag", "threshold_usd": anomaly}


def test_budget_notifications_reach_the_alert_topic_when_alerts_is_on(tree):
    inputs = unit_inputs(tree, "prod", "budgets")
    if "alerts" in BY_NAME:
        assert inputs["sns_topic_arn"] == "dependency.alerts.outputs.topic_arn"
        assert inputs["notify_sns"] is True
        deps = parsed(tree, "infra/environments/prod/budgets/terragrunt.hcl")["dependency"]
        assert deps["alerts"]["mock_outputs"]["topic_arn"].startswith("arn:aws:sns:")
    else:
        assert inputs["sns_topic_arn"] is None and inputs["notify_sns"] is False


def test_budget_module_uses_the_tag_filter_and_a_threshold_expression():
    resources = module_blocks("budgets")
    budget = resources["aws_budgets_budget"]["monthly"]
    assert budget["budget_type"] == "COST" and budget["time_unit"] == "MONTHLY" and budget["limit_unit"] == "USD"
    assert budget["cost_filter"]["name"] == "TagKeyValue"
    assert "cost_filters" not in budget  # removed in provider v5
    locals_ = module_file("budgets", "main.tf")["locals"]
    assert locals_["tag_filter"] == 'format("user:%s$%s", var.cost_allocation_tag.key, var.cost_allocation_tag.value)'
    assert '"user:${var.cost_allocation_tag.key}"' in locals_["tag_monitor_specification"]
    for name in ("email", "sns"):
        subscription = resources["aws_ce_anomaly_subscription"][name]
        assert "threshold" not in subscription  # removed in provider v5
        dimension = subscription["threshold_expression"]["dimension"]
        assert dimension["key"] == "ANOMALY_TOTAL_IMPACT_ABSOLUTE"
        assert dimension["match_options"] == ["GREATER_THAN_OR_EQUAL"]
    assert resources["aws_ce_anomaly_subscription"]["email"]["frequency"] == "DAILY"
    assert resources["aws_ce_anomaly_subscription"]["sns"]["frequency"] == "IMMEDIATE"


def test_budgets_may_use_the_customer_key_for_the_alert_topic():
    assert {"budgets.amazonaws.com", "costalerts.amazonaws.com"} <= set(BY_NAME["budgets"].kms_service_principals)


@pytest.mark.parametrize("value,message", [
    (0, "budgets.monthly_limit_usd: must be more than 0"),
    (-10, "budgets.monthly_limit_usd: must be more than 0"),
])
def test_a_budget_must_be_positive(project, value, message):
    edit_manifest(project, "customer-x", "prod.yaml", {"budgets": {"monthly_limit_usd": value}})
    line = line_of(project, "prod.yaml", "monthly_limit_usd")
    assert f"customers/customer-x/prod.yaml:{line}: {message}" in render_error(project)


def test_too_many_budget_recipients_are_refused(project):
    emails = [f"person{i}@customer-x.example.com" for i in range(11)]
    edit_manifest(project, "customer-x", "prod.yaml", {"budgets": {"emails": emails}})
    error = render_error(project)
    assert "customers/customer-x/prod.yaml" in error and "budgets.emails" in error


# --- parameters ----------------------------------------------------------------------------------


def test_parameters_cover_every_secret_of_the_enabled_services(secrets_tree):
    inputs = unit_inputs(secrets_tree, "prod", "parameters")
    assert inputs["path_prefix"] == "/customer-x/prod"
    assert inputs["kms_key_arn"] == "dependency.kms.outputs.key_arn"
    assert inputs["read_policy_name"] == "customer-x-prod-read-parameters"
    assert inputs["tier"] == "Standard"
    assert inputs["parameters"] == {
        "auth/jwt-signing-key": {"description": "JWT_SIGNING_KEY of auth (customer-x-prod); value set out of band",
                                 "existing": False},
        "auth/oauth/client-secret": {"description": "OAUTH_CLIENT_SECRET of auth (customer-x-prod); value set out "
                                                    "of band", "existing": False},
        "game-logic/stripe-key": {"description": "STRIPE_KEY of game-logic (customer-x-prod); value set out of band",
                                  "existing": True},
    }
    # dev lists no existing parameter: everything is a placeholder there
    assert not any(p["existing"] for p in unit_inputs(secrets_tree, "dev", "parameters")["parameters"].values())


def test_parameter_names_are_the_path_the_ecs_execution_roles_may_read(secrets_tree):
    ecs = unit_inputs(secrets_tree, "prod", "ecs")
    prefix = unit_inputs(secrets_tree, "prod", "parameters")["path_prefix"]
    assert ecs["ssm_parameter_arn_prefix"].endswith(f":parameter{prefix}")
    assert ecs["services"]["auth"]["secrets"]["JWT_SIGNING_KEY"] == (
        f"{ecs['ssm_parameter_arn_prefix']}/auth/jwt-signing-key")


def test_no_secret_value_reaches_any_generated_file(secrets_tree):
    for path, text in secrets_tree.items():
        if path.startswith("infra/environments/"):
            assert "CHANGE_ME" not in text, path  # the placeholder lives in the module only


def test_parameter_mocks_are_keyed_by_the_real_parameters(secrets_project):
    customer = resolve_customer(secrets_project, "customer-x")
    prod = next(e for e in customer.environments if e.name == "prod")
    mocks = BY_NAME["parameters"].mocks(prod)
    assert set(mocks["parameter_arns"]) == {"auth/jwt-signing-key", "auth/oauth/client-secret",
                                            "game-logic/stripe-key"}
    assert mocks["parameter_arns"]["auth/jwt-signing-key"] == (
        "arn:aws:ssm:eu-west-1:222222222222:parameter/customer-x/prod/auth/jwt-signing-key")
    assert mocks["parameter_path_prefix"] == "/customer-x/prod"


def test_an_unknown_existing_parameter_is_refused(project):
    edit_manifest(project, "customer-x", "customer.yaml", SECRETS)
    edit_manifest(project, "customer-x", "prod.yaml", {"parameters": {"existing": ["auth/no-such-thing"]}})
    line = line_of(project, "prod.yaml", "auth/no-such-thing")
    assert (f"customers/customer-x/prod.yaml:{line}: parameters.existing[0]: 'auth/no-such-thing' is not a secret "
            "of an enabled service (known: auth/jwt-signing-key, auth/oauth/client-secret, game-logic/stripe-key)"
            in render_error(project))


def test_parameters_module_creates_secure_strings_with_the_customer_key_and_never_resets_them():
    resources = module_blocks("parameters")
    placeholder = resources["aws_ssm_parameter"]["placeholder"]
    assert placeholder["type"] == "SecureString"
    assert placeholder["key_id"] == "var.kms_key_arn"
    assert placeholder["value"] == "local.placeholder_value"
    assert placeholder["lifecycle"]["ignore_changes"] == ["value"]
    assert "overwrite" not in placeholder  # deprecated in provider 5.x
    assert "insecure_value" not in placeholder  # not for secrets
    assert module_file("parameters", "main.tf")["locals"]["placeholder_value"] == "CHANGE_ME"
    existing = module_blocks("parameters", "data")["aws_ssm_parameter"]["existing"]
    assert existing["with_decryption"] is False  # never read a real value into the state
    assert resources["aws_iam_policy"]["read"]["policy"] == "data.aws_iam_policy_document.read.json"


def test_parameters_read_policy_is_scoped_to_the_path_and_to_kms_via_ssm():
    document = module_blocks("parameters", "data")["aws_iam_policy_document"]["read"]
    statements = document["statement"]
    read = next(s for s in statements if s["sid"] == "ReadParameters")
    assert set(read["actions"]) >= {"ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"}
    # pygohcl renders "${x}" interpolations as bare x: arn:${partition}:ssm:${region}:${account}:parameter${prefix}/*
    assert read["resources"] == [
        "arn:local.partition:ssm:local.region:local.account_id:parametervar.path_prefix",
        "arn:local.partition:ssm:local.region:local.account_id:parametervar.path_prefix/*",
    ]
    assert not any(r == "*" for s in statements for r in s["resources"])
    decrypt = next(s for s in statements if s["sid"] == "DecryptThroughSsm")
    assert decrypt["actions"] == ["kms:Decrypt"] and decrypt["resources"] == ["var.kms_key_arn"]
    assert decrypt["condition"]["variable"] == "kms:ViaService"
    outputs = module_blocks("parameters", "output")
    assert {"parameter_arns", "parameter_path_prefix", "read_policy_arn"} <= set(outputs)


# --- disaster recovery ---------------------------------------------------------------------------


def test_dr_is_prod_only_and_replicates_the_database_backups(tree):
    assert "dr" not in units(tree, "dev")
    inputs = unit_inputs(tree, "prod", "dr")
    assert inputs["source_db_instance_arn"] == "dependency.rds.outputs.db_instance_arn"
    assert inputs["retention_days"] == 14
    assert inputs["name"] == "customer-x-prod"
    deps = parsed(tree, "infra/environments/prod/dr/terragrunt.hcl")["dependency"]
    assert set(deps) == {"rds"}
    assert deps["rds"]["mock_outputs"]["db_instance_arn"].startswith("arn:aws:rds:")


def test_dr_module_runs_in_the_dr_region_provider():
    assert BY_NAME["dr"].provider_aliases == ("dr",)
    aws = module_file("dr", "versions.tf")["terraform"]["required_providers"]["aws"]
    assert aws["configuration_aliases"] == ["aws.dr"]
    for rtype, items in module_blocks("dr").items():
        for name, body in items.items():
            assert body["provider"] == "aws.dr", f"{rtype}.{name}"
    for rtype, items in module_blocks("dr", "data").items():
        for name, body in items.items():
            assert body["provider"] == "aws.dr", f"data.{rtype}.{name}"
    replication = module_blocks("dr")["aws_db_instance_automated_backups_replication"]["this"]
    assert replication["kms_key_id"] == "aws_kms_key.dr.arn"
    assert replication["retention_period"] == "var.retention_days"
    assert module_blocks("dr")["aws_kms_key"]["dr"]["enable_key_rotation"] is True


def test_dr_without_a_dr_region_names_aws_dr_region(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"aws": {"dr_region": None}})
    line = line_of(project, "prod.yaml", "dr_region")
    assert (f"customers/customer-x/prod.yaml:{line}: aws.dr_region: dr is enabled but aws.dr_region is not set; "
            "set aws.dr_region to the disaster-recovery region or set dr.enabled: false") in render_error(project)


def test_dr_without_rds_is_refused(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"rds": {"enabled": False}})
    lines = (project.customers_dir / "customer-x" / "prod.yaml").read_text().splitlines()
    line = lines.index("rds:") + 2  # rds.enabled (prod.yaml's standby section has an enabled of its own)
    assert (f"customers/customer-x/prod.yaml:{line}: rds.enabled: dr replicates the rds database's automated "
            "backups; enable rds or set dr.enabled: false") in render_error(project)


def test_dr_retention_is_validated(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"dr": {"backup_retention_days": 36}})
    line = line_of(project, "prod.yaml", "backup_retention_days")
    assert (f"customers/customer-x/prod.yaml:{line}: dr.backup_retention_days: must be at most 35, got 36"
            in render_error(project))


def test_dr_off_removes_the_unit_and_every_reference(toggled_tree):
    assert "dr" not in units(toggled_tree, "prod")
    assert not any("dependency.dr" in text or "modules//dr" in text for text in toggled_tree.values())
    assert not any(p.startswith("infra/modules/dr/") for p in toggled_tree)


# --- outputs, mocks and the README ---------------------------------------------------------------


@pytest.mark.parametrize("unit", ["parameters", "budgets", "dr"])
def test_mock_outputs_cover_every_module_output(unit):
    component = BY_NAME[unit]
    assert set(component.mock_outputs) == set(module_blocks(component.module, "output"))


def test_readme_shows_budget_and_dr_rows(tree):
    readme = tree["README.md"]
    assert re.search(r"^\| Monthly budget \(USD\) \| 500 \| 5,000 \|$", readme, re.M)
    assert re.search(r"^\| DR region backups \| — \| eu-central-1 \(14 days\) \|$", readme, re.M)
    assert 'dr["RDS backups (DR region)"]' in readme
    assert "rds --> dr" in readme


# --- RUNBOOK.md ----------------------------------------------------------------------------------


def test_runbook_is_a_generated_file(tree):
    assert is_generated(tree["RUNBOOK.md"])


def test_runbook_uses_the_real_identifiers(tree):
    runbook = tree["RUNBOOK.md"]
    rds = unit_inputs(tree, "prod", "rds")["identifier"]
    assert rds == "customer-x-prod-postgres"
    cluster = unit_inputs(tree, "prod", "ecs")["name"]
    for text in (
        f"aws rds restore-db-instance-to-point-in-time \\\n  --source-db-instance-identifier {rds} \\",
        f"--target-db-instance-identifier {rds}-restored",
        f"--db-subnet-group-name {rds}",
        f"aws rds promote-read-replica --db-instance-identifier {rds}-replica-1",
        f"aws rds describe-db-instance-automated-backups --db-instance-identifier {rds}",
        "export AWS_REGION=eu-central-1",
        "--source-db-instance-automated-backups-arn",
        "--kms-key-id alias/customer-x-prod-dr",
        f"aws ecs update-service --cluster {cluster} --service auth --force-new-deployment",
        "aws ecs list-task-definitions --family-prefix customer-x-prod-auth",
        "aws s3api list-object-versions --bucket fg-tfstate-222222222222-eu-west-1 \\\n"
        "  --prefix customer-x/prod/rds/terraform.tfstate",
        "--copy-source 'fg-tfstate-222222222222-eu-west-1/customer-x/prod/rds/terraform.tfstate?versionId=",
        "customer-x/prod/dr/terraform.tfstate",
        "aws ssm put-parameter --overwrite --type SecureString --name /customer-x/prod/",
    ):
        assert text in runbook, text
    # dev has neither replicas nor DR backups
    dev = runbook.split("## Environment dev", 1)[1].split("## Environment prod", 1)[0]
    assert "customer-x-dev-postgres" in dev
    assert "promote-read-replica" not in dev and "automated-backups-arn" not in dev


def test_runbook_names_the_assets_replica_bucket(tree, base_project):
    runbook = tree["RUNBOOK.md"]
    assets = BY_NAME["assets"]
    if not hasattr(assets, "replica_bucket_name"):
        pytest.skip("the assets component has no replica bucket")
    customer = resolve_customer(base_project, "customer-x")
    prod = next(e for e in customer.environments if e.name == "prod")
    if not getattr(assets.settings(prod).replication, "enabled", False):
        pytest.skip("assets replication is off in prod")
    replica = assets.replica_bucket_name(prod)
    assert f"aws s3 sync s3://{replica} s3://{assets.bucket_name(prod)}" in runbook


# --- terraform test of each module ----------------------------------------------------------------


@pytest.mark.terraform
@pytest.mark.parametrize("module", ["parameters", "budgets", "dr"])
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


def test_module_tests_mock_the_dr_provider():
    text = (MODULES / "dr" / "tests" / "plan.tftest.hcl").read_text()
    assert re.search(r'mock_provider "aws" \{\s*alias = "dr"', text)
