"""The estate: account-wide resources created once, ECR repositories shared, ownership moves guarded.

Example estates live under tests/estates/<shape>/customers/; each test renders one with the CLI in
a private copy of templates/ and root.hcl.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pygohcl
import pytest
import yaml

from generator.components import CATALOGUE
from generator.estate import BaselineAsk, EcrAsk, EnvKey, EnvRef, Estate, Where
from generator.project import Project
from tests.support import edit_manifest, estate_project

def rendered_units(project: Project) -> list[dict]:
    """Every rendered unit: customer, env, unit, account, region and its inputs."""
    units = []
    for config in sorted(project.output_dir.glob("*/infra/config/*.hcl")):
        customer, env = config.parts[-4], config.stem
        where = pygohcl.loads(config.read_text())["locals"]
        for hcl in sorted((config.parents[1] / "environments" / env).glob("*/terragrunt.hcl")):
            units.append({"customer": customer, "env": env, "unit": hcl.parent.name,
                          "account": where["account_id"], "region": where["region"],
                          "inputs": pygohcl.loads(hcl.read_text()).get("inputs", {})})
    return units


def line_of(path: Path, needle: str) -> int:
    return next(i for i, text in enumerate(path.read_text().splitlines(), 1) if needle in text)


@pytest.mark.parametrize("shape", ["shared-account", "two-customers", "two-regions"])
def test_no_account_wide_resource_is_created_twice(shape, tmp_path, run):
    project = estate_project(tmp_path, shape)
    code, out, err = run(project, "render", "--all")
    assert code == 0, err
    units = rendered_units(project)
    placements = {(u["account"], u["region"]) for u in units}
    baselines = Counter((u["account"], u["region"]) for u in units if u["unit"] == "account_baseline")
    assert baselines == Counter({p: 1 for p in placements})  # every placement asks for GuardDuty here
    registries = Counter((u["customer"], u["account"], u["region"]) for u in units if u["unit"] == "ecr")
    assert set(registries.values()) == {1}
    assert registries.keys() == {(u["customer"], u["account"], u["region"]) for u in units}
    # every environment still gets the findings on its own alert topic
    assert {(u["customer"], u["env"]) for u in units if u["unit"] == "threat_detection"} == \
        {(u["customer"], u["env"]) for u in units}
    # `fgen render --all --check` agrees with what was written
    assert run(project, "render", "--all", "--check")[0] == 0


def test_two_environments_of_one_customer_share_the_baseline_and_the_repositories(tmp_path, run):
    project = estate_project(tmp_path, "shared-account")
    assert run(project, "render", "--all")[0] == 0
    units = {(u["env"], u["unit"]): u["inputs"] for u in rendered_units(project)}
    assert ("qa", "account_baseline") not in units and ("qa", "ecr") not in units
    baseline = units[("dev", "account_baseline")]
    # qa asks for AWS Config, dev does not: the union runs it, delivering to the owner's audit bucket
    assert baseline["config_enabled"] is True and baseline["config_recording_frequency"] == "DAILY"
    assert baseline["config_bucket_name"] == "dependency.audit.outputs.bucket_name"
    assert units[("dev", "audit")]["config_delivery"] is True and units[("qa", "audit")]["config_delivery"] is False
    # only the owner's key lets AWS Config encrypt deliveries
    assert "config.amazonaws.com" in units[("dev", "kms")]["service_principals"]
    assert "config.amazonaws.com" not in units[("qa", "kms")]["service_principals"]
    registry = "333333333333.dkr.ecr.eu-west-1.amazonaws.com"
    repos = units[("dev", "ecr")]["repository_names"]
    for service, settings in units[("qa", "ecs")]["services"].items():
        assert settings["image"] == f"{registry}/{repos[service]}"
    # conservative merge: both dev-profile environments allow force_delete, so it stays allowed
    assert units[("dev", "ecr")]["force_delete"] is True
    readme = (project.output_dir / "alpha" / "README.md").read_text()
    # columns dev, prod, qa
    assert ("| Account baseline | this environment | this environment | alpha/dev (account\\_baseline unit; apply it "
            "first) |") in readme


def test_the_same_account_in_two_regions(tmp_path, run):
    project = estate_project(tmp_path, "two-regions")
    assert run(project, "render", "--all")[0] == 0
    baselines = [u for u in rendered_units(project) if u["unit"] == "account_baseline"]
    assert sorted(u["region"] for u in baselines) == ["eu-central-1", "eu-west-1"]  # regional: twice
    monitors = [u for u in baselines if u["inputs"]["cost_anomaly_services_monitor"] is not None]
    assert len(monitors) == 1  # account-global: once
    assert monitors[0]["inputs"]["cost_anomaly_services_monitor"]["emails"] == [
        "platform@alpha.example.com", "platform@beta.example.com"]
    budgets = [u for u in rendered_units(project) if u["unit"] == "budgets"]
    assert all(u["inputs"]["anomaly_detection"] is None for u in budgets)
    roles = {u["inputs"]["name"] + "-config-" + u["region"] for u in baselines}
    assert len(roles) == 2  # the Config role name carries the region: IAM is per account


def test_accounts_text_and_json(tmp_path, run):
    project = estate_project(tmp_path, "two-customers")
    code, out, _ = run(project, "accounts")
    assert code == 0
    assert "account 333333333333 eu-west-1\n  environments: alpha/dev (dev), beta/dev (dev)\n" in out
    assert "  account_baseline: alpha/dev (no production environment here; then (customer, environment) " \
           "alphabetically)\n    guardduty: asked by alpha/dev, beta/dev\n" in out
    assert "    1. alpha/dev/account_baseline\n    2. alpha/dev/ecr\n    3. beta/dev/ecr\n" in out
    code, out, _ = run(project, "accounts", "--format", "json")
    data = json.loads(out)
    shared = next(a for a in data["accounts"] if a["account_id"] == "333333333333")
    assert shared["account_baseline"]["owner"] == "alpha/dev"
    assert shared["account_baseline"]["asked_by"] == {"guardduty": ["alpha/dev", "beta/dev"]}
    assert [r["owner"] for r in shared["ecr"]] == ["alpha/dev", "beta/dev"]
    code, out, _ = run(project, "explain", "beta", "dev", "account_baseline")
    assert code == 0 and "account_baseline: USED, owned by alpha/dev" in out
    assert "aws.baseline_owner: true in customers/beta/dev.yaml" in out


def test_ownership_moves_through_the_unit_removal_guard(tmp_path, run):
    project = estate_project(tmp_path, "shared-account")
    assert run(project, "render", "--all")[0] == 0
    edit_manifest(project, "alpha", "qa.yaml", {"aws": {"baseline_owner": True}})
    code, _, err = run(project, "render", "alpha")
    assert code == 1
    assert ("output/alpha/infra/environments/dev/account_baseline: this render moves the account baseline "
            "(GuardDuty detector, Security Hub, AWS Config recorder) of this account and region away from "
            "alpha/dev") in err
    assert "set `aws.baseline_owner: true` in customers/alpha/dev.yaml" in err
    assert "`cd output/alpha/infra/environments/dev/account_baseline && terragrunt destroy`" in err
    assert "`terragrunt state rm` its resources in output/alpha/infra/environments/dev/account_baseline" in err
    assert (project.output_dir / "alpha/infra/environments/dev/account_baseline").is_dir()
    assert not (project.output_dir / "alpha/infra/environments/qa/account_baseline").exists()
    code, _, err = run(project, "render", "alpha", "--allow-unit-removal")
    assert code == 0, err
    assert (project.output_dir / "alpha/infra/environments/qa/account_baseline").is_dir()
    assert not (project.output_dir / "alpha/infra/environments/dev/account_baseline").exists()


def test_ownership_moves_when_the_owner_is_removed(tmp_path, run):
    project = estate_project(tmp_path, "shared-account")
    assert run(project, "render", "--all")[0] == 0
    folder = project.customers_dir / "alpha"
    (folder / "dev.yaml").unlink()
    customer = yaml.safe_load((folder / "customer.yaml").read_text())
    del customer["aws"]["accounts"]["dev"]
    (folder / "customer.yaml").write_text(yaml.safe_dump(customer, sort_keys=False))
    code, _, err = run(project, "render", "alpha")
    assert code == 1 and "dev/account_baseline: this render moves the account baseline" in err
    assert "dev/ecr: this render moves the ECR repositories of alpha" in err
    assert run(project, "render", "alpha", "--allow-unit-removal")[0] == 0
    for unit in ("account_baseline", "ecr"):
        assert (project.output_dir / f"alpha/infra/environments/qa/{unit}/terragrunt.hcl").is_file()


def test_two_claims_on_one_account_are_refused(tmp_path, run):
    project = estate_project(tmp_path, "two-customers")
    for customer in ("alpha", "beta"):
        edit_manifest(project, customer, "dev.yaml", {"aws": {"baseline_owner": True}})
    code, _, err = run(project, "render", "alpha")
    assert code == 2
    a, b = (project.customers_dir / c / "dev.yaml" for c in ("alpha", "beta"))
    la, lb = line_of(a, "baseline_owner"), line_of(b, "baseline_owner")
    message = (f"2 environments claim the account baseline of account 333333333333 in eu-west-1 "
               f"(customers/alpha/dev.yaml:{la}, customers/beta/dev.yaml:{lb}); exactly one may own it: keep "
               "aws.baseline_owner: true in one of them")
    assert f"customers/alpha/dev.yaml:{la}: aws.baseline_owner: {message}" in err
    assert f"customers/beta/dev.yaml:{lb}: aws.baseline_owner: {message}" in err
    assert not project.output_dir.exists()
    code, out, _ = run(project, "render", "--all", "--format", "json")
    data = json.loads(out)
    assert code == 2 and data["exit_code"] == 2 and data["customers"] == []
    assert f"customers/alpha/dev.yaml:{la}: aws.baseline_owner: {message}" in data["problems"]


def test_a_claim_without_audit_where_config_runs_is_refused(tmp_path, run):
    project = estate_project(tmp_path, "shared-account")
    edit_manifest(project, "alpha", "dev.yaml", {"aws": {"baseline_owner": True}, "audit": {"enabled": False}})
    code, _, err = run(project, "render", "--all")
    assert code == 2
    line = line_of(project.customers_dir / "alpha/dev.yaml", "baseline_owner")
    assert (f"customers/alpha/dev.yaml:{line}: aws.baseline_owner: this environment claims the account baseline, "
            "which runs AWS Config here, but its audit is disabled") in err
    assert not project.output_dir.exists()


def test_ecr_owner_claim_needs_ecr(tmp_path, run):
    project = estate_project(tmp_path, "shared-account")
    edit_manifest(project, "alpha", "qa.yaml", {"ecr": {"enabled": False, "owner": True}})
    code, _, err = run(project, "render", "--all")
    assert code == 2
    line = line_of(project.customers_dir / "alpha/qa.yaml", "owner: true")
    assert f"customers/alpha/qa.yaml:{line}: ecr.owner: ecr.owner: true needs ecr.enabled: true" in err
    assert not project.output_dir.exists()


def test_ecr_owner_claim_moves_the_repositories(tmp_path, run):
    project = estate_project(tmp_path, "shared-account")
    edit_manifest(project, "alpha", "qa.yaml", {"ecr": {"owner": True}})
    assert run(project, "render", "--all")[0] == 0
    units = {(u["env"], u["unit"]) for u in rendered_units(project)}
    assert ("qa", "ecr") in units and ("dev", "ecr") not in units and ("dev", "account_baseline") in units


def test_images_without_a_registry_are_refused(project, fgen):
    """Issue 14 part 3: dev turns ECR off, its services have no image, nobody creates the repositories."""
    edit_manifest(project, "customer-x", "dev.yaml", {"ecr": {"enabled": False}})
    code, _, err = fgen("render", "customer-x")
    assert code == 2
    services = project.root / "templates/profiles/dev/services.yaml"
    line = line_of(services, "auth:")
    assert (f"templates/profiles/dev/services.yaml:{line}: services.auth: service 'auth' has no image, so it pulls "
            "111111111111.dkr.ecr.eu-west-1.amazonaws.com/customer-x/auth, but no environment of customer-x creates "
            "ECR repositories in account 111111111111 (eu-west-1); set ecr.enabled: true in "
            "customers/customer-x/dev.yaml, or set services.auth.image") in err
    assert not (project.output_dir / "customer-x").exists()


def test_a_registry_with_nothing_to_hold_is_refused(project, fgen):
    services = yaml.safe_load((project.root / "templates/profiles/prod/services.yaml").read_text())["services"]
    edit_manifest(project, "customer-x", "prod.yaml", {"services": {
        name: {"image": f"public.ecr.aws/acme/{name}"} for name in services}})
    code, _, err = fgen("render", "customer-x")
    assert code == 2
    assert ("ecr.enabled: every enabled service of customer-x in account 222222222222 (eu-west-1) sets its own "
            "image, so there is no repository to create; set ecr.enabled: false") in err
    assert not (project.output_dir / "customer-x").exists()


def test_a_customer_that_does_not_resolve_makes_the_estate_unknown(tmp_path, run):
    project = estate_project(tmp_path, "two-customers")
    (project.customers_dir / "beta" / "dev.yaml").write_text("vpc: [\n")
    code, _, err = run(project, "render", "alpha")
    assert code == 2 and "customers/beta/dev.yaml" in err
    assert not project.output_dir.exists()


# --- the same class elsewhere: an input naming something another component creates only when on ---------

SWITCHABLE = sorted(c.name for c in CATALOGUE if c.Settings is not None and "enabled" in c.Settings.model_fields)


#: production refuses these off (a rule of the production profile, or a production service needs them)
REQUIRED_IN_PRODUCTION = {"audit", "codedeploy", "monitoring", "rds", "redis", "waf"}


@pytest.mark.parametrize("unit", SWITCHABLE)
def test_a_unit_turned_off_is_never_referenced(unit, project, fgen):
    """Turn a switchable component off (in dev only where production requires it): the render refers to
    it nowhere (no dependency block, no config path, no constructed name). ECR is the estate's case:
    refused (no registry for the services' default images)."""
    envs = ("dev",) if unit in REQUIRED_IN_PRODUCTION else ("dev", "prod")
    for env in envs:
        edit_manifest(project, "customer-x", f"{env}.yaml", {unit: {"enabled": False}})
    code, out, err = fgen("render", "customer-x")
    if unit == "ecr":
        assert code == 2 and "no environment of customer-x creates ECR repositories" in err, err
        assert not (project.output_dir / "customer-x").exists()
        return
    assert code == 0, err
    tree = project.output_dir / "customer-x" / "infra" / "environments"
    for env in envs:
        for hcl in (tree / env).rglob("terragrunt.hcl"):
            text = hcl.read_text()
            assert f'dependency "{unit}"' not in text and f'"../{unit}"' not in text, hcl
        assert not (tree / env / unit / "terragrunt.hcl").exists()


@pytest.mark.parametrize("unit", sorted(REQUIRED_IN_PRODUCTION))
def test_production_refuses_a_required_unit_turned_off(unit, project, fgen):
    edit_manifest(project, "customer-x", "prod.yaml", {unit: {"enabled": False}})
    code, _, err = fgen("render", "customer-x")
    assert code == 2 and "Traceback" not in err, err
    assert "customers/customer-x/" in err or "templates/profiles/" in err, err
    assert not (project.output_dir / "customer-x").exists()


@pytest.mark.terraform
def test_owner_and_non_owner_environments_validate_under_a_mock_provider(tmp_path, run):
    """`fgen validate --terraform` for an environment that uses a baseline and repositories owned
    elsewhere (qa) and for their owner (dev): plain root init/validate/test and the unit assertions."""
    from generator.estate_stage import resolve_in_estate
    from generator.terraform import validate_with_terraform

    project = estate_project(tmp_path, "shared-account")
    assert run(project, "render", "alpha")[0] == 0
    owners = {e.name: e.estate.owns_baseline for e in resolve_in_estate(project, "alpha").environments}
    assert owners["dev"] is True and owners["qa"] is False  # qa shares dev's account and region
    assert validate_with_terraform(project, "alpha", use_cache=False) == []


def _ref(customer: str, env: str, *, production: bool = False, audit: bool = True, claim: bool = False,
         region: str = "eu-west-1", **ask) -> EnvRef:
    file = f"customers/{customer}/{env}.yaml"
    return EnvRef(customer, env, "prod" if production else "dev", file, "333333333333", region, production, audit,
                  BaselineAsk(**ask), Where(file, 3, "aws.baseline_owner") if claim else None,
                  EcrAsk(), None, Where(file, 0, "ecr.enabled"), None, ())


def test_owner_rule_and_union_settings():
    refs = [_ref("a", "dev", guardduty=True, frequency="SIX_HOURS"),
            _ref("b", "qa", guardduty=True, frequency="ONE_HOUR", runtime_monitoring=True),
            _ref("c", "prod", production=True, guardduty=True, frequency="SIX_HOURS")]
    baseline = Estate.from_refs(refs).baselines[("333333333333", "eu-west-1")]
    assert baseline.owner == EnvKey("c", "prod")  # production first
    assert baseline.settings.finding_publishing_frequency == "ONE_HOUR"  # the strictest asked for
    assert baseline.settings.runtime_monitoring and not baseline.settings.config
    assert Estate.from_refs(refs[:2]).baselines[("333333333333", "eu-west-1")].owner == EnvKey("a", "dev")
    # AWS Config needs an owner with audit; a claim wins otherwise
    refs = [_ref("a", "dev", audit=False, guardduty=True), _ref("b", "qa", config=True, config_frequency="DAILY")]
    assert Estate.from_refs(refs).baselines[("333333333333", "eu-west-1")].owner == EnvKey("b", "qa")
    refs = [_ref("a", "dev", guardduty=True), _ref("b", "qa", guardduty=True, claim=True)]
    assert Estate.from_refs(refs).baselines[("333333333333", "eu-west-1")].owner == EnvKey("b", "qa")
    # nobody asks for anything: no baseline at all
    assert Estate.from_refs([_ref("a", "dev")]).baselines == {}


def test_the_checked_estate_is_cached_by_every_manifest_byte(tmp_path, monkeypatch):
    from generator import estate_stage

    project = estate_project(tmp_path, "two-customers")
    calls = []
    real = estate_stage.resolve_all
    monkeypatch.setattr(estate_stage, "resolve_all", lambda p: calls.append(1) or real(p))
    first = estate_stage.load_estate(project)
    assert estate_stage.load_estate(project).to_json() == first.to_json() and len(calls) == 1  # a hit
    edit_manifest(project, "beta", "dev.yaml", {"aws": {"baseline_owner": True}})
    assert estate_stage.load_estate(project).baselines[("333333333333", "eu-west-1")].owner == EnvKey("beta", "dev")
    assert len(calls) == 2
    estate_stage.load_estate(project, use_cache=False)
    assert len(calls) == 3


def test_two_claims_on_one_registry_are_refused(tmp_path, run):
    project = estate_project(tmp_path, "shared-account")
    for env in ("dev", "qa"):
        edit_manifest(project, "alpha", f"{env}.yaml", {"ecr": {"owner": True}})
    code, _, err = run(project, "render", "--all")
    assert code == 2
    d, q = (line_of(project.customers_dir / f"alpha/{env}.yaml", "owner: true") for env in ("dev", "qa"))
    assert (f"customers/alpha/qa.yaml:{q}: ecr.owner: 2 environments claim customer alpha's ECR repositories in "
            f"account 333333333333 in eu-west-1 (customers/alpha/dev.yaml:{d}, customers/alpha/qa.yaml:{q}); "
            "exactly one may own it: keep ecr.owner: true in one of them") in err
    assert not project.output_dir.exists()


def test_the_services_monitor_has_at_most_ten_recipients(tmp_path, run):
    project = estate_project(tmp_path, "two-regions")
    edit_manifest(project, "alpha", "dev.yaml", {"budgets": {
        "emails": [f"finance{i}@alpha.example.com" for i in range(10)]}})
    code, _, err = run(project, "render", "--all")
    assert code == 2
    line = line_of(project.customers_dir / "beta/dev.yaml", "monitor: services")
    assert (f"customers/beta/dev.yaml:{line}: budgets.anomaly_detection.monitor: the account-wide services monitor "
            "of account 333333333333 alerts the budgets emails of alpha/dev, beta/dev: 11 addresses, AWS allows 10; "
            "use fewer budgets.emails or monitor: tag in some of them") in err
    assert not project.output_dir.exists()


def test_an_owner_whose_prefix_is_too_long_for_the_baseline_is_refused(tmp_path, run):
    """The AWS Config role is <prefix>-config-<region> (IAM: 64 characters): the owner's prefix may
    have 40; refused before anything is written, naming the customer name's line."""
    project = estate_project(tmp_path, "two-customers")
    long = "alpha-fantasy-leagues-europe-wes"  # 32 characters, the longest customer name
    folder = project.customers_dir / long
    (project.customers_dir / "alpha").rename(folder)
    manifest = folder / "customer.yaml"
    manifest.write_text(manifest.read_text().replace("name: alpha", f"name: {long}")
                        .replace("    dev:", "    development:"))
    short = {"redis": {"enabled": False}}  # the cache's own 40-character ids would be refused first
    (folder / "development.yaml").write_text("profile: dev\n" + (folder / "dev.yaml").read_text())
    (folder / "dev.yaml").unlink()
    edit_manifest(project, long, "development.yaml", {**short, "assets": {"bucket_name": "alpha-long-dev-assets"}})
    edit_manifest(project, long, "prod.yaml", {**short, "assets": {"bucket_name": "alpha-long-prod-assets"}})
    code, _, err = run(project, "render", "--all")
    assert code == 2
    line = line_of(manifest, f"name: {long}")
    assert (f"customers/{long}/customer.yaml:{line}: customer.name: the resource prefix '{long}-development' of "
            "this environment, which owns its account's baseline, is longer than 40 characters") in err
    assert not project.output_dir.exists()
