"""`fgen validate --terraform`: Terraform's own checks of a customer's modules and environments.

For each environment fgen builds, in a temporary folder, a root module that calls every unit's
module with the unit's real inputs, wired module to module (``module.vpc.vpc_id`` where the unit
says ``dependency.vpc.outputs.vpc_id``). Then ``terraform init -backend=false``, ``terraform
validate`` (which validates every module the environment uses against the provider schema) and
``terraform test`` with ``mock_provider "aws"``, which plans and applies the whole environment
without AWS.

Providers: with ``FGEN_TF_PROVIDER_MIRROR`` set to a folder holding ``registry.terraform.io/``,
Terraform installs the AWS provider from that filesystem mirror (offline machines, CI); without
it, Terraform uses the user's own configuration and the public registry.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Callable

from .components import BY_NAME, EnvContext
from .hcl import Output, canonicalize, encode, encode_key
from .plan import environment_units
from .project import Project
from .resolve import resolve_customer
from .tfassert import write_assertions

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


def module_ref(ref: Output) -> str:
    return f"module.{_label(ref.unit)}.{ref.name}"


def _label(unit: str) -> str:
    return unit.replace("-", "_")


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


def harness_files(project: Project, env: EnvContext, arn_types: set[str] = frozenset()) -> dict[str, str]:
    """The root module and test file that exercise one environment, keyed by relative path.

    ``arn_types`` are resource types whose computed ``arn`` the mock provider must fill with a
    well-formed ARN: the provider validates ARN arguments even under a mock.
    """
    units = environment_units(env)
    m = env.manifest
    dr_region = m.aws.dr_region or env.region
    providers = [
        'terraform {\n  required_providers {\n    aws = {\n      source  = "hashicorp/aws"\n'
        '      version = ">= 5.100, < 7.0"\n    }\n  }\n}\n',
    ]
    for alias, region in ((None, env.region), ("us_east_1", "us-east-1"), ("dr", dr_region)):
        body = ([f"  alias  = {encode(alias)}"] if alias else []) + [f"  region = {encode(region)}"]
        providers.append('provider "aws" {\n' + "\n".join(body) + "\n}\n")
    calls = []
    for unit in units:
        lines = [f'module "{_label(unit.name)}" {{', f'  source = "./modules/{unit.module}"']
        aliases = BY_NAME[unit.name].provider_aliases
        if aliases:  # an explicit providers map replaces the implicit default, so pass it too
            lines.append("  providers = {")
            lines.append("    aws = aws")
            lines += [f"    aws.{a} = aws.{a}" for a in aliases]
            lines.append("  }")
        for key, value in unit.inputs.items():
            lines.append(f"  {encode_key(key)} = {encode(value, module_ref, '  ')}")
        lines.append("}")
        calls.append("\n".join(lines) + "\n")
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
    return {
        "providers.tf": canonicalize("\n".join(providers)),
        "main.tf": canonicalize("\n".join(calls)),
        "tests/environment.tftest.hcl": canonicalize("\n".join(mocks + runs)),
    }


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def validate_environment(project: Project, env: EnvContext, modules_dir: Path,
                         progress: Callable[[str], None] | None = None) -> list[str]:
    """Runs init, validate and test for one environment; returns problems (empty when all pass)."""
    binary = terraform_binary()
    if binary is None:
        raise TerraformUnavailable("terraform is not on PATH; install Terraform >= 1.11 to use --terraform")
    where = f"output/{env.customer}/infra/environments/{env.name}"
    with tempfile.TemporaryDirectory(prefix=f"fgen-tf-{env.customer}-{env.name}-") as tmp:
        root = Path(tmp)
        shutil.copytree(modules_dir, root / "modules")
        for rel, text in harness_files(project, env).items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
        write_assertions(root, env)  # before init, which installs the modules its runs apply
        tf_env = terraform_env(root)
        steps = [
            ("init", [binary, "init", "-backend=false", "-input=false", "-no-color"]),
            # -no-tests: validating a test run that applies a module with configuration_aliases fails
            # (hashicorp/terraform#28490); `terraform test` validates the test files itself
            ("validate", [binary, "validate", "-no-tests", "-no-color"]),
            ("test", [binary, "test", "-no-color"]),
        ]
        for name, cmd in steps:
            if progress:
                progress(f"terraform {name}: {env.customer}/{env.name}")
            if name == "test":
                arn_types = _types_with_arn(binary, root, tf_env)
                test_file = root / "tests" / "environment.tftest.hcl"
                test_file.write_text(harness_files(project, env, arn_types)["tests/environment.tftest.hcl"],
                                     encoding="utf-8")
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
        result = _run([binary, "providers", "schema", "-json"], root, env)
        schemas = json.loads(result.stdout)["provider_schemas"]
        types = set()
        for provider in schemas.values():
            for rtype, spec in provider.get("resource_schemas", {}).items():
                if "arn" in spec["block"].get("attributes", {}):
                    types.add(rtype)
        _SCHEMA_MEMO[lock] = types
    used = set()
    import re

    for path in (root / "modules").rglob("*.tf"):
        used.update(re.findall(r'^resource "([a-z0-9_]+)"', path.read_text(encoding="utf-8"), re.M))
    return used & _SCHEMA_MEMO[lock]


def validate_with_terraform(project: Project, customer: str,
                            progress: Callable[[str], None] | None = None) -> list[str]:
    resolved = resolve_customer(project, customer)
    modules_dir = project.customer_output(customer) / "infra" / "modules"
    problems: list[str] = []
    for env in resolved.environments:
        problems.extend(validate_environment(project, env, modules_dir, progress))
    return problems
