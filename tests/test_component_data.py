"""RDS PostgreSQL and ElastiCache Redis/Valkey: rendered units, module code, toggles, errors, terraform tests."""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

import pygohcl
import pytest

from generator.components import BY_NAME
from generator.components.data import windows_overlap
from generator.errors import FgenError
from generator.terraform import terraform_env
from tests.support import REPO, copy_repo, edit_manifest, parsed, render_tree, unit_inputs

MODULES = REPO / "templates" / "modules"
CUSTOMER = "customers/customer-x"


def module_blocks(module: str, kind: str = "resource") -> dict[str, dict[str, Any]]:
    """``resource`` (or ``data``, ``variable``, ``output``) blocks of a module, by type then name."""
    blocks: dict[str, dict[str, Any]] = {}
    for path in sorted((MODULES / module).glob("*.tf")):
        for rtype, items in pygohcl.loads(path.read_text()).get(kind, {}).items():
            if isinstance(items, dict):
                blocks.setdefault(rtype, {}).update(items)
    return blocks


def line_of(project, file: str, needle: str, after: str) -> int:
    lines = (project.customers_dir / "customer-x" / file).read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(after))
    return next(i for i, line in enumerate(lines, 1) if i > start and needle in line)


def render_error(project) -> str:
    with pytest.raises(FgenError) as exc:
        render_tree(project)
    return str(exc.value)


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> dict[str, str]:
    return render_tree(copy_repo(tmp_path_factory.mktemp("data")))


# --- rendered units -------------------------------------------------------------------------------


def test_prod_rds_is_highly_available_and_protected(tree):
    inputs = unit_inputs(tree, "prod", "rds")
    assert inputs["multi_az"] is True
    assert inputs["deletion_protection"] is True
    assert inputs["final_snapshot"] is True
    assert inputs["read_replica_count"] >= 1
    assert inputs["apply_immediately"] is False
    assert 1 <= inputs["backup_retention_period"] <= 35
    assert inputs["identifier"] == "customer-x-prod-postgres"
    assert inputs["kms_key_arn"] == "dependency.kms.outputs.key_arn"
    assert inputs["subnet_ids"] == "dependency.vpc.outputs.database_subnet_ids"
    assert inputs["availability_zones"] == "dependency.vpc.outputs.azs"
    assert inputs["security_group_ids"] == ["dependency.security_groups.outputs.rds_security_group_id"]
    assert inputs["log_retention_days"] == 400  # logging.retention_days from customers/customer-x/prod.yaml


def test_dev_rds_is_small_and_has_no_replicas(tree):
    inputs = unit_inputs(tree, "dev", "rds")
    assert inputs["read_replica_count"] == 0
    assert inputs["multi_az"] is False
    assert inputs["deletion_protection"] is False
    assert inputs["instance_class"].startswith("db.t")


def test_rds_dependencies_carry_mock_outputs(tree):
    unit = parsed(tree, "infra/environments/prod/rds/terragrunt.hcl")
    deps = unit["dependency"]
    assert set(deps) == {"kms", "vpc", "security_groups"}
    assert deps["security_groups"]["mock_outputs"] == {"rds_security_group_id": "sg-00000000000000006"}


def test_prod_redis_fails_over_across_zones(tree):
    inputs = unit_inputs(tree, "prod", "redis")
    assert inputs["automatic_failover_enabled"] is True
    assert inputs["multi_az_enabled"] is True
    assert inputs["replicas_per_node_group"] >= 1
    assert inputs["apply_immediately"] is False
    assert inputs["engine"] in ("redis", "valkey")
    assert inputs["auth_mode"] == "iam"
    assert inputs["auth_token_parameter_name"] is None
    assert inputs["subnet_ids"] == "dependency.vpc.outputs.private_subnet_ids"
    assert inputs["security_group_ids"] == ["dependency.security_groups.outputs.redis_security_group_id"]


def test_dev_redis_is_a_single_node(tree):
    inputs = unit_inputs(tree, "dev", "redis")
    assert inputs["replicas_per_node_group"] == 0
    assert inputs["automatic_failover_enabled"] is False
    assert inputs["multi_az_enabled"] is False
    assert inputs["cluster_mode_enabled"] is False


SECRET_KEYS = re.compile(r"^(password|master_password|auth_token|passwords)$")


def _keys(value: Any):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def test_no_password_or_token_anywhere_in_the_tree(tree):
    for path, text in tree.items():
        if not path.endswith((".hcl", ".tf")):
            continue
        doc = pygohcl.loads(text)
        if path.endswith("terragrunt.hcl"):
            assert not [k for k in _keys(doc.get("inputs", {})) if SECRET_KEYS.match(str(k))], path
        for rtype, items in doc.get("resource", {}).items():
            for name, body in items.items():
                assert "password" not in body, f"{path}: {rtype}.{name} sets a password"
                assert "password_wo" not in body, f"{path}: {rtype}.{name} sets a password"
                if "auth_token" in body:
                    assert "data.aws_ssm_parameter" in body["auth_token"], f"{path}: literal auth_token"
        assert "password" not in doc.get("variable", {}), path


# --- module code ----------------------------------------------------------------------------------


def test_rds_module_encrypts_everything_with_the_customer_key():
    resources = module_blocks("rds_postgres")
    primary = resources["aws_db_instance"]["this"]
    replica = resources["aws_db_instance"]["replica"]
    for db in (primary, replica):
        assert db["storage_encrypted"] is True
        assert db["kms_key_id"] == "var.kms_key_arn"
        assert db["performance_insights_enabled"] is True
        assert db["performance_insights_kms_key_id"] == "var.kms_key_arn"
        assert db["publicly_accessible"] is False
        assert db["iam_database_authentication_enabled"] is True
        assert db["auto_minor_version_upgrade"] is True
        assert db["copy_tags_to_snapshot"] is True
        assert db["storage_type"] == "gp3"
        assert db["enabled_cloudwatch_logs_exports"] == "local.log_exports"
    # a cross-region read replica (the warm standby's, replicate_source_db) takes them from its source
    assert primary["manage_master_user_password"] == "local.replica ? null : true"
    assert primary["master_user_secret_kms_key_id"] == "local.replica ? null : var.kms_key_arn"
    assert primary["engine"] == "postgres"
    assert primary["replicate_source_db"] == "var.replicate_source_db"
    assert replica["replicate_source_db"] == "aws_db_instance.this.identifier"
    for key in ("username", "password", "db_name", "engine", "manage_master_user_password"):
        assert key not in replica, f"replicas inherit {key} from the primary"
    groups = resources["aws_cloudwatch_log_group"]["exports"]
    assert groups["kms_key_id"] == "var.kms_key_arn"
    assert groups["retention_in_days"] == "var.log_retention_days"
    assert "aws_cloudwatch_log_group.exports" in primary["depends_on"]
    locals_ = pygohcl.loads((MODULES / "rds_postgres" / "main.tf").read_text())["locals"]
    assert "/aws/rds/instance/" in locals_["log_groups"]
    parameters = {p["name"]: p["value"] for p in resources["aws_db_parameter_group"]["this"]["parameter"]}
    assert parameters["rds.force_ssl"] == "1"
    assert "log_min_duration_statement" in parameters
    attachment = resources["aws_iam_role_policy_attachment"]["monitoring"]
    assert attachment["policy_arn"].endswith("service-role/AmazonRDSEnhancedMonitoringRole")


def test_redis_module_encrypts_at_rest_and_in_transit():
    resources = module_blocks("redis")
    group = resources["aws_elasticache_replication_group"]["this"]
    # a Global Datastore secondary (the warm standby's) inherits encryption and engine from the datastore
    assert group["at_rest_encryption_enabled"] == "local.secondary ? null : true"
    assert group["kms_key_id"] == "var.kms_key_arn"
    assert group["transit_encryption_enabled"] == "local.secondary ? null : true"
    assert group["transit_encryption_mode"] == 'local.secondary ? null : "required"'
    assert group["engine"] == "local.secondary ? null : var.engine"
    assert "auth_token_update_strategy" in group
    delivery = group["dynamic"]["log_delivery_configuration"]
    assert delivery["for_each"] == "toset(local.log_types)"
    assert delivery["content"]["destination_type"] == "cloudwatch-logs"
    locals_ = pygohcl.loads((MODULES / "redis" / "main.tf").read_text())["locals"]
    assert locals_["log_types"] == ["slow-log", "engine-log"]
    assert resources["aws_cloudwatch_log_group"]["this"]["kms_key_id"] == "var.kms_key_arn"
    default = resources["aws_elasticache_user"]["default"]
    assert default["user_name"] == "default"
    assert default["access_string"].startswith("off")
    assert resources["aws_elasticache_user"]["app"]["authentication_mode"]["type"] == "iam"


def test_mock_outputs_cover_every_module_output():
    for name in ("rds", "redis"):
        component = BY_NAME[name]
        outputs = set(module_blocks(component.module, "output"))
        assert set(component.mock_outputs) == outputs, name


def test_contract_outputs_exist():
    assert {"address", "port", "endpoint", "db_name", "db_instance_identifier", "db_instance_arn",
            "master_user_secret_arn", "replica_addresses", "kms_key_arn",
            } <= set(module_blocks("rds_postgres", "output"))
    assert {"primary_endpoint_address", "reader_endpoint_address", "port", "replication_group_id",
            "replication_group_arn", "user_group_id"} <= set(module_blocks("redis", "output"))


# --- toggles --------------------------------------------------------------------------------------


@pytest.mark.parametrize("unit", ["rds", "redis"])
def test_disabling_removes_the_unit_and_every_reference(project, unit):
    edit_manifest(project, "customer-x", "dev.yaml", {unit: {"enabled": False}})
    tree = render_tree(project)
    prefix = "infra/environments/dev/"
    assert f"{prefix}{unit}/terragrunt.hcl" not in tree
    for path, text in tree.items():
        if path.startswith(prefix):
            assert f"dependency.{unit}." not in text, path
            assert f'"../{unit}"' not in text, path
    assert f"infra/environments/prod/{unit}/terragrunt.hcl" in tree  # prod keeps it
    sg = unit_inputs(tree, "dev", "security_groups")
    assert sg[f"{unit}_enabled"] is False
    ecs = unit_inputs(tree, "dev", "ecs")
    assert ecs["database" if unit == "rds" else "redis"] is None


def test_auth_token_mode_reads_the_token_from_ssm(project):
    edit_manifest(project, "customer-x", "dev.yaml",
                  {"redis": {"auth": "auth_token", "auth_token_parameter": "/customer-x/dev/redis/auth-token"}})
    inputs = unit_inputs(render_tree(project), "dev", "redis")
    assert inputs["auth_mode"] == "auth_token"
    assert inputs["auth_token_parameter_name"] == "/customer-x/dev/redis/auth-token"


def test_services_connect_to_the_cache_as_the_iam_user_over_tls(tree):
    """IAM mode (the default): the ecs unit gets the user, the replication group and their ARNs from the
    redis outputs; the module turns them into REDIS_* variables (TLS on) and elasticache:Connect on
    exactly those two resources."""
    for env in ("dev", "prod"):
        redis = unit_inputs(tree, env, "ecs")["redis"]
        assert redis["auth_mode"] == "iam"
        assert redis["user_id"] == "dependency.redis.outputs.app_user_id"
        assert redis["user_arn"] == "dependency.redis.outputs.app_user_arn"
        assert redis["replication_group_arn"] == "dependency.redis.outputs.replication_group_arn"
        assert "auth_token_parameter_arn" not in redis
        mocks = parsed(tree, f"infra/environments/{env}/ecs/terragrunt.hcl")["dependency"]["redis"]["mock_outputs"]
        assert mocks["app_user_arn"].startswith("arn:aws:elasticache:")
        assert mocks["replication_group_arn"].startswith("arn:aws:elasticache:")
    main = pygohcl.loads((MODULES / "ecs_task" / "main.tf").read_text())
    policy = main["resource"]["aws_iam_role_policy"]["task_redis"]
    assert policy["role"] == "aws_iam_role.task[each.key].id"
    text = (MODULES / "ecs_task" / "main.tf").read_text()
    assert 'Action   = ["elasticache:Connect"]' in text
    assert "Resource = [var.redis.replication_group_arn, var.redis.user_arn]" in text
    assert 'REDIS_TLS       = "true"' in text


def test_auth_token_mode_hands_services_the_parameter_not_the_token(project):
    edit_manifest(project, "customer-x", "dev.yaml",
                  {"redis": {"auth": "auth_token", "auth_token_parameter": "/customer-x/dev/redis/auth-token"}})
    tree = render_tree(project)
    redis = unit_inputs(tree, "dev", "ecs")["redis"]
    assert redis == {"host": "dependency.redis.outputs.primary_endpoint_address",
                     "port": "dependency.redis.outputs.port", "auth_mode": "auth_token",
                     "auth_token_parameter_arn": "dependency.redis.outputs.auth_token_parameter_arn"}
    mocks = parsed(tree, "infra/environments/dev/ecs/terragrunt.hcl")["dependency"]["redis"]["mock_outputs"]
    assert mocks["auth_token_parameter_arn"] == \
        "arn:aws:ssm:eu-west-1:111111111111:parameter/customer-x/dev/redis/auth-token"
    assert "mock-auth-token" not in tree["infra/environments/dev/ecs/terragrunt.hcl"]
    assert unit_inputs(tree, "prod", "ecs")["redis"]["auth_mode"] == "iam"  # prod keeps IAM


@pytest.mark.parametrize("variable", ["REDIS_USER", "REDIS_TLS", "REDIS_AUTH_TOKEN"])
def test_variable_that_fgen_sets_from_redis_is_refused(project, variable):
    edit_manifest(project, "customer-x", "prod.yaml", {"services": {"auth": {"environment": {variable: "x"}}}})
    line = line_of(project, "prod.yaml", variable, "services:")
    assert (f"{CUSTOMER}/prod.yaml:{line}: services.auth.environment.{variable}: {variable} is set by fgen from "
            "the redis outputs; remove it here") in render_error(project)


def test_cluster_mode_and_valkey(project):
    edit_manifest(project, "customer-x", "prod.yaml",
                  {"redis": {"engine": "valkey", "engine_version": "8.0", "cluster_mode": "enabled",
                             "num_node_groups": 3, "replicas_per_node_group": 1}})
    inputs = unit_inputs(render_tree(project), "prod", "redis")
    assert inputs["cluster_mode_enabled"] is True
    assert inputs["num_node_groups"] == 3
    assert inputs["engine"] == "valkey"


# --- errors ---------------------------------------------------------------------------------------


def test_backup_retention_out_of_range(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"rds": {"backup_retention_days": 90}})
    line = line_of(project, "prod.yaml", "backup_retention_days", "rds:")
    assert (f"{CUSTOMER}/prod.yaml:{line}: rds.backup_retention_days: must be between 1 and 35, got 90"
            in render_error(project))


@pytest.mark.parametrize("key", ["deletion_protection", "multi_az", "final_snapshot"])
def test_prod_may_not_disable_rds_protection(project, key):
    edit_manifest(project, "customer-x", "prod.yaml", {"rds": {key: False}})
    line = line_of(project, "prod.yaml", key, "rds:")
    assert f"{CUSTOMER}/prod.yaml:{line}: rds.{key}: may not be disabled in production" in render_error(project)


def test_dev_may_disable_deletion_protection(project):
    edit_manifest(project, "customer-x", "dev.yaml", {"rds": {"deletion_protection": False, "multi_az": False}})
    render_tree(project)


def test_storage_encryption_is_not_configurable(project):
    edit_manifest(project, "customer-x", "dev.yaml", {"rds": {"storage_encrypted": False}})
    line = line_of(project, "dev.yaml", "storage_encrypted", "rds:")
    error = render_error(project)
    assert f"{CUSTOMER}/dev.yaml:{line}: rds.storage_encrypted: unknown key 'storage_encrypted'" in error


@pytest.mark.parametrize("key, value, message", [
    ("engine_version", "12.9", "does not match the required format"),
    ("engine_version", "16", "does not match the required format"),
    ("instance_class", "db.t2.micro", "unsupported instance family 't2'"),
    ("instance_class", "db.r7g.medium", "r7g has no medium size"),
    ("instance_class", "r7g.large", "must look like db.<family>.<size>"),
    ("performance_insights_retention_days", 30, "must be 7, 731 or a multiple of 31 up to 713"),
    ("performance_insights_retention_days", 744, "must be 7, 731 or a multiple of 31 up to 713"),
    ("monitoring_interval_seconds", 2, "Input should be 0, 1, 5, 10, 15, 30 or 60"),
    ("backup_window", "3:00-4:00", "must be a daily UTC window"),
    ("backup_window", "03:00-03:15", "must be at least 30 minutes long"),
    ("maintenance_window", "Sun:04:00-Sun:05:00", "must be a weekly UTC window"),
    ("master_username", "rdsadmin", "is reserved"),
    ("read_replicas", 9, "5, got 9"),
])
def test_rds_value_errors_name_the_key(project, key, value, message):
    edit_manifest(project, "customer-x", "dev.yaml", {"rds": {key: value}})
    line = line_of(project, "dev.yaml", key, "rds:")
    error = render_error(project)
    assert f"{CUSTOMER}/dev.yaml:{line}: rds.{key}: " in error
    assert message in error


def test_rds_max_storage_must_exceed_allocated(project):
    edit_manifest(project, "customer-x", "dev.yaml",
                  {"rds": {"allocated_storage_gb": 50, "max_allocated_storage_gb": 50}})
    line = line_of(project, "dev.yaml", "max_allocated_storage_gb", "rds:")
    assert (f"{CUSTOMER}/dev.yaml:{line}: rds.max_allocated_storage_gb: must be above allocated_storage_gb (50) "
            "for storage autoscaling, got 50") in render_error(project)


def test_rds_windows_may_not_overlap(project):
    edit_manifest(project, "customer-x", "dev.yaml",
                  {"rds": {"backup_window": "23:30-00:30", "maintenance_window": "mon:00:00-mon:00:45"}})
    line = line_of(project, "dev.yaml", "maintenance_window", "rds:")
    assert (f"{CUSTOMER}/dev.yaml:{line}: rds.maintenance_window: mon:00:00-mon:00:45 overlaps the backup "
            "window 23:30-00:30") in render_error(project)


@pytest.mark.parametrize("changes, key, message", [
    ({"multi_az": False}, "multi_az", "may not be disabled in production"),
    ({"automatic_failover": False, "multi_az": False}, "automatic_failover", "may not be disabled in production"),
    ({"replicas_per_node_group": 0}, "replicas_per_node_group", "automatic_failover needs at least 1 replica"),
    ({"engine_version": "6.2"}, "engine_version", "redis 6.2 is not supported; use 7.0 or 7.1"),
    ({"engine": "valkey", "engine_version": "7.1"}, "engine_version", "valkey 7.1 is not supported"),
    ({"node_type": "cache.m4.large"}, "node_type", "unsupported instance family 'm4'"),
    ({"num_node_groups": 2}, "num_node_groups", "must be 1 when cluster_mode is disabled, got 2"),
    ({"auth": "auth_token"}, "auth", "auth: auth_token needs auth_token_parameter"),
    ({"auth_token_parameter": "/x/token"}, "auth_token_parameter", "only used with auth: auth_token"),
    ({"snapshot_window": "05:00-06:00"}, "maintenance_window", "overlaps the snapshot window 05:00-06:00"),
    ({"snapshot_window": "05:00-05:30"}, "snapshot_window", "must be at least 60 minutes long"),
    ({"engine": "Redis"}, "engine", "Input should be 'redis' or 'valkey'"),
])
def test_redis_errors_name_the_key(project, changes, key, message):
    edit_manifest(project, "customer-x", "prod.yaml", {"redis": changes})
    error = render_error(project)
    if key in changes:
        file_line = f"{CUSTOMER}/prod.yaml:{line_of(project, 'prod.yaml', key + ':', 'redis:')}"
    else:  # set by the profile, not by prod.yaml
        lines = (project.root / "templates/profiles/prod/data.yaml").read_text().splitlines()
        start = lines.index("redis:")
        line = start + 1 + next(i for i, text in enumerate(lines[start:]) if key in text)
        file_line = f"templates/profiles/prod/data.yaml:{line}"
    assert f"{file_line}: redis.{key}: " in error, error
    assert message in error, error


def test_cluster_mode_needs_failover(project):
    edit_manifest(project, "customer-x", "dev.yaml", {"redis": {"cluster_mode": "enabled"}})
    assert "redis.automatic_failover: must be true when cluster_mode is enabled" in render_error(project)


@pytest.mark.parametrize("daily, weekly, overlap", [
    ("03:00-04:00", "sun:04:00-sun:05:00", False),
    ("03:00-04:01", "sun:04:00-sun:05:00", True),
    ("23:30-00:30", "mon:00:00-mon:00:45", True),
    ("23:30-00:30", "sun:23:59-mon:00:15", True),
    ("01:00-02:00", "sun:05:30-sun:06:30", False),
    ("22:00-23:00", "sat:23:00-sun:01:00", False),
])
def test_windows_overlap(daily, weekly, overlap):
    assert windows_overlap(daily, weekly) is overlap


# --- terraform test of each module ----------------------------------------------------------------


@pytest.mark.terraform
@pytest.mark.parametrize("module", ["rds_postgres", "redis"])
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


def test_redis_events_go_to_the_alert_topic(tmp_path):
    from tests.support import copy_repo, render_tree, unit_inputs

    project = copy_repo(tmp_path / "repo")
    assert unit_inputs(render_tree(project), "prod", "redis")["notification_topic_arn"] == \
        "dependency.alerts.outputs.topic_arn"
