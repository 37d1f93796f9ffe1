"""tests/assertions.tftest.hcl of the `validate --terraform` harness: one run per unit with the unit's
real inputs, wired run to run, asserting the properties the manifest promises; and, with Terraform,
that the assertions hold for customer-x and fail when a module stops keeping a promise."""

from __future__ import annotations

import re

import pygohcl
import pytest

from generator.components.base import expect_set
from generator.graph import topological, unit_graph
from generator.resolve import resolve_customer
from generator.terraform import environment_test_file
from generator.tfassert import assertions_file, mock_blocks
from generator.units import environment_units
from tests.support import edit_manifest


def _env(project, name: str):
    return next(e for e in resolve_customer(project, "customer-x").environments if e.name == name)


def _runs(project, name: str) -> dict:
    env = _env(project, name)
    text = assertions_file(env, environment_test_file(env))
    return pygohcl.loads(text)["run"]


def _asserts(run: dict) -> dict[str, str]:
    """error message -> condition"""
    blocks = run.get("assert") or []
    return {a["error_message"]: a["condition"] for a in (blocks if isinstance(blocks, list) else [blocks])}


def _condition(run: dict, pattern: str) -> str:
    matches = [c for c in _asserts(run).values() if pattern in c]
    assert len(matches) == 1, (pattern, list(_asserts(run).values()))
    return matches[0]


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_one_apply_run_per_unit_in_dependency_order(project, environment):
    env = _env(project, environment)
    text = assertions_file(env, environment_test_file(env))
    runs = pygohcl.loads(text)["run"]
    order = re.findall(r'^run "([a-z0-9_]+)"', text, re.M)  # file order (the parsed dict is sorted)
    label = {unit: unit.replace("/", "__").replace("-", "_") for unit in unit_graph(env)}  # previews/<slug>
    graph = {label[u]: [label[d] for d in deps] for u, deps in unit_graph(env).items()}
    assert order == topological(graph) and sorted(runs) == sorted(graph)
    modules = {label[u.name]: u.module for u in environment_units(env)}
    for name, run in runs.items():
        assert run["command"] == "apply"
        assert run["module"]["source"] == f"./modules/{modules[name]}"
    position = {label: i for i, label in enumerate(order)}
    for label, deps in graph.items():
        for dep in deps:
            assert position[dep] < position[label], f"{label} runs before its dependency {dep}"
    # every run.<x> reference names an earlier run
    for block in re.split(r'\nrun "', text)[1:]:
        label = block.split('"', 1)[0]
        for ref in set(re.findall(r"\brun\.([a-z0-9_]+)\.", block)):
            assert position[ref] < position[label], f"run {label} reads run.{ref}, which is not earlier"


def test_variables_are_the_units_inputs_with_dependencies_read_from_earlier_runs(project):
    runs = _runs(project, "prod")
    rds = runs["rds"]
    assert rds["module"]["source"] == "./modules/rds_postgres"
    variables = rds["variables"]
    assert variables["kms_key_arn"] == "run.kms.key_arn"
    assert variables["subnet_ids"] == "run.vpc.database_subnet_ids"
    assert variables["security_group_ids"] == ["run.security_groups.rds_security_group_id"]
    assert variables["multi_az"] is True and variables["identifier"] == "customer-x-prod-postgres"
    # the component needing the DR provider gets it passed explicitly, beside the default one
    assert runs["dr"]["providers"] == {"aws": "aws", "aws.dr": "aws.dr"}
    assert "providers" not in rds
    # no Terragrunt reference survives
    for run in runs.values():
        assert "dependency." not in repr(run.get("variables", {}))


def test_the_file_reuses_the_environment_tests_mock_providers(project):
    env = _env(project, "prod")
    environment_test = environment_test_file(env, {"aws_kms_key"})
    text = assertions_file(env, environment_test)
    assert text.startswith(mock_blocks(environment_test))
    assert text.count('mock_provider "aws"') == 3 and 'arn:aws:kms:eu-west-1:222222222222:aws_kms_key/mock' in text
    assert 'run "plan"' not in text


def test_prod_multi_az_is_asserted_and_follows_the_manifest(project):
    prod, dev = _runs(project, "prod")["rds"], _runs(project, "dev")["rds"]
    assert _asserts(prod)["rds: multi_az must be true (rds.multi_az)"] == "aws_db_instance.this.multi_az == true"
    assert _condition(dev, ".multi_az ==") == "aws_db_instance.this.multi_az == false"
    assert _condition(prod, ".backup_retention_period ==") == "aws_db_instance.this.backup_retention_period == 14"
    edit_manifest(project, "customer-x", "dev.yaml", {"rds": {"multi_az": True}})
    edit_manifest(project, "customer-x", "prod.yaml", {"rds": {"backup_retention_days": 21, "read_replicas": 3}})
    prod, dev = _runs(project, "prod")["rds"], _runs(project, "dev")["rds"]
    assert _condition(dev, ".multi_az ==") == "aws_db_instance.this.multi_az == true"
    assert _condition(prod, ".backup_retention_period ==") == "aws_db_instance.this.backup_retention_period == 21"
    assert _condition(prod, "length(aws_db_instance.replica)") == "length(aws_db_instance.replica) == 3"


def test_expectations_come_from_the_manifest(project):
    edit_manifest(project, "customer-x", "prod.yaml", {
        "waf": {"rate_limit": 4321},
        "budgets": {"monthly_limit_usd": 1234.5},
        "identity": {"mfa": "ON", "password_min_length": 17},
        "vpc_endpoints": {"interface_services": ["ecr.api", "logs"]},
    })
    runs = _runs(project, "prod")
    per_ip = ' : one(one(r.statement).rate_based_statement).limit if r.name == "rate-limit-per-ip"'
    assert "== 4321" in _condition(runs["waf"], "module.regional.web_acl.rule" + per_ip)
    assert "== 4321" in _condition(runs["waf"], "module.cloudfront[0].web_acl.rule" + per_ip)
    assert "tonumber(aws_budgets_budget.monthly.limit_amount) == 1234.5" in _condition(runs["budgets"], "limit_amount")
    assert _condition(runs["identity"], ".mfa_configuration ==") == \
        'aws_cognito_user_pool.this.mfa_configuration == "ON"'
    assert ".minimum_length == 17" in _condition(runs["identity"], "minimum_length")
    assert _condition(runs["vpc_endpoints"], "keys(aws_vpc_endpoint.interface)") == \
        'sort(keys(aws_vpc_endpoint.interface)) == sort(["ecr.api", "logs"])'


def test_the_issues_properties_are_asserted_in_prod(project):
    runs = _runs(project, "prod")
    wanted = {
        "rds": ["deletion_protection", "storage_encrypted", "kms_key_id == run.kms.key_arn",
                "manage_master_user_password", "password == null", "backup_retention_period",
                "length(aws_db_instance.replica)"],
        "redis": ["at_rest_encryption_enabled", "transit_encryption_enabled", "automatic_failover_enabled == true",
                  "multi_az_enabled == true", "node_type =="],
        "ecs": ["assign_public_ip == false", "desired_count ==", "max_capacity ==", "rollback == true",
                'capacity_provider != "FARGATE_SPOT"', "retention_in_days"],
        "alb": ["ssl_policy ==", '"HTTP_301"', "drop_invalid_header_fields == true",
                "enable_deletion_protection == true"],
        "security_groups": ['"0.0.0.0/0"'],
        "vpc_endpoints": ["keys(aws_vpc_endpoint.gateway)", "keys(aws_vpc_endpoint.interface)"],
        "cdn": ["minimum_protocol_version =="],
        "waf": ["rate_based_statement).limit", "module.regional.log_group"],
        "budgets": ["limit_amount"],
        "alerts": ["kms_master_key_id == run.kms.key_arn"],
        "audit": ["is_multi_region_trail", "enable_log_file_validation", "aws_cloudtrail.this.kms_key_id",
                  "restrict_public_buckets", "length(aws_cloudwatch_metric_alarm.cis) >"],
        "ecr": ["scan_on_push", '"IMMUTABLE"'],
        "identity": ["mfa_configuration", "minimum_length", "require_symbols"],
    }
    for unit, fragments in wanted.items():
        conditions = " ".join(_asserts(runs[unit]).values())
        for fragment in fragments:
            assert fragment in conditions, f"{unit}: nothing asserts {fragment!r}"
    # every environment log group kept and encrypted
    for unit in ("vpc", "rds", "redis", "ecs", "waf", "audit"):
        assert any("retention_in_days ==" in c for c in _asserts(runs[unit]).values()), unit


def test_optional_units_assert_their_properties_when_enabled(project):
    edit_manifest(project, "customer-x", "prod.yaml", {
        "bastion": {"enabled": True, "admin_cidrs": ["198.51.100.0/24"]},
        "operator_access": {"enabled": True, "admin_principals": ["arn:aws:iam::222222222222:role/ops"]},
        "scaling_events": {"events": [{"name": "final", "start": "2099-05-30T18:00:00Z",
                                       "end": "2099-05-30T23:00:00Z", "traffic_factor": 2}]},
    })
    runs = _runs(project, "prod")
    assert 'one(aws_instance.this.metadata_options).http_tokens == "required"' in _asserts(runs["bastion"]).values()
    assert any("root_block_device).encrypted == true" in c for c in _asserts(runs["bastion"]).values())
    assert _condition(runs["security_groups"], "bastion_ssh) : r.cidr_ipv4]") == \
        'sort([for r in values(aws_vpc_security_group_ingress_rule.bastion_ssh) : r.cidr_ipv4]) == ' \
        'sort(["198.51.100.0/24"])'
    assert "aws:MultiFactorAuthPresent" in _condition(runs["operator_access"], "MultiFactorAuthPresent")
    assert _condition(runs["operator_access"], "keys(aws_iam_role.this)") == \
        'sort(keys(aws_iam_role.this)) == sort(["admin"])'
    schedules = [c for c in _asserts(runs["scaling_events"]).values() if ".schedule ==" in c]
    assert schedules and all('"at(2099-05-30T' in c for c in schedules)


def test_set_expectations_ignore_order_and_collection_type():
    assertion = expect_set("keys(x)", ["b", "a"], "m")
    assert assertion.condition == 'sort(keys(x)) == sort(["a", "b"])'


# --- with Terraform ------------------------------------------------------------------------------


# The assertions pass for dev and prod: tests/test_terraform.py's per-environment test runs them
# (validate_environment writes tests/assertions.tftest.hcl beside the environment test).


@pytest.mark.terraform
def test_the_assertions_bite_when_a_module_breaks_a_promise(project, fgen):
    """The environment still plans and applies, but its ALB would accept malformed headers."""
    assert fgen("render", "customer-x")[0] == 0
    module = project.output_dir / "customer-x/infra/modules/alb/main.tf"
    text = module.read_text()
    assert "drop_invalid_header_fields = true" in text
    module.write_text(text.replace("drop_invalid_header_fields = true", "drop_invalid_header_fields = false"))
    code, out, err = fgen("validate", "customer-x", "--terraform")
    assert code == 1
    assert "terraform test failed" in err and "Test assertion failed" in err
    assert "alb: requests with invalid header fields must be dropped" in err
    assert err.count("alb: requests with invalid header fields must be dropped") >= 2  # dev and prod
