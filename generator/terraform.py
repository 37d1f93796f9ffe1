"""`fgen validate --terraform`: Terraform's own checks of a customer's modules and environments.

The checks run on the plain-Terraform root fgen generates beside the Terragrunt units
(``infra/main.tf``, which calls every module wired module to module, and
``infra/environments/<env>.tfvars``; see generator/plainroot.py): the one wiring of modules to each
other there is. For each environment fgen copies ``infra/`` to a temporary folder, adds a
``mock_provider`` test file, and runs ``terraform init -backend=false``, ``terraform validate``
(every module the customer uses, against the provider schema) and ``terraform test
-var-file=environments/<env>.tfvars``, which plans and applies the whole environment without AWS.

Providers: with ``FGEN_TF_PROVIDER_MIRROR`` set to a folder holding ``registry.terraform.io/``,
Terraform installs the AWS provider from that filesystem mirror (offline machines, CI); without
it, Terraform uses the user's own configuration and the public registry.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Callable

from .components import BY_NAME, EnvContext
from .hcl import canonicalize, encode
from .plainroot import AWS_PROVIDER_VERSION
from .project import Project
from .estate_stage import resolve_in_estate
from .tfassert import write_assertions
from .writer import TOOL_ARTIFACTS

MIRROR_ENV = "FGEN_TF_PROVIDER_MIRROR"


class TerraformUnavailable(Exception):
    pass


def terraform_binary() -> str | None:
    return shutil.which("terraform")


def terraform_env(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["TF_IN_AUTOMATION"] = "1"
    env["TF_INPUT"] = "0"
    env.setdefault("TF_PLUGIN_CACHE_DIR", str(Path(tempfile.gettempdir()) / "fgen-tf-plugin-cache"))
    Path(env["TF_PLUGIN_CACHE_DIR"]).mkdir(parents=True, exist_ok=True)
    mirror = os.environ.get(MIRROR_ENV)
    if mirror:
        config = workdir / "terraformrc"
        config.write_text(
            "provider_installation {\n"
            f"  filesystem_mirror {{\n    path    = {json.dumps(mirror)}\n"
            '    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n'
            '  direct {\n    exclude = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n', encoding="utf-8")
        env["TF_CLI_CONFIG_FILE"] = str(config)
    return env


#: data sources the mock provider must answer with realistic values (others get generated ones)
def _mock_data(env: EnvContext) -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = {
        "aws_availability_zones": {"names": [f"{env.region}{z}" for z in "abcdef"]},
        "aws_caller_identity": {"account_id": env.account_id},
        "aws_region": {"id": env.region, "name": env.region},
        "aws_partition": {"partition": "aws", "dns_suffix": "amazonaws.com"},
        "aws_iam_policy_document": {"json": '{"Version":"2012-10-17","Statement":[]}'},
    }
    for name in BY_NAME:
        if env.enabled(name):
            for source, values in getattr(BY_NAME[name], "mock_data", {}).items():
                data.setdefault(source, {}).update(values)
    return data


def _mock_resources(env: EnvContext) -> dict[str, dict[str, Any]]:
    """Computed attributes components need realistic under the mock provider (``mock_resources``)."""
    data: dict[str, dict[str, Any]] = {}
    for name, component in BY_NAME.items():
        if env.enabled(name):
            for rtype, values in getattr(component, "mock_resources", {}).items():
                data.setdefault(rtype, {}).update(values)
    return data


def environment_test_file(env: EnvContext, arn_types: set[str] = frozenset()) -> str:
    """``tests/environment.tftest.hcl``: plan and apply the whole environment under mock providers.

    ``arn_types`` are resource types whose computed ``arn`` the mock provider must fill with a
    well-formed ARN: the provider validates ARN arguments even under a mock.
    """
    mocks = []
    for alias in (None, "us_east_1", "dr"):
        inner = [f"  alias = {encode(alias)}"] if alias else []
        for source, values in sorted(_mock_data(env).items()):
            inner.append(f'  mock_data "{source}" {{\n    defaults = {encode(values, indent="    ")}\n  }}')
        resources = _mock_resources(env)
        for rtype in sorted(set(arn_types) | set(resources)):
            defaults = dict(resources.get(rtype, {}))
            if rtype in arn_types:
                service = rtype.removeprefix("aws_").split("_")[0]
                defaults.setdefault("arn", f"arn:aws:{service}:{env.region}:{env.account_id}:{rtype}/mock")
            inner.append(f'  mock_resource "{rtype}" {{\n    defaults = {encode(defaults, indent="    ")}\n  }}')
        mocks.append('mock_provider "aws" {\n' + "\n\n".join(inner) + "\n}\n")
    runs = ['run "plan" {\n  command = plan\n}\n', 'run "apply" {\n  command = apply\n}\n']
    return canonicalize("\n".join(mocks + runs))


def copy_plain_root(infra_dir: Path, dest: Path) -> None:
    """The plain root of a generated tree: infra/*.tf, modules/ and environments/*.tfvars (no units,
    nothing Terraform or Terragrunt left there: no .terraform/, lock file or generated backend)."""
    dest.mkdir(parents=True, exist_ok=True)
    for path in infra_dir.glob("*.tf"):
        if path.name not in TOOL_ARTIFACTS:
            shutil.copy2(path, dest / path.name)
    shutil.copytree(infra_dir / "modules", dest / "modules", ignore=shutil.ignore_patterns(*TOOL_ARTIFACTS))
    (dest / "environments").mkdir()
    for path in (infra_dir / "environments").glob("*.tfvars"):
        shutil.copy2(path, dest / "environments" / path.name)


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def validate_environment(project: Project, env: EnvContext, modules_dir: Path,
                         progress: Callable[[str], None] | None = None) -> list[str]:
    """Runs init, validate and test for one environment; returns problems (empty when all pass).

    ``modules_dir`` is the customer's ``infra/modules``; its parent, ``infra/``, is the plain root.
    """
    binary = terraform_binary()
    if binary is None:
        raise TerraformUnavailable("terraform is not on PATH; install Terraform >= 1.11 to use --terraform")
    infra = modules_dir.parent
    where = f"output/{env.customer}/infra (environment {env.name})"
    var_file = f"environments/{env.name}.tfvars"
    if not (infra / var_file).is_file() or not (infra / "main.tf").is_file():
        return [f"{where}: no plain-Terraform root ({var_file}, main.tf); run `fgen render {env.customer}`"]
    with tempfile.TemporaryDirectory(prefix=f"fgen-tf-{env.customer}-{env.name}-") as tmp:
        root = Path(tmp) / "infra"
        copy_plain_root(infra, root)
        (root / "tests").mkdir()
        test_file = root / "tests" / "environment.tftest.hcl"
        test_file.write_text(environment_test_file(env), encoding="utf-8")
        write_assertions(root, env)  # before init, which installs the modules its runs apply
        tf_env = terraform_env(Path(tmp))
        steps = [
            ("init", [binary, "init", "-backend=false", "-input=false", "-no-color"]),
            # -no-tests: validating a test run that applies a module with configuration_aliases fails
            # (hashicorp/terraform#28490); `terraform test` validates the test files itself
            ("validate", [binary, "validate", "-no-tests", "-no-color"]),
            ("test", [binary, "test", f"-var-file={var_file}", "-no-color"]),
        ]
        for name, cmd in steps:
            if progress:
                progress(f"terraform {name}: {env.customer}/{env.name}")
            if name == "test":
                arn_types = _types_with_arn(binary, root, tf_env)
                test_file.write_text(environment_test_file(env, arn_types), encoding="utf-8")
                write_assertions(root, env)
            result = _run(cmd, root, tf_env)
            if result.returncode != 0:
                output = (result.stdout + result.stderr).strip()
                return [f"{where}: terraform {name} failed:\n{output}"]
    return []


_SCHEMA_MEMO: dict[str, set[str]] = {}


def _types_with_arn(binary: str, root: Path, env: dict[str, str]) -> set[str]:
    """Resource types used under ``root`` whose schema has a computed ``arn`` attribute."""
    lock = (root / ".terraform.lock.hcl").read_text(encoding="utf-8") if (root / ".terraform.lock.hcl").exists() else ""
    if lock not in _SCHEMA_MEMO:
        schemas = _provider_schemas(binary, root, env)
        types = set()
        for provider in schemas.values():
            for rtype, spec in provider.get("resource_schemas", {}).items():
                if "arn" in spec["block"].get("attributes", {}):
                    types.add(rtype)
        _SCHEMA_MEMO[lock] = types
    used = set()
    for path in (root / "modules").rglob("*.tf"):
        used.update(re.findall(r'^resource "([a-z0-9_]+)"', path.read_text(encoding="utf-8"), re.M))
    return used & _SCHEMA_MEMO[lock]


def _provider_schemas(binary: str, root: Path, env: dict[str, str]) -> dict[str, Any]:
    """The schemas of the providers ``root`` locked, read in a sibling folder without a backend
    (``providers schema`` refuses a root whose S3 backend is not initialised)."""
    folder = root.parent / "provider-schema"
    folder.mkdir(exist_ok=True)
    if (root / ".terraform.lock.hcl").exists():
        shutil.copy2(root / ".terraform.lock.hcl", folder / ".terraform.lock.hcl")
    (folder / "versions.tf").write_text(
        'terraform {\n  required_providers {\n    aws = {\n      source  = "hashicorp/aws"\n'
        f'      version = {encode(AWS_PROVIDER_VERSION)}\n    }}\n  }}\n}}\n', encoding="utf-8")
    for cmd in (["init", "-backend=false", "-input=false", "-no-color"], ["providers", "schema", "-json"]):
        result = _run([binary, *cmd], folder, env)
        if result.returncode != 0:
            raise RuntimeError(f"terraform {cmd[0]} (provider schema) failed: {(result.stdout + result.stderr).strip()}")
    return json.loads(result.stdout)["provider_schemas"]


def validate_with_terraform(project: Project, customer: str,
                            progress: Callable[[str], None] | None = None) -> list[str]:
    resolved = resolve_in_estate(project, customer)
    modules_dir = project.customer_output(customer) / "infra" / "modules"
    problems: list[str] = []
    for env in resolved.environments:
        problems.extend(validate_environment(project, env, modules_dir, progress))
    return problems
