"""The checkov scanner over customer-x: inline skips in the modules, generated per-environment configs.

The scanner runs (test_checkov_reports_no_failed_check) need checkov, which pins its own HCL parser
(bc-python-hcl2, clashing with python-hcl2 8): it lives in a virtual environment of its own, found
through FGEN_CHECKOV (set by .ci/run) or on PATH. Without it those tests are skipped with the reason;
under CI=true they are mandatory (tests/conftest.py). One environment takes about 15 s.
"""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest
import yaml

from generator.cache import ParseCache
from generator.checkov import checkov_config_path, skips
from generator.resolve import resolve_customer
from generator.validate import validate_tree
from tests.conftest import checkov_binary
from tests.support import REPO, edit_manifest, estate_project, render_tree

#: checks only a non-production environment's settings may skip
DEVIATIONS = {"CKV2_AWS_50", "CKV_AWS_150", "CKV_AWS_157", "CKV_AWS_293", "CKV_AWS_338"}
_SKIP = re.compile(r"checkov:skip=([A-Z0-9_]+)(?::(.*))?")


def _env(project, name):
    return next(e for e in resolve_customer(project, "customer-x").environments if e.name == name)


def test_every_inline_skip_names_a_check_and_gives_a_reason():
    found = 0
    for path in sorted((REPO / "templates" / "modules").rglob("*.tf")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if "checkov:skip" not in line:
                continue
            found += 1
            match = _SKIP.search(line)
            assert match and re.fullmatch(r"CKV2?_AWS_[0-9]+", match.group(1)), f"{path}:{number}: {line.strip()}"
            assert match.group(2) and len(match.group(2).strip()) >= 40, \
                f"{path}:{number}: a skip needs a reason a reviewer can check: {line.strip()}"
    assert found >= 20


def test_production_config_skips_no_non_production_deviation():
    config = yaml.safe_load((REPO / "output/customer-x" / checkov_config_path("prod")).read_text())
    assert not set(config["skip-check"]) & DEVIATIONS
    dev = yaml.safe_load((REPO / "output/customer-x" / checkov_config_path("dev")).read_text())
    assert DEVIATIONS <= set(dev["skip-check"])


def test_every_config_skip_has_its_reason_above_it():
    for env in ("dev", "prod"):
        lines = (REPO / "output/customer-x" / checkov_config_path(env)).read_text().splitlines()
        items = [i for i, line in enumerate(lines) if re.fullmatch(r'  - "CKV2?_AWS_[0-9]+"', line)]
        assert items
        for i in items:
            assert lines[i - 1].startswith("  # ") and len(lines[i - 1]) > 40, f"{env}: {lines[i]} has no reason"


def test_deviations_follow_the_settings_and_never_reach_production(project):
    dev = {s.check_id: s for s in skips(_env(project, "dev"))}
    assert dev["CKV_AWS_157"].deviation and "rds.multi_az: false" in dev["CKV_AWS_157"].reason
    assert "templates/profiles/dev/data.yaml" in dev["CKV_AWS_157"].reason
    # the same short retention in production (fgen refuses a single-AZ database there): reported, not skipped
    edit_manifest(project, "customer-x", "prod.yaml", {"logging": {"retention_days": 30}})
    prod = skips(_env(project, "prod"))
    assert not any(s.deviation for s in prod)
    assert not {s.check_id for s in prod} & DEVIATIONS
    # and a dev environment that keeps its logs a year and runs Multi-AZ skips neither
    edit_manifest(project, "customer-x", "dev.yaml", {"logging": {"retention_days": 400}, "rds": {"multi_az": True},
                                                      "audit": {"log_retention_days": 400}})
    dev = {s.check_id for s in skips(_env(project, "dev"))}
    assert "CKV_AWS_157" not in dev and "CKV_AWS_338" not in dev


def test_unseen_checks_are_only_skipped_while_the_setting_holds(project):
    assert {"CKV2_AWS_28", "CKV2_AWS_47"} <= {s.check_id for s in skips(_env(project, "dev"))}
    edit_manifest(project, "customer-x", "dev.yaml", {"waf": {"enabled": False}})  # refused in production
    dev = {s.check_id for s in skips(_env(project, "dev"))}
    assert "CKV2_AWS_28" not in dev and "CKV2_AWS_47" not in dev  # without WAF the finding is real


def test_production_config_skips_only_what_fgen_cannot_fix():
    """What prod's config may hold (README): the WAF association checkov cannot follow across modules (WAF is
    mandatory in production) and HSTS preload, the domain owner's decision."""
    config = yaml.safe_load((REPO / "output/customer-x" / checkov_config_path("prod")).read_text())
    assert set(config["skip-check"]) <= {"CKV2_AWS_28", "CKV2_AWS_47", "CKV_AWS_259", "CKV_AWS_374"}


def test_geo_restriction_skip_only_while_every_country_is_served(project):
    prod = {s.check_id: s for s in skips(_env(project, "prod"))}
    assert "cdn.geo_restriction_type: none (templates/profiles/prod/edge.yaml)" in prod["CKV_AWS_374"].reason
    edit_manifest(project, "customer-x", "prod.yaml", {"cdn": {"geo_restriction_type": "blacklist",
                                                               "geo_restriction_countries": ["KP"]}})
    assert "CKV_AWS_374" not in {s.check_id for s in skips(_env(project, "prod"))}


def test_validate_refuses_a_broken_checkov_config(project):
    tree = render_tree(project)
    path = checkov_config_path("dev")
    tree[path] = tree[path].replace('- "CKV_AWS_157"', "- CKV_AWS_157 because")
    problems = validate_tree(tree, "output/customer-x", ParseCache())
    assert [p.message for p in problems] == [
        "must be a list of checkov AWS check ids (CKV_AWS_n, CKV2_AWS_n)"]
    del tree[path]
    problems = validate_tree(tree, "output/customer-x", ParseCache())
    assert [p.message for p in problems] == [
        "missing: every environment has a checkov config (fgen render writes it)"]


def _scan(customer_dir, environment):
    """checkov over a customer's plain root with one environment's values and generated config."""
    infra = customer_dir / "infra"
    result = subprocess.run(
        [checkov_binary(), "-d", str(infra), "--var-file", str(infra / "environments" / f"{environment}.tfvars"),
         "--config-file", str(customer_dir / checkov_config_path(environment)),
         "--skip-download", "--quiet", "-o", "json"],
        capture_output=True, text=True, env={**os.environ, "LOG_LEVEL": "ERROR"}, timeout=600)
    report = json.loads(result.stdout)
    return result, (report[0] if isinstance(report, list) else report)


@pytest.mark.checkov
@pytest.mark.parametrize("shape, customer, environment", [
    ("shared-account", "alpha", "qa"),  # uses the baseline and the repositories dev owns in its account
    ("two-regions", "beta", "dev"),  # the account's second region: a baseline of its own, no services monitor
])
def test_checkov_reports_no_failed_check_in_the_example_estates(shape, customer, environment, tmp_path, run):
    """The example estates' environments that differ most from customer-x's: a non-owner of the
    account baseline and of the ECR repositories, and the second region of one account."""
    project = estate_project(tmp_path, shape)
    code, _, err = run(project, "render", "--all")
    assert code == 0, err
    scan, report = _scan(project.output_dir / customer, environment)
    failed = [f"{c['check_id']} {c['resource']} ({c['file_path']})" for c in report["results"]["failed_checks"]]
    assert failed == [], "\n".join(failed)
    assert report["summary"]["parsing_errors"] == 0 and report["summary"]["passed"] > 400
    assert scan.returncode == 0


@pytest.mark.checkov
@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_checkov_reports_no_failed_check(environment):
    result, report = _scan(REPO / "output" / "customer-x", environment)
    failed = [f"{c['check_id']} {c['resource']} ({c['file_path']})" for c in report["results"]["failed_checks"]]
    assert failed == [], "\n".join(failed)
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["passed"] > 500
    assert result.returncode == 0


def test_hsts_skip_only_when_preload_is_the_one_gap_and_its_reason_reads_the_settings(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"cdn": {"security_headers": {"hsts_max_age_seconds": 63072000}}})
    prod = {s.check_id: s for s in skips(_env(project, "prod"))}
    reason = prod["CKV_AWS_259"].reason
    assert "max-age=63072000" in reason and "cdn.security_headers.hsts_max_age_seconds: 63072000" in reason
    assert "cdn.security_headers.hsts_include_subdomains: true" in reason
    edit_manifest(project, "customer-x", "prod.yaml", {"cdn": {"security_headers": {"hsts_include_subdomains": False}}})
    assert "CKV_AWS_259" not in {s.check_id for s in skips(_env(project, "prod"))}  # a real finding: reported
