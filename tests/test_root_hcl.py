"""root.hcl: it parses, and its path arithmetic (evaluated by Terraform itself) finds the right
environment config, state key and unit for every unit fgen generates."""

from __future__ import annotations

import json
import re
import subprocess

import hcl2
import pygohcl
import pytest

from tests.support import REPO

ROOT = (REPO / "root.hcl").read_text()


def test_root_hcl_parses_with_both_parsers():
    body = pygohcl.loads(ROOT)
    hcl2.loads(ROOT)
    assert body["remote_state"]["backend"] == "s3"
    config = body["remote_state"]["config"]
    assert config["encrypt"] is True and config["use_lockfile"] is True
    assert "provider" in body["generate"]


@pytest.mark.terraform_bin
@pytest.mark.parametrize("unit_path,expected", [
    ("output/customer-x/infra/environments/dev/vpc",
     {"tree": "output/customer-x", "environment": "dev", "unit": "vpc"}),
    ("output/acme/infra/environments/prod/ecs",
     {"tree": "output/acme", "environment": "prod", "unit": "ecs"}),
    ("output/customer-x/infra/environments/dev/previews/feature-x/ecs",
     {"tree": "output/customer-x", "environment": "dev", "unit": "previews/feature-x/ecs"}),
    # a preview unit as fgen generates it: its own state key, apart from dev's units
    ("output/customer-x/infra/environments/dev/previews/feature-season-rewards-7b39fd",
     {"tree": "output/customer-x", "environment": "dev", "unit": "previews/feature-season-rewards-7b39fd"}),
])
def test_path_arithmetic(tmp_path, unit_path, expected):
    locals_block = re.search(r"^locals \{\n(.*?)^\}", ROOT, re.S | re.M).group(1)
    lines = [line for line in locals_block.splitlines()
             if line.strip().startswith(("unit_path", "path_parts", "env_index", "tree", "environment", "unit "))]
    text = "\n".join(lines).replace('path_relative_to_include("root")', json.dumps(unit_path))
    (tmp_path / "main.tf").write_text("locals {\n" + text + "\n}\n" + "".join(
        f'output "{k}" {{\n  value = local.{k}\n}}\n' for k in expected))
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "TF_CLI_CONFIG_FILE": "/dev/null", "HOME": str(tmp_path)}
    subprocess.run(["terraform", "init", "-input=false"], cwd=tmp_path, env=env, check=True, capture_output=True)
    subprocess.run(["terraform", "apply", "-auto-approve", "-input=false"], cwd=tmp_path, env=env, check=True,
                   capture_output=True)
    out = subprocess.run(["terraform", "output", "-json"], cwd=tmp_path, env=env, check=True, capture_output=True,
                         text=True).stdout
    assert {k: v["value"] for k, v in json.loads(out).items()} == expected
    assert 'key          = "${local.config.customer}/${local.environment}/${local.unit}/terraform.tfstate"' in ROOT


def _evaluate_locals(tmp_path, unit_path: str, config: dict, names: list[str]) -> dict:
    """root.hcl's locals, evaluated by Terraform with ``config`` standing in for the environment's
    config file (read_terragrunt_config is Terragrunt's)."""
    locals_block = re.search(r"^locals \{\n(.*?)^\}", ROOT, re.S | re.M).group(1)
    text = locals_block.replace('path_relative_to_include("root")', json.dumps(unit_path))
    text = re.sub(r"read_terragrunt_config\(.*\)\.locals", json.dumps(config), text)
    (tmp_path / "main.tf").write_text("locals {\n" + text + "\n}\n" + "".join(
        f'output "{k}" {{\n  value = local.{k}\n}}\n' for k in names))
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "TF_CLI_CONFIG_FILE": "/dev/null", "HOME": str(tmp_path)}
    subprocess.run(["terraform", "init", "-input=false"], cwd=tmp_path, env=env, check=True, capture_output=True)
    result = subprocess.run(["terraform", "apply", "-auto-approve", "-input=false"], cwd=tmp_path, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    out = subprocess.run(["terraform", "output", "-json"], cwd=tmp_path, env=env, check=True, capture_output=True,
                         text=True).stdout
    return {k: v["value"] for k, v in json.loads(out).items()}


PRIMARY = {"region": "eu-west-1", "dr_region": "eu-central-1", "state_bucket": "fg-tfstate-1-eu-west-1",
           "state_region": "eu-west-1"}
STANDBY = dict(PRIMARY, standby_region="eu-central-1", standby_state_bucket="fg-tfstate-1-eu-central-1")
NAMES = ["unit", "standby", "region", "dr_region", "state_bucket", "state_region"]


@pytest.mark.terraform_bin
@pytest.mark.parametrize("unit_path,config,expected", [
    # a unit of the warm standby: the standby region, its state there, the primary as its "dr"
    ("output/customer-x/infra/environments/prod/standby/rds", STANDBY,
     {"unit": "standby/rds", "standby": True, "region": "eu-central-1", "dr_region": "eu-west-1",
      "state_bucket": "fg-tfstate-1-eu-central-1", "state_region": "eu-central-1"}),
    # the primary's units of the same environment are unchanged
    ("output/customer-x/infra/environments/prod/rds", STANDBY,
     {"unit": "rds", "standby": False, "region": "eu-west-1", "dr_region": "eu-central-1",
      "state_bucket": "fg-tfstate-1-eu-west-1", "state_region": "eu-west-1"}),
    # an environment without a standby: its config has no standby keys, and nothing asks for them
    ("output/acme/infra/environments/dev/vpc", PRIMARY,
     {"unit": "vpc", "standby": False, "region": "eu-west-1", "dr_region": "eu-central-1",
      "state_bucket": "fg-tfstate-1-eu-west-1", "state_region": "eu-west-1"}),
    # a unit named "standby" directly under an environment is not the standby's
    ("output/acme/infra/environments/dev/standby", PRIMARY,
     {"unit": "standby", "standby": False, "region": "eu-west-1", "dr_region": "eu-central-1",
      "state_bucket": "fg-tfstate-1-eu-west-1", "state_region": "eu-west-1"}),
])
def test_standby_units_run_in_the_standby_region_with_their_state_there(tmp_path, unit_path, config, expected):
    assert _evaluate_locals(tmp_path, unit_path, config, NAMES) == expected
