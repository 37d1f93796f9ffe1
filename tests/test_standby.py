"""The warm standby's frame (generator/standby.py): its settings and their errors, the units it adds in
the standby region, the estate and the plain root over both regions, and promotion through the
unit-removal guard. The tiers' own behaviour (replica, capacity, failover) is tested beside them."""

from __future__ import annotations

import re

import pygohcl
import pytest

from generator.components import BY_NAME, CATALOGUE
from generator.estate_stage import resolve_in_estate
from generator.estate import EnvKey
from generator.units import environment_units
from tests.support import edit_manifest, estate_project, render_tree

PROD = "infra/environments/prod"
#: the standby's references to primary-region units that are not shared: the replicas' sources (the
#: database, the cache's Global Datastore), and the key of the audit bucket AWS Config delivers to (S3
#: takes a key of the bucket's region)
PRIMARY_REFERENCES = {("standby/rds", "rds"), ("standby/redis", "redis"), ("standby/account_baseline", "kms")}
#: the replication references, gone once the standby is promoted
REPLICATION = {"rds", "redis"}


def _prod(project):
    return resolve_in_estate(project, "customer-x").environments[1]


def _standby_units(tree: dict[str, str]) -> set[str]:
    return {p.split("/")[4] for p in tree if p.startswith(f"{PROD}/standby/") and p.endswith("/terragrunt.hcl")}


def test_customer_x_prod_has_a_standby_in_its_dr_region(project):
    prod = _prod(project)
    standby = prod.standby_env
    assert standby is not None and standby.is_standby and standby.primary_env is prod
    assert standby.region == prod.manifest.aws.dr_region != prod.region
    assert standby.account_id == prod.account_id
    assert standby.prefix == f"{prod.prefix}-sb"
    tree = render_tree(project)
    expected = {c.name for c in CATALOGUE if standby.renders(c.name)}
    assert {"vpc", "alb", "rds", "ecs", "kms", "waf", "alerts"} <= expected
    assert _standby_units(tree) == expected
    config = pygohcl.loads(tree["infra/config/prod.hcl"])["locals"]
    assert config["standby_region"] == standby.region
    assert config["standby_state_bucket"] == f"fg-tfstate-{prod.account_id}-{standby.region}"
    assert not any("/standby/" in p for p in tree if p.startswith("infra/environments/dev/"))
    assert "standby_region" not in pygohcl.loads(tree["infra/config/dev.hcl"])["locals"]


def test_standby_units_use_their_own_regions_units(project):
    """Every reference of a standby unit stays in the standby region, except to units that serve both
    regions from the primary tree (``shared``) and the replica's source (the primary's database)."""
    prod = _prod(project)
    shared = {c.name for c in CATALOGUE if c.standby == "shared"}
    for unit in environment_units(prod):
        if not unit.name.startswith("standby/"):
            continue
        for dep in unit.dependencies:
            if dep.unit.startswith("standby/"):
                assert dep.config_path == f"../{dep.unit.removeprefix('standby/')}"
            else:
                assert dep.unit in shared or (unit.name, dep.unit) in PRIMARY_REFERENCES, (unit.name, dep.unit)
                assert dep.config_path == f"../../{dep.unit}"


def test_the_plain_root_calls_the_standby_with_the_standby_provider(project):
    tree = render_tree(project)
    main = pygohcl.loads(tree["infra/main.tf"])["module"]
    providers = pygohcl.loads(tree["infra/providers.tf"])["provider"]["aws"]
    assert any(p.get("alias") == "standby" for p in providers)
    standby_calls = {label: body for label, body in main.items() if label.startswith("standby__")}
    assert {label.removeprefix("standby__") for label in standby_calls} == _standby_units(tree)
    text = tree["infra/main.tf"]
    for label in standby_calls:
        block = text[text.index(f'module "{label}" {{'):]
        block = block[:block.index("\n}\n")]
        assert re.search(r"\n    aws +=  ?aws\.standby\n", block), label
        assert not re.search(r"aws\.dr += aws\.dr", block)  # the standby's "dr" is the primary region
    tfvars = pygohcl.loads(tree["infra/environments/prod.tfvars"])
    assert tfvars["standby_region"] == "eu-central-1"
    assert tfvars["enabled"]["standby__rds"] is True
    dev = pygohcl.loads(tree["infra/environments/dev.tfvars"])
    assert dev["standby_region"] is None and dev["enabled"]["standby__rds"] is False


def test_a_customer_without_a_standby_has_no_trace_of_one(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"standby": {"enabled": False}})
    tree = render_tree(project)
    assert not [p for p in tree if "standby" in p]
    for path, content in tree.items():
        if path.startswith("infra/modules/") or path in {"README.md", "RUNBOOK.md"}:
            continue  # modules document their standby variables; docs are checked by their tests
        assert not re.search(r"standby[/_]|aws\.standby", content), path


def test_the_estate_places_the_standby_in_its_region(project, run):
    code, out, err = run(project, "accounts")
    assert code == 0, err
    block = out[out.index("222222222222 eu-central-1"):] if "222222222222 eu-central-1" in out else ""
    assert "customer-x/prod/standby" in block
    code, out, err = run(project, "accounts", "--format", "json")
    import json

    places = {(a["account_id"], a["region"]): a for a in json.loads(out)["accounts"]} \
        if isinstance(json.loads(out), dict) else {(a["account_id"], a["region"]): a for a in json.loads(out)}
    standby = places[("222222222222", "eu-central-1")]
    assert [e["environment"] for e in standby["environments"]] == ["prod/standby"]
    assert standby["environments"][0]["file"] == "customers/customer-x/prod.yaml"


@pytest.mark.parametrize("changes,key,message", [
    ({"standby": {"region": "eu-west-1"}}, "standby.region", "another region than the primary (eu-west-1)"),
    ({"standby": {"vpc_cidr": None}}, "standby.vpc_cidr", "needs the standby VPC's CIDR"),
    ({"standby": {"vpc_cidr": "10.120.128.0/17"}}, "standby.vpc_cidr", "overlaps the primary VPC's 10.120.0.0/16"),
    ({"standby": {"certificate_arn": None}}, "standby.certificate_arn", "needs its own ACM certificate in eu-central-1"),
    ({"standby": {"certificate_arn": "arn:aws:acm:eu-west-1:222222222222:certificate/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"}},
     "standby.certificate_arn", "the certificate is in eu-west-1; the standby's ALB is in eu-central-1"),
    ({"standby": {"certificate_arn": "arn:aws:acm:eu-central-1:111111111111:certificate/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"}},
     "standby.certificate_arn", "belongs to account 111111111111"),
    ({"standby": {"region": "us-west-1"}, "vpc": {"az_count": 3}}, "vpc.az_count",
     "in the standby region us-west-1: us-west-1 has 2 availability zones; az_count is 3"),
    ({"standby": {"enabled": False, "promoted": True}}, "standby", "promoted: true needs enabled: true"),
])
def test_standby_settings_are_checked_with_file_and_line(project, run, changes, key, message):
    if "us-west-1" in str(changes):  # a certificate from the standby region, so only the AZ rule fails
        changes["standby"]["certificate_arn"] = ("arn:aws:acm:us-west-1:222222222222:certificate/"
                                                 "7a2b3c4d-5e6f-4a70-9b8c-0d1e2f3a4b5c")
    edit_manifest(project, "customer-x", "prod.yaml", changes)
    code, out, err = run(project, "render", "customer-x")
    assert code == 2, out + err
    assert message in err
    line = next(line for line in err.splitlines() if message in line)
    assert f" {key}" in line or f" {key}:" in line, line
    assert "customers/customer-x/prod.yaml:" in line or "templates/profiles/prod/" in line, line
    assert not (project.root / "output").exists()


def test_no_region_for_the_standby(project, run):
    path = project.customers_dir / "customer-x" / "customer.yaml"
    path.write_text(path.read_text().replace("  dr_region: eu-central-1\n", ""))
    code, _, err = run(project, "render", "customer-x")
    assert code == 2
    assert "customers/customer-x/prod.yaml:" in err and "standby.enabled needs a region" in err


def test_promotion_removes_the_old_primary_stack_through_the_guard(project, run):
    assert run(project, "render", "customer-x")[0] == 0
    prod = _prod(project)
    leaving = sorted(c.name for c in CATALOGUE if prod.renders(c.name) and c.leaves_on_promotion())
    assert {"vpc", "alb", "rds", "redis", "ecs"} <= set(leaving)
    edit_manifest(project, "customer-x", "prod.yaml", {"standby": {"promoted": True}})
    code, out, err = run(project, "render", "customer-x")
    assert code == 1, out + err
    refused = sorted(line.split(f"{PROD}/")[1].split(":")[0] for line in err.splitlines() if f"{PROD}/" in line)
    assert refused == leaving
    assert err.count("is promoted (standby.promoted: true") == len(leaving)
    assert "its job moves to the standby's infra/environments/prod/standby/rds" in err
    code, out, err = run(project, "render", "customer-x", "--allow-unit-removal")
    assert code == 0, err
    units = {p.parent.name for p in (project.root / "output/customer-x" / PROD).glob("*/terragrunt.hcl")}
    assert not units & set(leaving)
    assert {"kms", "log_bucket", "alerts", "cdn"} <= units
    promoted = _prod(project)
    standby_units = {u.name: u for u in environment_units(promoted) if u.name.startswith("standby/")}
    assert {"standby/backup", "standby/scaling_events"} <= set(standby_units)
    for unit in standby_units.values():  # the standby can be applied while the primary region is down
        primary = {d.unit for d in unit.dependencies if not d.unit.startswith("standby/")}
        primary -= {dep for name, dep in PRIMARY_REFERENCES if name == unit.name and dep not in REPLICATION}
        assert primary <= {c.name for c in CATALOGUE if c.standby == "shared"}, (unit.name, primary)
    for unit in environment_units(promoted):  # what stays in the primary tree uses the standby's units
        if unit.name.startswith("standby/"):
            continue
        assert not {d.unit for d in unit.dependencies} & set(leaving), unit.name


def test_crossed_standbys_share_regions_with_primaries(tmp_path, run):
    """Two customers in one account, each with a standby where the other runs its primary: each region's
    baseline belongs to the primary there, the standby there uses it, and every name stays unique."""
    from generator.estate_stage import load_estate

    project = estate_project(tmp_path, "standby-crossed")
    estate = load_estate(project)
    assert estate.baselines[("444444444444", "us-east-1")].owner == EnvKey("gamma", "prod")
    assert estate.baselines[("444444444444", "us-west-2")].owner == EnvKey("delta", "prod")
    code, out, err = run(project, "render", "--all")
    assert code == 0, err
    for customer, region in (("gamma", "us-west-2"), ("delta", "us-east-1")):
        env = resolve_in_estate(project, customer).environments[0]
        standby = env.standby_env
        assert standby.region == region and not standby.estate.owns_baseline
        units = {u.name for u in environment_units(env)}
        assert "standby/account_baseline" not in units and "standby/threat_detection" in units
        assert "account_baseline" in units
    gamma = resolve_in_estate(project, "gamma").environments[0]
    assert "standby/redis" not in {u.name for u in environment_units(gamma)}  # off in the primary, off here


def test_a_primary_claim_keeps_the_baseline_when_a_standby_arrives(tmp_path):
    """A standby placed where no other environment runs owns that region's baseline (it needs one);
    where a primary runs, the primary keeps it: adding a standby never moves a baseline."""
    from generator.estate_stage import load_estate

    project = estate_project(tmp_path, "standby-crossed")
    edit_manifest(project, "delta", "prod.yaml", {"standby": {"enabled": False}})
    estate = load_estate(project)
    assert estate.baselines[("444444444444", "us-east-1")].owner == EnvKey("gamma", "prod")
    assert estate.baselines[("444444444444", "us-west-2")].owner == EnvKey("delta", "prod")
    edit_manifest(project, "delta", "prod.yaml", {"aws": {"region": "eu-west-1", "dr_region": "eu-central-1"},
                                                  "dns": {"certificate_arn": "arn:aws:acm:eu-west-1:444444444444:"
                                                          "certificate/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"}})
    estate = load_estate(project, use_cache=False)
    owner = estate.baselines[("444444444444", "us-west-2")]
    assert owner.owner == EnvKey("gamma", "prod/standby")
    assert owner.reason == "the only environment here that can own it"


@pytest.mark.terraform
def test_a_pilot_light_standby_without_cache_or_zone_validates_under_a_mock_provider(tmp_path, run):
    """`fgen validate --terraform` on the other shape: pilot light, another region pair, the cache
    switched off, no hosted zone, a standby that uses another customer's baseline."""
    from generator.terraform import validate_with_terraform

    project = estate_project(tmp_path, "standby-crossed")
    assert run(project, "render", "gamma")[0] == 0
    assert validate_with_terraform(project, "gamma", use_cache=False) == []


def test_explain_says_who_owns_the_standby_regions_baseline(project, run):
    code, out, err = run(project, "explain", "customer-x", "prod", "standby/account_baseline")
    assert code == 0, err
    assert out.startswith("customer-x/prod/standby deploys to account 222222222222 in eu-central-1")
    assert "account_baseline: OWNED here" in out
    code, out, err = run(project, "explain", "customer-x", "dev", "standby/account_baseline")
    assert code == 2 and "customer-x/dev has no warm standby (standby.enabled is false)" in err


@pytest.mark.terraform
def test_a_promoted_tree_validates_under_a_mock_provider(project, run):
    """The promoted standby is a full primary that Terraform plans and the assertions hold on (no replica
    source, full capacity), with the old primary region's stack gone from the plain root."""
    from generator.terraform import validate_with_terraform

    edit_manifest(project, "customer-x", "prod.yaml", {"standby": {"promoted": True}})
    assert run(project, "render", "customer-x")[0] == 0
    main = (project.root / "output/customer-x/infra/main.tf").read_text()
    assert 'module "standby__backup"' in main and 'module "standby__rds"' in main
    assert validate_with_terraform(project, "customer-x", use_cache=False) == []


def test_the_primary_key_admits_aws_config_when_only_the_standby_owns_a_baseline(tmp_path):
    """A standby's AWS Config delivers to the primary's audit bucket with the primary's key (SSE-KMS takes
    a key of the bucket's region): that key must admit config.amazonaws.com even where the primary does
    not own its own region's baseline."""
    project = estate_project(tmp_path, "standby-crossed")
    # gamma moves next to delta's primary (us-west-2) and claims that region's baseline; delta's standby
    # is then alone in us-east-1 and owns the baseline there
    edit_manifest(project, "gamma", "customer.yaml", {"aws": {"region": "us-west-2", "dr_region": "eu-west-1"},
                                                      "dns": {"certificate_arn": "arn:aws:acm:us-west-2:444444444444:"
                                                              "certificate/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"}})
    edit_manifest(project, "gamma", "prod.yaml", {"aws": {"baseline_owner": True}, "standby": {
        "certificate_arn": "arn:aws:acm:eu-west-1:444444444444:certificate/7a2b3c4d-5e6f-4a70-9b8c-0d1e2f3a4b5c"}})
    delta = resolve_in_estate(project, "delta").environments[0]
    assert not delta.estate.owns_baseline and delta.standby_env.estate.owns_baseline
    assert delta.standby_env.estate.baseline.config
    assert "config.amazonaws.com" in BY_NAME["kms"].inputs(delta)["service_principals"]
    baseline = BY_NAME["account_baseline"].inputs(delta.standby_env)
    assert baseline["kms_key_arn"] == delta.out("kms", "key_arn")  # the primary's key, beside its audit bucket
    assert "config.amazonaws.com" not in BY_NAME["kms"].inputs(delta.standby_env)["service_principals"]
