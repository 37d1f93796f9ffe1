"""Operator commands: explain, graph, new, changed, and the generated customer README."""

from __future__ import annotations

import json
import posixpath
import subprocess

import pygohcl
import pytest

from generator.explain import explain, parse_key
from generator.resolve import resolve_customer
from tests.support import render_tree


def env_of(project, name="prod"):
    return next(e for e in resolve_customer(project, "customer-x").environments if e.name == name)


def test_explain_shows_every_layer_and_the_winner(fgen):
    code, out, _ = fgen("explain", "customer-x", "prod", "vpc.cidr", "--format", "json")
    data = json.loads(out)["values"][0]
    assert code == 0 and data["key"] == "vpc.cidr" and data["value"] == "10.120.0.0/16"
    assert [(l["layer"], l["file"], l["won"]) for l in data["layers"]] == [
        ("profile", "templates/profiles/prod/foundation.yaml", False),
        ("environment", "customers/customer-x/prod.yaml", True)]
    assert data["layers"][1]["line"] == 3


def test_explain_text_output_marks_the_winner(fgen):
    code, out, _ = fgen("explain", "customer-x", "prod", "vpc.cidr")
    assert code == 0
    assert "vpc.cidr = \"10.120.0.0/16\"" in out
    assert "overridden  profile     templates/profiles/prod/foundation.yaml:11" in out
    assert "wins  environment customers/customer-x/prod.yaml:3" in out


def test_explain_takes_prefixes_and_suggests_keys(fgen):
    code, out, _ = fgen("explain", "customer-x", "dev", "vpc", "--format", "json")
    keys = [v["key"] for v in json.loads(out)["values"]]
    assert code == 0 and "vpc.cidr" in keys and "vpc.flow_logs.traffic_type" in keys
    code, _, err = fgen("explain", "customer-x", "dev", "vpc.cidrr")
    assert code == 2 and "no key 'vpc.cidrr'" in err and "did you mean 'vpc.cidr'" in err


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_explain_agrees_with_the_resolved_value_for_every_leaf(project, environment):
    """Property over every leaf: the winning layer's value is the value the render uses."""
    env = env_of(project, environment)
    results = explain(env, "")
    assert len(results) > 50
    def as_json(value):  # YAML timestamps (scaling event times) as the validated model writes them
        return value.isoformat().replace("+00:00", "Z") if hasattr(value, "isoformat") else str(value)

    for result in results:
        if result.settings:
            assert json.loads(json.dumps(result.settings[-1].value, default=as_json)) == result.value, result.path


def test_explained_values_are_the_rendered_ones(project):
    tree = render_tree(project)
    vpc = pygohcl.loads(tree["infra/environments/prod/vpc/terragrunt.hcl"])["inputs"]
    env = env_of(project)
    assert explain(env, "vpc.cidr")[0].value == vpc["cidr_block"]
    assert explain(env, "logging.retention_days")[0].value == vpc["flow_log_retention_days"]


def test_parse_key():
    assert parse_key("services.auth.port") == ("services", "auth", "port")
    assert parse_key("vpc.public_subnets[1]") == ("vpc", "public_subnets", 1)


def test_graph_matches_the_dependency_blocks(project, fgen):
    tree = render_tree(project)
    code, out, _ = fgen("graph", "customer-x", "--env", "prod", "--format", "json")
    assert code == 0
    graph = {u["unit"]: u["depends_on"] for u in json.loads(out)["units"]}
    for unit, deps in graph.items():
        body = pygohcl.loads(tree[f"infra/environments/prod/{unit}/terragrunt.hcl"])
        # config_path is relative to the unit's folder (standby/<c> units sit one level deeper)
        declared = sorted(posixpath.normpath(posixpath.join(unit, d["config_path"]))
                          for d in (body.get("dependency") or {}).values())
        assert sorted(deps) == declared, unit
    order = list(graph)
    for unit, deps in graph.items():
        assert all(order.index(d) < order.index(unit) for d in deps)  # dependency order
    assert fgen("graph", "customer-x", "--format", "mermaid")[1].startswith("graph LR")
    assert "->" in fgen("graph", "customer-x", "--format", "dot")[1]


def test_new_scaffolds_renders_and_validates(fgen, project):
    code, out, err = fgen("new", "acme-games", "--region", "us-east-2", "--domain", "acme.example.com",
                          "--owner", "ops@acme.example.com", "--env", "dev", "--env", "staging=prod", "--env", "prod")
    assert code == 0, err
    folder = project.customers_dir / "acme-games"
    assert sorted(p.name for p in folder.iterdir()) == ["customer.yaml", "dev.yaml", "prod.yaml", "staging.yaml"]
    assert folder.joinpath("customer.yaml").read_text().startswith("# yaml-language-server: $schema=")
    assert "profile: prod" in folder.joinpath("staging.yaml").read_text()
    assert (project.output_dir / "acme-games/infra/environments/staging").is_dir()
    assert fgen("validate", "acme-games")[0] == 0
    assert fgen("render", "acme-games", "--check")[0] == 0
    code, _, err = fgen("new", "acme-games", "--region", "us-east-2", "--domain", "acme.example.com",
                        "--owner", "ops@acme.example.com")
    assert code == 2 and "exists already" in err


def test_new_rejects_bad_input_and_leaves_nothing(fgen, project):
    code, _, err = fgen("new", "acme", "--region", "mars-1", "--domain", "acme.example.com", "--owner", "o@acme.io")
    assert code == 2 and "unknown AWS region 'mars-1'" in err
    assert not (project.customers_dir / "acme").exists()


def git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin", "HOME": "/tmp"})


def test_changed_lists_units_in_dependency_order(fgen, project):
    assert fgen("render", "customer-x")[0] == 0
    git(project.root, "init", "-q")
    git(project.root, "add", "-A")
    git(project.root, "commit", "-qm", "first")
    code, out, _ = fgen("changed", "--since", "HEAD", "--format", "json")
    assert code == 0 and json.loads(out)["customers"] == []
    from tests.support import edit_manifest

    edit_manifest(project, "customer-x", "prod.yaml", {"vpc": {"cidr": "10.122.0.0/16"}})
    assert fgen("render", "customer-x")[0] == 0
    git(project.root, "add", "-A")
    git(project.root, "commit", "-qm", "second")
    code, out, _ = fgen("changed", "--since", "HEAD~1", "--format", "json")
    data = json.loads(out)
    assert code == 0
    envs = {e["environment"]: e["units"] for e in data["customers"][0]["environments"]}
    assert set(envs) == {"prod"} and envs["prod"][0] == "vpc"
    assert data["matrix"] == [{"customer": "customer-x", "environment": "prod",
                               "path": "output/customer-x/infra/environments/prod"}]
    module = project.output_dir / "customer-x/infra/modules/kms/main.tf"
    module.write_text(module.read_text() + "\n")
    data = json.loads(fgen("changed", "--since", "HEAD", "--format", "json")[1])
    envs = {e["environment"]: e["units"] for e in data["customers"][0]["environments"]}
    assert set(envs) == {"dev", "prod"} and envs["dev"] == ["kms"]
    module.write_text(module.read_text()[:-1])
    shared = project.output_dir / "customer-x/infra/modules/ecs_task/main.tf"  # no unit's own module
    shared.write_text(shared.read_text() + "\n")
    data = json.loads(fgen("changed", "--since", "HEAD", "--format", "json")[1])
    envs = {e["environment"]: e["units"] for e in data["customers"][0]["environments"]}
    assert envs["prod"] == ["ecs", "standby/ecs"] and "ecs" in envs["dev"]  # the warm standby runs it too
    assert any(u.startswith("previews/") for u in envs["dev"])  # the preview module calls it too
    assert set(envs["dev"]) <= {"ecs"} | {u for u in envs["dev"] if u.startswith("previews/")}
    shared.write_text(shared.read_text()[:-1])
    root = project.root / "root.hcl"
    root.write_text(root.read_text() + "\n")
    data = json.loads(fgen("changed", "--since", "HEAD", "--format", "json")[1])
    envs = {e["environment"]: e["units"] for e in data["customers"][0]["environments"]}
    assert set(envs) == {"dev", "prod"} and "vpc" in envs["prod"] and "kms" in envs["dev"]
    root.write_text(root.read_text()[:-1])
    for name in ("prod.checkov.yaml", "prod.tfvars", "prod.backend.hcl"):  # the plain root's, of one environment
        path = project.output_dir / "customer-x/infra/environments" / name
        path.write_text(path.read_text() + "\n")
        data = json.loads(fgen("changed", "--since", "HEAD", "--format", "json")[1])
        assert data["matrix"] == [{"customer": "customer-x", "environment": "prod",
                                   "path": "output/customer-x/infra/environments/prod"}], name
        path.write_text(path.read_text()[:-1])
    plain = project.output_dir / "customer-x/infra/main.tf"  # the plain root: scanned with every environment
    plain.write_text(plain.read_text() + "\n")
    data = json.loads(fgen("changed", "--since", "HEAD", "--format", "json")[1])
    assert [m["environment"] for m in data["matrix"]] == ["dev", "prod"]
    plain.write_text(plain.read_text()[:-1])
    code, _, err = fgen("changed", "--since", "no-such-ref")
    assert code == 2 and "no-such-ref" in err


def test_customer_readme_is_generated_with_tables_and_diagrams(project):
    tree = render_tree(project)
    readme = tree["README.md"]
    assert readme.startswith("<!-- Generated by fgen.")
    assert "| Availability zones | 2 | 3 |" in readme
    assert "| NAT gateways | 1 | 3 |" in readme
    assert readme.count("```mermaid") == 3
    assert "terragrunt run --all plan" in readme


def test_the_committed_schema_file_is_current(fgen):
    """docs/manifest.schema.json is what scaffolded manifests point editors at (`fgen schema` writes it)."""
    from tests.support import REPO

    code, out, _ = fgen("schema")
    assert code == 0
    assert json.loads((REPO / "docs" / "manifest.schema.json").read_text()) == json.loads(out)
