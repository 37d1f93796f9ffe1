"""The verdict cache of `fgen validate --terraform` (generator/tfcache.py), against a fake `terraform`
on PATH that records its calls: an unchanged environment is not run again, and nothing (a hand edit,
another Terraform, another provider, a corrupted entry) ever turns into a stale "valid".
tests/test_terraform.py checks a cache hit with the real Terraform."""

from __future__ import annotations

import json
import os
import sys

import pytest

from generator import terraform
from generator.cache import cache_key

FAKE = r'''#!{python}
"""A fake terraform: records argv, answers what fgen asks."""
import json, os, sys
from pathlib import Path
args = sys.argv[1:]
with open(os.environ["FAKE_TF_LOG"], "a") as log:
    log.write(json.dumps([os.path.basename(os.getcwd())] + args) + "\n")
if args[:1] == ["version"]:
    print(json.dumps({{"terraform_version": os.environ.get("FAKE_TF_VERSION", "1.11.4"), "platform": "linux_amd64"}}))
elif args[:1] == ["init"]:
    Path(".terraform").mkdir(exist_ok=True)
    Path(".terraform.lock.hcl").write_text(
        'provider "registry.terraform.io/hashicorp/aws" {{\n  version = "%s"\n}}\n'
        % os.environ.get("FAKE_PROVIDER_VERSION", "5.100.0"))
elif args[:2] == ["providers", "schema"]:
    print(json.dumps({{"provider_schemas": {{"registry.terraform.io/hashicorp/aws": {{"resource_schemas": {{
        "aws_kms_key": {{"block": {{"attributes": {{"arn": {{}}}}}}}}}}}}}}}}))
elif args[:1] == ["test"]:
    import time
    spans = os.environ.get("FAKE_TF_SPANS")
    if spans:  # when each environment's test runs, to tell side by side from one after another
        start = time.monotonic()
        time.sleep(0.5)
        with open(spans, "a") as out:
            out.write(json.dumps([start, time.monotonic()]) + "\n")
    sys.exit(int(os.environ.get("FAKE_TF_TEST_EXIT", "0")))
'''


@pytest.fixture
def fake_tf(tmp_path, monkeypatch, fgen, project):
    """Installs the fake terraform; returns a function giving the calls made since the last call."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "terraform"
    script.write_text(FAKE.format(python=sys.executable))
    script.chmod(0o755)
    log = tmp_path / "calls.jsonl"
    log.touch()
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_TF_LOG", str(log))
    monkeypatch.delenv("FAKE_TF_VERSION", raising=False)
    monkeypatch.setattr(terraform, "_TOOLCHAINS", {})
    assert fgen("render", "customer-x")[0] == 0
    seen = 0

    def calls() -> list[list[str]]:
        nonlocal seen
        lines = log.read_text().splitlines()[seen:]
        seen += len(lines)
        return [json.loads(line) for line in lines]

    return calls


def _tests(calls: list[list[str]]) -> list[str]:
    """The environments `terraform test` ran for."""
    return sorted(arg.split("/")[-1] for call in calls if call[1] == "test"
                  for arg in call if arg.startswith("-test-directory="))


def _validate(fgen, *extra: str) -> int:
    terraform._TOOLCHAINS.clear()  # each `fgen` command is a new process
    code, out, err = fgen("validate", "customer-x", "--terraform", *extra)
    return code


def test_an_unchanged_environment_is_not_run_again(fake_tf, fgen, project):
    assert _validate(fgen) == 0
    first = fake_tf()
    assert _tests(first) == ["dev", "prod"]
    assert [c[1] for c in first if c[1] in ("validate", "providers")] == ["providers", "validate"]
    assert _validate(fgen) == 0
    second = fake_tf()
    assert _tests(second) == [] and [c[1] for c in second] == ["version", "init"]  # no schema read either
    entries = list((project.cache_dir / "terraform" / cache_key() / "verdicts").rglob("*.json"))
    assert len(entries) == 2


def test_a_hand_edit_of_any_file_read_reruns(fake_tf, fgen, project):
    assert _validate(fgen) == 0
    fake_tf()
    infra = project.output_dir / "customer-x" / "infra"
    module = infra / "modules" / "kms" / "main.tf"
    module.write_text(module.read_text() + "\n# one more byte\n")
    assert _validate(fgen) == 0
    assert _tests(fake_tf()) == ["dev", "prod"]  # every environment reads every module
    tfvars = infra / "environments" / "dev.tfvars"
    tfvars.write_text(tfvars.read_text().replace("\n", "\n\n", 1))
    assert _validate(fgen) == 0
    assert _tests(fake_tf()) == ["dev"]  # one environment's input: only that environment runs again
    assert _validate(fgen) == 0
    assert _tests(fake_tf()) == []


def test_one_environments_manifest_change_reruns_only_that_environment(fake_tf, fgen, project):
    from tests.support import edit_manifest

    assert _validate(fgen) == 0
    fake_tf()
    edit_manifest(project, "customer-x", "prod.yaml", {"rds": {"backup_retention_days": 21}})
    assert fgen("render", "customer-x")[0] == 0
    assert _validate(fgen) == 0
    assert _tests(fake_tf()) == ["prod"]


@pytest.mark.parametrize("variable, value", [("FAKE_TF_VERSION", "1.12.0"), ("FAKE_PROVIDER_VERSION", "5.100.1"),
                                             ("TF_VAR_extra", "1")])
def test_another_terraform_or_provider_version_reruns(fake_tf, fgen, monkeypatch, variable, value):
    assert _validate(fgen) == 0
    fake_tf()
    monkeypatch.setenv(variable, value)
    assert _validate(fgen) == 0
    calls = fake_tf()
    assert _tests(calls) == ["dev", "prod"]
    # the schema memo is per Terraform and provider version too (not per input variable)
    assert [c[1] for c in calls].count("providers") == (0 if variable.startswith("TF_VAR_") else 1)


@pytest.mark.parametrize("corruption", ["garbage", "truncated", "other digest", "not valid"])
def test_a_corrupted_entry_is_a_miss(fake_tf, fgen, project, corruption):
    assert _validate(fgen) == 0
    fake_tf()
    for entry in (project.cache_dir / "terraform").rglob("*.json"):
        data = json.loads(entry.read_text())
        text = {"garbage": "\x00\xff not json",
                "truncated": entry.read_text()[:10],
                "other digest": json.dumps({**data, "digest": "0" * 64}),
                "not valid": json.dumps({**data, "valid": "yes"} if "valid" in data else data)}[corruption]
        entry.write_text(text, encoding="utf-8", errors="surrogateescape")
    assert _validate(fgen) == 0
    assert _tests(fake_tf()) == ["dev", "prod"]


def test_a_failure_is_never_cached(fake_tf, fgen, monkeypatch, project):
    monkeypatch.setenv("FAKE_TF_TEST_EXIT", "1")
    terraform._TOOLCHAINS.clear()
    code, out, err = fgen("validate", "customer-x", "--terraform")
    assert code == 1 and "terraform test failed" in err
    assert _tests(fake_tf()) == ["dev", "prod"]
    assert not list((project.cache_dir / "terraform").rglob("verdicts/*/*.json"))
    monkeypatch.setenv("FAKE_TF_TEST_EXIT", "0")
    assert _validate(fgen) == 0
    assert _tests(fake_tf()) == ["dev", "prod"]


def test_no_cache_runs_everything_and_stores_nothing(fake_tf, fgen, project):
    assert _validate(fgen, "--no-cache") == 0
    assert _tests(fake_tf()) == ["dev", "prod"]
    assert _validate(fgen, "--no-cache") == 0
    calls = fake_tf()
    assert _tests(calls) == ["dev", "prod"]
    assert not (project.cache_dir / "terraform").exists()


def test_jobs_runs_environments_side_by_side(fake_tf, fgen, tmp_path, monkeypatch):
    """--jobs 2 runs dev's and prod's tests at the same time, --jobs 1 one after the other; the same
    verdicts either way, and init and validate run once per customer."""
    for jobs, overlap in (("1", False), ("2", True)):
        spans = tmp_path / f"spans-{jobs}.jsonl"
        monkeypatch.setenv("FAKE_TF_SPANS", str(spans))
        assert _validate(fgen, "--no-cache", "--jobs", jobs) == 0
        calls = fake_tf()
        assert _tests(calls) == ["dev", "prod"]
        assert [c[1] for c in calls if c[0] == "infra"].count("init") == 1
        assert [c[1] for c in calls].count("validate") == 1
        (a_start, a_end), (b_start, b_end) = sorted(json.loads(line) for line in spans.read_text().splitlines())
        assert (b_start < a_end) is overlap, (jobs, a_start, a_end, b_start, b_end)
