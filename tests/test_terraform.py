"""Terraform's own verdicts: fmt on every generated file, validate + test (mock provider) on every
environment, and the provider schema on every argument of every module (none unknown, none deprecated)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pygohcl
import pytest

from generator.resolve import resolve_customer
from generator.terraform import terraform_env
from generator.writer import write_customer
from tests.support import REPO, copy_repo, render_tree

META_ARGUMENTS = {"count", "for_each", "provider", "depends_on", "lifecycle", "dynamic", "connection", "provisioner"}


@pytest.mark.terraform_bin
def test_every_generated_file_is_canonical(tmp_path, project):
    """terraform fmt only reads .tf files, so every generated .hcl is checked under a .tf name too."""
    tree = render_tree(project)
    for path, text in tree.items():
        target = tmp_path / "fmt" / (path + (".tf" if path.endswith(".hcl") else ""))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    shutil.copy2(REPO / "root.hcl", tmp_path / "fmt" / "root.hcl.tf")
    result = subprocess.run(["terraform", "fmt", "-check", "-recursive", "-list=true", str(tmp_path / "fmt")],
                            capture_output=True, text=True, env={"PATH": "/usr/local/bin:/usr/bin:/bin",
                                                                  "TF_CLI_CONFIG_FILE": "/dev/null"})
    assert result.returncode == 0, "not canonical:\n" + result.stdout + result.stderr


@pytest.fixture(scope="session")
def provider_schema(tmp_path_factory):
    folder = tmp_path_factory.mktemp("schema")
    (folder / "versions.tf").write_text(
        'terraform {\n  required_providers {\n    aws = {\n      source  = "hashicorp/aws"\n'
        '      version = ">= 5.100, < 7.0"\n    }\n  }\n}\n')
    env = terraform_env(folder)
    subprocess.run(["terraform", "init", "-backend=false", "-input=false"], cwd=folder, env=env, check=True,
                   capture_output=True)
    out = subprocess.run(["terraform", "providers", "schema", "-json"], cwd=folder, env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)["provider_schemas"]["registry.terraform.io/hashicorp/aws"]


def _check_block(body, schema, where, problems):
    attributes = schema.get("attributes", {})
    blocks = schema.get("block_types", {})
    for key, value in body.items():
        if key in META_ARGUMENTS and key != "dynamic":
            continue
        if key == "dynamic":
            for name, spec in value.items():
                if name not in blocks:
                    problems.append(f"{where}: unknown block {name}")
                    continue
                for content in (spec if isinstance(spec, list) else [spec]):
                    _check_block(content.get("content", {}), blocks[name]["block"], f"{where}.{name}", problems)
            continue
        if key in attributes:
            if attributes[key].get("deprecated"):
                problems.append(f"{where}.{key}: deprecated argument")
            if attributes[key].get("computed") and not attributes[key].get("optional") \
                    and not attributes[key].get("required"):
                problems.append(f"{where}.{key}: read-only attribute set")
        elif key in blocks:
            if blocks[key]["block"].get("deprecated"):
                problems.append(f"{where}.{key}: deprecated block")
            for item in (value if isinstance(value, list) else [value]):
                if isinstance(item, dict):
                    _check_block(item, blocks[key]["block"], f"{where}.{key}", problems)
        else:
            problems.append(f"{where}.{key}: no such argument in the AWS provider")


@pytest.mark.terraform
def test_no_module_uses_an_unknown_or_deprecated_argument(provider_schema):
    problems: list[str] = []
    for path in sorted((REPO / "templates" / "modules").glob("**/*.tf")):  # submodules (waf/modules/acl) too
        body = pygohcl.loads(path.read_text())
        for kind, schemas in (("resource", "resource_schemas"), ("data", "data_source_schemas")):
            for rtype, instances in (body.get(kind) or {}).items():
                if rtype not in provider_schema[schemas]:
                    if rtype != "terraform_data":
                        problems.append(f"{path.relative_to(REPO)}: unknown {kind} type {rtype}")
                    continue
                for name, block in instances.items():
                    _check_block(block, provider_schema[schemas][rtype]["block"],
                                 f"{path.relative_to(REPO)}: {rtype}.{name}", problems)
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="session")
def customer_x_terraform(tmp_path_factory):
    """One `validate --terraform` of customer-x per test session, shared by the pytest-xdist workers
    (the first to ask runs it under a file lock, the others read its result), with its own verdict
    cache: (project, problems of the cold run, terraform commands of a second run)."""
    import fcntl

    from generator import terraform
    from generator.project import Project

    base = tmp_path_factory.getbasetemp()  # per worker under xdist; its parent is this session's
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "customer-x-terraform"
    shared.mkdir(exist_ok=True)
    result = shared / "result.json"
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not result.exists():
            project = copy_repo(shared / "repo")
            write_customer(project, "customer-x", render_tree(project))
            problems = terraform.validate_customers(project, ["customer-x"], jobs=2)["customer-x"]
            calls: list[list[str]] = []
            run = terraform._run

            def recording(cmd, *args, **kwargs):
                calls.append(cmd[1:])
                return run(cmd, *args, **kwargs)

            terraform._run = recording
            terraform._TOOLCHAINS.clear()  # as a new `fgen` process would
            try:
                terraform.validate_customers(project, ["customer-x"], jobs=2)
            finally:
                terraform._run = run
            result.write_text(json.dumps({"problems": problems, "calls": calls}))
    data = json.loads(result.read_text())
    return Project(shared / "repo"), data["problems"], data["calls"]


@pytest.mark.terraform
@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_every_environment_validates_and_plans_under_a_mock_provider(customer_x_terraform, environment):
    """The plain root with the environment's tfvars: init, validate, and the environment test (a plan
    with unknowns, a plan with every computed value known asserting everything the components
    promise), all under mock providers."""
    project, problems, _ = customer_x_terraform
    customer = resolve_customer(project, "customer-x")
    assert environment in [e.name for e in customer.environments]
    assert not [p for p in problems if f"(environment {environment})" in p or "(environment" not in p], problems


@pytest.mark.terraform
def test_a_second_run_with_nothing_changed_runs_no_terraform_test(customer_x_terraform):
    """The verdict cache, with the real Terraform: the second run only asks Terraform its version and
    the provider it would install (tests/test_terraform_cache.py covers every way to miss)."""
    project, problems, calls = customer_x_terraform
    assert problems == []
    assert [c[0] for c in calls] == ["version", "init"], calls


@pytest.mark.terraform
def test_fgen_validate_terraform_reports_a_broken_module(project, fgen):
    assert fgen("render", "customer-x")[0] == 0
    variables = project.output_dir / "customer-x/infra/modules/kms/main.tf"
    variables.write_text(variables.read_text().replace("enable_key_rotation     = true",
                                                       "enable_key_rotation     = true\n  no_such_argument = 1"))
    code, out, err = fgen("validate", "customer-x", "--terraform")
    assert code == 1
    assert "terraform validate failed" in err and "no_such_argument" in err
