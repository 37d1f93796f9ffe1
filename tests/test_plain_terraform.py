"""The plain-Terraform root (infra/main.tf + environments/<env>.tfvars|.backend.hcl) for teams without Terragrunt."""

from __future__ import annotations

import re

import pygohcl
import pytest

from generator.cache import ParseCache
from generator.hcl import Output
from generator.plainroot import _Wiring, ABSENT
from generator.resolve import resolve_customer
from generator.validate import validate_tree
from tests.support import copy_repo, edit_manifest, parsed, render_tree


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    """One render of customer-x for the read-only tests of this file."""
    return render_tree(copy_repo(tmp_path_factory.mktemp("plain") / "repo"))


def _units(tree, env):
    """Unit names of an environment: folder names, and previews/<slug> for feature-branch previews."""
    return {"/".join(p.split("/")[3:-1]) for p in tree
            if p.startswith(f"infra/environments/{env}/") and p.endswith("/terragrunt.hcl")}


def _label(unit):
    return unit.replace("-", "_").replace("/", "__")


def test_every_unit_of_every_environment_has_its_module_called(tree):
    modules = parsed(tree, "infra/main.tf")["module"]
    for env in ("dev", "prod"):
        for unit in _units(tree, env):
            block = modules[_label(unit)]
            source = pygohcl.loads(tree[f"infra/environments/{env}/{unit}/terragrunt.hcl"])["terraform"]["source"]
            assert block["source"] == "./modules/" + source.split("//")[1]
    assert set(modules) == {_label(u) for u in _units(tree, "dev") | _units(tree, "prod")}


def test_modules_are_wired_module_to_module(tree):
    main = parsed(tree, "infra/main.tf")["module"]
    assert main["vpc"]["kms_key_arn"] == "module.kms.key_arn"
    assert main["alb"]["vpc_id"] == "module.vpc.vpc_id"
    # dr is prod only: counted, and what it references exists everywhere it runs
    assert main["dr"]["count"] == "var.enabled.dr ? 1 : 0"
    assert main["dr"]["source_db_instance_arn"] == "module.rds.db_instance_arn"
    assert "count" not in main["vpc"]
    assert "dependency." not in tree["infra/main.tf"]


def test_dev_tfvars_turns_off_what_dev_lacks(tree):
    dev = parsed(tree, "infra/environments/dev.tfvars")
    prod = parsed(tree, "infra/environments/prod.tfvars")
    preview = _label(next(u for u in _units(tree, "dev") if u.startswith("previews/")))
    # prod's warm standby: every standby__<c> module on in prod, off in dev (which has no standby)
    standby = {label for label in prod["enabled"] if label.startswith("standby__")}
    assert standby == {f"standby__{u.removeprefix('standby/')}" for u in _units(tree, "prod")
                       if u.startswith("standby/")}
    assert all(prod["enabled"].pop(label) for label in standby)
    assert not any(dev["enabled"].pop(label) for label in standby)
    assert dev["enabled"] == {"bastion": True, "dr": False, "codedeploy": False, "backup": False, preview: True,
                              "dns_records": False, "operator_access": True, "scaling_events": False}
    assert prod["enabled"] == {"bastion": False, "dr": True, "codedeploy": True, "backup": True, preview: False,
                               "dns_records": True, "operator_access": False, "scaling_events": True}
    assert "dr" not in dev and "bastion" in dev and "bastion" not in prod
    # every value of a unit that is not another unit's output is in the environment's tfvars
    rds = pygohcl.loads(tree["infra/environments/prod/rds/terragrunt.hcl"])["inputs"]
    for key, value in rds.items():
        if "dependency." not in str(value):
            assert prod["rds"][key] == value, key


def test_an_input_that_is_an_output_only_in_prod_is_chosen_per_environment(tree):
    """alb.test_listener is null in dev and admits the NAT IPs (a vpc output) in prod."""
    dev = parsed(tree, "infra/environments/dev.tfvars")
    prod = parsed(tree, "infra/environments/prod.tfvars")
    assert dev["from_outputs"]["alb.test_listener"] is False and dev["alb"]["test_listener"] is None
    assert prod["from_outputs"]["alb.test_listener"] is True
    assert "source_ips" not in prod["alb"]["test_listener"] and prod["alb"]["test_listener"]["port"] > 0
    assert "module.vpc.nat_public_ips" in parsed(tree, "infra/main.tf")["module"]["alb"]["test_listener"]


def test_backend_uses_the_terragrunt_bucket_under_a_key_of_its_own(tree):
    for env in ("dev", "prod"):
        backend = parsed(tree, f"infra/environments/{env}.backend.hcl")
        config = parsed(tree, f"infra/config/{env}.hcl")["locals"]
        assert backend == {"bucket": config["state_bucket"], "key": f"customer-x/{env}/plain-terraform.tfstate",
                           "region": config["state_region"], "encrypt": True, "use_lockfile": True}
    assert 'backend "s3" {}' in tree["infra/versions.tf"]


def test_providers_match_root_hcl(tree):
    providers = tree["infra/providers.tf"]
    # default, us_east_1, dr, and standby (customer-x prod has a warm standby)
    assert providers.count('provider "aws" {') == 4 and 'alias               = "standby"' in providers
    assert 'alias               = "us_east_1"' in providers and 'region              = "us-east-1"' in providers
    assert "var.dr_region != null ? var.dr_region : var.region" in providers
    assert providers.count("allowed_account_ids = [var.account_id]") == 4
    assert providers.count("tags = var.tags") == 4


def test_no_secrets_in_tfvars(tree):
    for env in ("dev", "prod"):
        text = tree[f"infra/environments/{env}.tfvars"]
        assert not re.search(r"(?i)(password|secret_key|private_key|token)\s*=\s*\"", text)
        assert "AKIA" not in text and "BEGIN" not in text


def test_every_generated_root_file_has_the_header(tree):
    for path in tree:
        if path.startswith("infra/") and path.count("/") <= 2 and not path.startswith(("infra/modules", "infra/config")):
            assert tree[path].startswith("# Generated by fgen."), path


def test_inputs_missing_in_one_environment_get_the_module_default(project):
    """An input a unit leaves out in one environment reaches the module as its default, not null."""
    from generator.plainroot import build_root
    from generator.units import environment_units

    customer = resolve_customer(project, "customer-x")
    units = {e.name: environment_units(e) for e in customer.environments}
    kms = next(u for u in units["dev"] if u.name == "kms")
    del kms.inputs["rotation_period_in_days"]
    root = build_root(project, customer, units)
    assert root.residues["dev"]["kms"]["rotation_period_in_days"] == 365  # the kms module's default
    assert root.residues["prod"]["kms"]["rotation_period_in_days"] is not None


def test_wiring_of_a_map_whose_entries_all_reference_the_same_outputs():
    ref = Output("identity", "issuer")
    wiring = _Wiring(lambda o: f"module.{o.unit}.{o.name}")
    values = {"dev": {"a": {"x": 1, "env": {"ISS": ref}}, "b": {"x": 2, "env": {"ISS": ref}}},
              "prod": {"a": {"x": 3, "env": {"ISS": ref}}}}
    expr, residues = wiring.wire(values, "var.ecs.services", "ecs.services")
    assert expr.startswith("{\nfor k, v in var.ecs.services : k => merge(v, {")
    assert residues["dev"] == {"a": {"x": 1}, "b": {"x": 2}} and residues["prod"] == {"a": {"x": 3}}


def test_wiring_chooses_between_different_outputs_per_environment():
    """e.g. Redis in IAM mode in prod (user and group outputs), AUTH-token mode in dev (a parameter ARN)."""
    wiring = _Wiring(lambda o: f"module.{o.unit}.{o.name}")
    expr, residues = wiring.wire({"dev": Output("kms", "key_arn"), "prod": Output("kms", "alias_arn"), "qa": None},
                                 "var.x.k", "x.k")
    assert expr == ('one(concat(\n[for _ in [1] : module.kms.key_arn if var.from_outputs["x.k"]],\n'
                    '[for _ in [1] : module.kms.alias_arn if var.from_outputs["x.k/2"]],\n'
                    '[for _ in [1] : var.x.k if !var.from_outputs["x.k"] && !var.from_outputs["x.k/2"]],\n))')
    assert residues == {"dev": None, "prod": None, "qa": None}
    assert wiring.flags == {"x.k": {"dev": True, "prod": False, "qa": False},
                            "x.k/2": {"dev": False, "prod": True, "qa": False}}
    wiring = _Wiring(lambda o: f"module.{o.unit}.{o.name}")
    expr, residues = wiring.wire({"dev": Output("kms", "key_arn"), "prod": Output("kms", "key_arn")}, "var.x.k", "x.k")
    assert expr == "module.kms.key_arn" and residues == {"dev": ABSENT, "prod": ABSENT}


@pytest.mark.parametrize("mutation, message", [
    (lambda t: t.replace("  finding_min_severity = ", "  no_such_input = 1\n  finding_min_severity = "),
     "declares no variable 'no_such_input'"),
    (lambda t: t.replace("module.vpc.vpc_id", "module.vpc.no_such_output", 1), "has no output 'no_such_output'"),
])
def test_validation_catches_an_inconsistent_main_tf(tree, mutation, message):
    broken = dict(tree)
    broken["infra/main.tf"] = mutation(tree["infra/main.tf"])
    assert broken["infra/main.tf"] != tree["infra/main.tf"]
    problems = [str(p) for p in validate_tree(broken, "output/customer-x", ParseCache())]
    assert any(message in p for p in problems), problems


def test_validation_catches_inconsistent_tfvars_and_backend(tree):
    broken = dict(tree)
    dev, replaced = re.subn(r"(?m)^(  bastion +)= true$", r"\1= false", tree["infra/environments/dev.tfvars"])
    assert replaced == 1
    broken["infra/environments/dev.tfvars"] = dev + '\nno_such_variable = 1\n'

    broken["infra/environments/prod.backend.hcl"] = tree["infra/environments/prod.backend.hcl"].replace(
        "prod/plain-terraform.tfstate", "prod/vpc/terraform.tfstate")
    problems = [str(p) for p in validate_tree(broken, "output/customer-x", ParseCache())]
    assert any("dev.tfvars: enabled.bastion: the environment has Terragrunt unit bastion" in p for p in problems), problems
    assert any("dev.tfvars: no_such_variable: no such variable" in p for p in problems), problems
    assert any("prod.backend.hcl: key:" in p for p in problems), problems


def test_a_customer_whose_environments_differ_only_in_bastion(project):
    """Units that only some environments have still work: turning prod's bastion on calls it in prod too."""
    edit_manifest(project, "customer-x", "prod.yaml", {"bastion": {"enabled": True, "admin_cidrs": ["203.0.113.0/24"]}})
    tree = render_tree(project)
    assert "count" not in parsed(tree, "infra/main.tf")["module"]["bastion"]
    assert "bastion" in parsed(tree, "infra/environments/prod.tfvars")


# `terraform validate` and `terraform test -var-file=environments/<env>.tfvars` of this root, for dev
# and prod: tests/test_terraform.py::test_every_environment_validates_and_plans_and_applies_under_a_mock_provider
# (fgen validate --terraform runs on the plain root; one run of the slowest test, not three).
