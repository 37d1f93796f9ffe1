"""The assertions of `validate --terraform`: every property the manifest promises, per unit, folded
into the whole-environment test of the plain root (generator/tfassert.py) with each condition
rewritten from the module's scope to the root's; and, with Terraform, that the assertions hold for
customer-x and fail when a module stops keeping a promise."""

from __future__ import annotations

import re

import pygohcl
import pytest

from generator.components.base import expect_set
from generator.resolve import resolve_customer
from generator.terraform import environment_test_file
from generator.tfassert import OUTPUT_PREFIX, Scope, assertion_count, expose_file, unit_runs
from generator.units import environment_units
from tests.support import edit_manifest, render_tree


def _env(project, name: str):
    return next(e for e in resolve_customer(project, "customer-x").environments if e.name == name)


def _runs(project, name: str) -> dict:
    """unit label -> {"assert": [...]}: each unit's assertions as its component writes them."""
    return {run.label: {"assert": [{"condition": a.condition, "error_message": a.error_message}
                                   for a in run.assertions]} for run in unit_runs(_env(project, name))}


def _asserts(run: dict) -> dict[str, str]:
    """error message -> condition"""
    blocks = run.get("assert") or []
    return {a["error_message"]: a["condition"] for a in (blocks if isinstance(blocks, list) else [blocks])}


def _condition(run: dict, pattern: str) -> str:
    matches = [c for c in _asserts(run).values() if pattern in c]
    assert len(matches) == 1, (pattern, list(_asserts(run).values()))
    return matches[0]


def _harness(project, name: str):
    """The environment test as the harness writes it, the scope it was rewritten into, main.tf's calls."""
    tree = render_tree(project)
    calls = pygohcl.loads(tree["infra/main.tf"])["module"]
    scope = Scope(counted={label for label, body in calls.items() if "count" in body})
    env = _env(project, name)
    text = environment_test_file(env, {"aws_kms_key"}, scope, {"aws_kms_key", "aws_fake_probe"})
    return env, text, scope, calls


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_every_assertion_is_an_assert_of_the_whole_environment_run_in_the_roots_scope(project, environment):
    env, text, scope, calls = _harness(project, environment)
    runs = re.findall(r'^run "([a-z_]+)"', text, re.M)
    assert runs == ["plan", "assert"]
    body = pygohcl.loads(text)["run"]
    assert body["plan"]["command"] == body["assert"]["command"] == "plan"
    assert "assert" not in body["plan"]
    blocks = body["assert"]["assert"]
    count = assertion_count(env)
    assert count > 80 and len(blocks) == count == text.count("\n  assert {")
    messages = [a.error_message for run in unit_runs(env) for a in run.assertions]
    assert [b["error_message"] for b in blocks] == messages  # all kept, in dependency order
    for block in blocks:
        condition = block["condition"]
        assert not re.search(r"(?<![\w.])run\.", condition), condition  # no per-unit run left to read
        for label, index in re.findall(r"(?<![\w.])module\.([a-z0-9_]+)(\[0\])?", condition):
            assert label in calls, f"{condition}: no module call {label} in main.tf"
            assert bool(index) == (label in scope.counted), condition
        # no resource of a module is read directly from the root (Terraform: "Unsupported attribute")
        assert not re.search(r"(?<![\w.])(?:data\.)?aws_[a-z0-9_]+\.[a-z_]", condition), condition


def test_conditions_read_modules_through_added_outputs_and_units_through_their_module_calls(project):
    env, text, scope, calls = _harness(project, "prod")
    conditions = [b["condition"] for b in pygohcl.loads(text)["run"]["assert"]["assert"]]
    multi_az = next(c for c in conditions if ".multi_az ==" in c and "aws_db_instance__this" in c)
    assert multi_az == f"module.rds.{OUTPUT_PREFIX}aws_db_instance__this.multi_az == true"
    kms = next(c for c in conditions if f"{OUTPUT_PREFIX}aws_db_instance__this.kms_key_id ==" in c)
    assert kms.endswith("== module.kms.key_arn")  # was run.kms.key_arn: the module call's output
    assert "scaling_events" in scope.counted  # optional: absent from dev
    assert any(c.startswith("module.scaling_events[0].") for c in conditions)
    # the rds module copy exposes what its assertions read, without sensitive marks
    exposed = scope.exposed["rds_postgres"]
    assert exposed[f"{OUTPUT_PREFIX}aws_db_instance__this"] == "aws_db_instance.this"
    out = pygohcl.loads(expose_file(exposed))["output"]
    assert out[f"{OUTPUT_PREFIX}aws_db_instance__this"]["value"] == \
        "jsondecode(nonsensitive(jsonencode(aws_db_instance.this)))"
    # strings are left alone: a literal that looks like a reference is not rewritten
    probe = Scope(set()).rewrite('aws_iam_role.this.name == "aws_iam_role.this" && contains(x, "run.a.b")',
                                 environment_units(env)[0])
    assert probe.endswith('== "aws_iam_role.this" && contains(x, "run.a.b")')
    # loop variables stay loop variables
    loop = Scope(set()).rewrite("alltrue([for my_r in aws_s3_bucket.b : my_r.arn != null])",
                                environment_units(env)[0])
    assert "for my_r in module.kms." in loop and ": my_r.arn != null" in loop


def test_the_asserting_run_knows_every_computed_value_at_plan_time(project):
    env, text, scope, calls = _harness(project, "prod")
    mocks = pygohcl.loads(text)["mock_provider"]["aws"]
    mocks = mocks if isinstance(mocks, list) else [mocks]
    by_alias = {m.get("alias"): m for m in mocks}
    # "standby": the plain root's provider of the warm standby's region
    assert set(by_alias) == {None, "us_east_1", "dr", "standby", "known", "known_us_east_1", "known_dr",
                             "known_standby"}
    for alias in ("known", "known_us_east_1", "known_dr", "known_standby"):
        assert by_alias[alias]["override_during"] == "plan"
        assert {"aws_kms_key", "aws_fake_probe"} <= set(by_alias[alias]["mock_resource"])
    assert "override_during" not in by_alias[None] and "aws_fake_probe" not in by_alias[None]["mock_resource"]
    assert text.count('arn:aws:kms:eu-west-1:222222222222:aws_kms_key/mock') == 8
    providers = pygohcl.loads(text)["run"]
    assert providers["assert"]["providers"] == {"aws": "aws.known", "aws.us_east_1": "aws.known_us_east_1",
                                                "aws.dr": "aws.known_dr", "aws.standby": "aws.known_standby"}
    assert providers["plan"]["providers"] == {"aws": "aws", "aws.us_east_1": "aws.us_east_1", "aws.dr": "aws.dr",
                                              "aws.standby": "aws.standby"}


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


# The assertions pass for dev and prod: tests/test_terraform.py's per-environment test runs them.


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
