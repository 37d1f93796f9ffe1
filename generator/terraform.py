"""`fgen validate --terraform`: Terraform's own checks of a customer's modules and environments.

The checks run on the plain-Terraform root fgen generates beside the Terragrunt units
(``infra/main.tf``, which calls every module wired module to module, and
``infra/environments/<env>.tfvars``; see generator/plainroot.py): the one wiring of modules to each
other there is. Per customer, fgen copies ``infra/`` to a temporary folder (the *harness*) and runs

* ``terraform init -backend=false`` and ``terraform validate`` once: the root and every module are
  the same files for every environment (only the tfvars differ);
* per environment, ``terraform test -test-directory=tests/<env> -var-file=environments/<env>.tfvars``:
  one ``apply`` run of the whole environment under ``mock_provider`` blocks (an apply plans first, so
  no separate plan run is needed), asserting every property the components promise
  (generator/tfassert.py folds them into that run). Environments and customers run in parallel, up
  to ``jobs`` Terraform processes at a time.

What does not change between runs is not recomputed: the provider schema read (which resource types
have a computed ``arn`` the mock provider must fill) is memoised on disk per Terraform version and
provider lock; a passing environment's verdict is stored under ``.fgen-cache/`` keyed by everything
it read (generator/tfcache.py), so an unchanged environment is not run again.

Providers: with ``FGEN_TF_PROVIDER_MIRROR`` set to a folder holding ``registry.terraform.io/``,
Terraform installs the AWS provider from that filesystem mirror (offline machines, CI; it links the
unpacked provider, so no plugin cache is needed); without it, Terraform uses the user's own
configuration and the public registry, through a shared plugin cache whose inits are serialised.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import pygohcl

from .components import BY_NAME, EnvContext
from .hcl import canonicalize, encode
from .plainroot import AWS_PROVIDER_VERSION
from .project import Project
from .estate_stage import resolve_in_estate
from .tfassert import EXPOSE_FILE, Scope, assert_blocks, expose_file
from .writer import TOOL_ARTIFACTS
from . import tfcache

MIRROR_ENV = "FGEN_TF_PROVIDER_MIRROR"


class TerraformUnavailable(Exception):
    pass


def terraform_binary() -> str | None:
    return shutil.which("terraform")


def terraform_env(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["TF_IN_AUTOMATION"] = "1"
    env["TF_INPUT"] = "0"
    mirror = os.environ.get(MIRROR_ENV)
    if mirror:
        config = workdir / "terraformrc"
        config.write_text(
            "provider_installation {\n"
            f"  filesystem_mirror {{\n    path    = {json.dumps(mirror)}\n"
            '    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n'
            '  direct {\n    exclude = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n', encoding="utf-8")
        env["TF_CLI_CONFIG_FILE"] = str(config)
    else:
        env.setdefault("TF_PLUGIN_CACHE_DIR", str(Path(tempfile.gettempdir()) / "fgen-tf-plugin-cache"))
        Path(env["TF_PLUGIN_CACHE_DIR"]).mkdir(parents=True, exist_ok=True)
    return env


_INIT_LOCK = threading.Lock()


@contextmanager
def plugin_cache_lock(env: dict[str, str]) -> Iterator[None]:
    """Terraform's plugin cache is not safe for concurrent ``init``: with one configured, inits of
    this process (threads) and of others (pytest-xdist workers, parallel fgen runs) take turns."""
    cache = env.get("TF_PLUGIN_CACHE_DIR")
    if not cache:
        yield
        return
    with _INIT_LOCK:
        Path(cache).mkdir(parents=True, exist_ok=True)
        with open(Path(cache) / ".fgen-init.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def init(binary: str, folder: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    with plugin_cache_lock(env):
        return _run([binary, "init", "-backend=false", "-input=false", "-no-color"], folder, env)


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


#: provider aliases the plain root configures (providers.tf), each mocked in the environment test;
#: a customer with a warm standby also has the "standby" alias (STANDBY)
ALIASES = (None, "us_east_1", "dr")
STANDBY = "standby"
#: prefix of the mock providers whose computed values are known at plan time (the asserting run's)
KNOWN = "known"


def mock_providers(env: EnvContext, arn_types: set[str] | frozenset[str] = frozenset(),
                   known_types: set[str] | frozenset[str] | None = None,
                   aliases: tuple[str | None, ...] = ALIASES) -> str:
    """The ``mock_provider`` blocks (default, ``us_east_1`` and ``dr`` aliases) of the environment test.

    ``arn_types`` are resource types whose computed ``arn`` the mock provider must fill with a
    well-formed ARN: the provider validates ARN arguments even under a mock.

    With ``known_types`` (every resource type the modules use), the blocks are the ``known*``
    aliases: ``override_during = plan`` and a ``mock_resource`` per type make every computed
    attribute known at plan time (a type without a ``mock_resource`` keeps its computed attributes
    unknown until apply), so a plan run can evaluate every assertion without applying, and without
    the destroy that follows every apply in `terraform test`.
    """
    mocks = []
    resources = _mock_resources(env)
    types = set(arn_types) | set(resources) | set(known_types or ())
    for alias in aliases:
        # the standby alias answers as the warm standby's region (its availability zones, its region id)
        region_env = env.standby_env if alias == STANDBY and env.standby_env is not None else env
        if known_types is not None:
            name = f"{KNOWN}_{alias}" if alias else KNOWN
            inner = [f"  alias           = {encode(name)}", "  override_during = plan"]
        else:
            inner = [f"  alias = {encode(alias)}"] if alias else []
        for source, values in sorted(_mock_data(region_env).items()):
            inner.append(f'  mock_data "{source}" {{\n    defaults = {encode(values, indent="    ")}\n  }}')
        for rtype in sorted(types):
            defaults = dict(resources.get(rtype, {}))
            if rtype in arn_types:
                service = rtype.removeprefix("aws_").split("_")[0]
                defaults.setdefault("arn", f"arn:aws:{service}:{region_env.region}:{env.account_id}:{rtype}/mock")
            inner.append(f'  mock_resource "{rtype}" {{\n    defaults = {encode(defaults, indent="    ")}\n  }}')
        mocks.append('mock_provider "aws" {\n' + "\n\n".join(inner) + "\n}\n")
    return "\n".join(mocks)


def _providers(known: bool, aliases: tuple[str | None, ...]) -> str:
    pairs = [("aws" + (f".{a}" if a else ""), "aws." + ((f"{KNOWN}_{a}" if a else KNOWN) if known else a)
              if (known or a) else "aws") for a in aliases]
    return "  providers = {\n" + "".join(f"    {k} = {v}\n" for k, v in pairs) + "  }\n"


def environment_test_file(env: EnvContext, arn_types: set[str] | frozenset[str] = frozenset(),
                          scope: Scope | None = None, used_types: set[str] | frozenset[str] = frozenset(),
                          standby: bool = False) -> str:
    """``tests/<env>/environment.tftest.hcl``: the whole environment under mock providers, in two
    plan runs (a plan run leaves no state behind, so there is no destroy to wait for):

    * ``plan``: computed values unknown, as in a real plan: catches what only unknowns break
      (``count`` or ``for_each`` over a value known after apply, a condition that cannot be decided);
    * ``assert``: the ``known*`` mock providers, every computed value known, and every assertion of
      tfassert (rewritten into ``scope``) as an ``assert`` block.
    """
    asserts = assert_blocks(env, scope) if scope is not None else []
    aliases = ALIASES + ((STANDBY,) if standby else ())
    runs = ['run "plan" {\n  command = plan\n\n' + _providers(False, aliases) + "}\n",
            'run "assert" {\n  command = plan\n\n' + _providers(True, aliases)
            + "".join("\n" + block for block in asserts) + "}\n"]
    return canonicalize(mock_providers(env, arn_types, aliases=aliases) + "\n"
                        + mock_providers(env, arn_types, used_types, aliases) + "\n" + "\n".join(runs))


def plain_root_files(infra_dir: Path) -> dict[str, bytes]:
    """The plain root of a generated tree, root-relative path -> content: infra/*.tf, modules/ and
    environments/*.tfvars (no units, nothing Terraform or Terragrunt left there: no .terraform/, lock
    file or generated backend). What `validate --terraform` copies and what its verdicts are keyed by."""
    files = {p.name: p.read_bytes() for p in infra_dir.glob("*.tf") if p.is_file() and p.name not in TOOL_ARTIFACTS}
    for folder, dirs, names in os.walk(infra_dir / "modules"):
        dirs[:] = sorted(d for d in dirs if d not in TOOL_ARTIFACTS)
        for name in names:
            if name not in TOOL_ARTIFACTS:
                path = Path(folder) / name
                files[path.relative_to(infra_dir).as_posix()] = path.read_bytes()
    for path in (infra_dir / "environments").glob("*.tfvars"):
        files[f"environments/{path.name}"] = path.read_bytes()
    return files


def write_files(dest: Path, files: dict[str, bytes]) -> None:
    for rel, content in files.items():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_bytes(content)


def copy_plain_root(infra_dir: Path, dest: Path) -> None:
    """Write the plain root of a generated tree (``plain_root_files``) to ``dest``."""
    write_files(dest, plain_root_files(infra_dir))


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


# --- the toolchain: Terraform's version, the provider it installs, the provider schema ---------------


@dataclass(frozen=True)
class Toolchain:
    binary: str
    version: str  # `terraform version -json`, platform included
    lock: str  # .terraform.lock.hcl of a root requiring AWS_PROVIDER_VERSION: provider version and hashes
    arn_types: frozenset[str]  # resource types whose schema has an `arn` attribute


_TOOLCHAINS: dict[tuple, Toolchain] = {}
_TOOLCHAIN_LOCK = threading.Lock()


def toolchain(cache_dir: Path | None) -> Toolchain:
    """Read once per process (and per provider configuration): the provider schema read (~5 s) also
    once per machine, memoised under ``cache_dir`` by Terraform version and provider lock."""
    binary = terraform_binary()
    if binary is None:
        raise TerraformUnavailable("terraform is not on PATH; install Terraform >= 1.11 to use --terraform")
    stat = os.stat(binary)
    key = (binary, stat.st_mtime_ns, stat.st_size, os.environ.get(MIRROR_ENV), os.environ.get("TF_CLI_CONFIG_FILE"),
           os.environ.get("TF_PLUGIN_CACHE_DIR"), str(cache_dir))
    with _TOOLCHAIN_LOCK:
        if key not in _TOOLCHAINS:
            _TOOLCHAINS[key] = _read_toolchain(binary, cache_dir)
        return _TOOLCHAINS[key]


def _read_toolchain(binary: str, cache_dir: Path | None) -> Toolchain:
    with tempfile.TemporaryDirectory(prefix="fgen-tf-provider-") as tmp:
        folder = Path(tmp) / "provider"
        folder.mkdir()
        env = terraform_env(Path(tmp))
        result = _run([binary, "version", "-json"], folder, env)
        if result.returncode != 0:
            raise RuntimeError(f"terraform version failed: {(result.stdout + result.stderr).strip()}")
        version = json.dumps({k: v for k, v in json.loads(result.stdout).items()
                              if k in ("terraform_version", "platform")}, sort_keys=True)
        (folder / "versions.tf").write_text(
            'terraform {\n  required_providers {\n    aws = {\n      source  = "hashicorp/aws"\n'
            f'      version = {encode(AWS_PROVIDER_VERSION)}\n    }}\n  }}\n}}\n', encoding="utf-8")
        result = init(binary, folder, env)
        if result.returncode != 0:
            raise RuntimeError(f"terraform init (provider schema) failed: {(result.stdout + result.stderr).strip()}")
        lock = (folder / ".terraform.lock.hcl").read_text(encoding="utf-8")
        memo = tfcache.SchemaMemo(cache_dir, version, lock)
        arn_types = memo.load()
        if arn_types is None:
            result = _run([binary, "providers", "schema", "-json"], folder, env)
            if result.returncode != 0:
                raise RuntimeError(f"terraform providers schema failed: {(result.stdout + result.stderr).strip()}")
            arn_types = frozenset(
                rtype for provider in json.loads(result.stdout)["provider_schemas"].values()
                for rtype, spec in provider.get("resource_schemas", {}).items()
                if "arn" in spec["block"].get("attributes", {}))
            memo.store(arn_types)
    return Toolchain(binary, version, lock, arn_types)


# --- the harness of one customer -----------------------------------------------------------------


@dataclass
class Harness:
    """What fgen adds to a copy of the plain root: test files per environment, module outputs."""

    customer: str
    infra: Path
    environments: list[EnvContext]
    generated: dict[str, str] = field(default_factory=dict)  # root-relative path -> text
    assertions: dict[str, int] = field(default_factory=dict)  # environment -> assert blocks

    def test_dir(self, env: str) -> str:
        return f"tests/{env}"


def build_harness(project: Project, customer: str, tools: Toolchain) -> Harness:
    resolved = resolve_in_estate(project, customer)
    infra = project.customer_output(customer) / "infra"
    harness = Harness(customer, infra, list(resolved.environments))
    main = infra / "main.tf"
    calls = (pygohcl.loads(main.read_text(encoding="utf-8")).get("module") or {}) if main.is_file() else {}
    scope = Scope(counted={label for label, body in calls.items() if isinstance(body, dict) and "count" in body})
    used: set[str] = set()
    modules = infra / "modules"
    if modules.is_dir():
        for path in modules.rglob("*.tf"):
            if TOOL_ARTIFACTS & set(path.relative_to(modules).parts):
                continue
            used.update(re.findall(r'^resource "([a-z0-9_]+)"', path.read_text(encoding="utf-8"), re.M))
    arn_types = tools.arn_types & used
    standby = any(label.startswith("standby__") for label in calls)  # the root configures aws.standby
    for env in harness.environments:
        text = environment_test_file(env, arn_types, scope, used, standby=standby)
        harness.generated[f"{harness.test_dir(env.name)}/environment.tftest.hcl"] = text
        harness.assertions[env.name] = text.count("\n  assert {")
    for module, outputs in sorted(scope.exposed.items()):
        if outputs:
            harness.generated[f"modules/{module}/{EXPOSE_FILE}"] = expose_file(outputs)
    return harness


def _environment_files(files: dict[str, bytes], env: str) -> dict[str, bytes]:
    """The files one environment's verdict depends on: everything but other environments' tfvars and tests."""
    return {path: content for path, content in files.items()
            if not (path.startswith("environments/") and path != f"environments/{env}.tfvars")
            and not (path.startswith("tests/") and not path.startswith(f"tests/{env}/"))}


# --- running ------------------------------------------------------------------------------------


@dataclass
class _Customer:
    harness: Harness
    pending: list[str]  # environments to run
    problems: list[str] = field(default_factory=list)
    tmp: tempfile.TemporaryDirectory | None = None
    root: Path | None = None
    env: dict[str, str] | None = None
    #: what terraform reads in the harness: the plain root and the generated test files
    files: dict[str, bytes] = field(default_factory=dict)


def validate_customers(project: Project, customers: list[str], jobs: int | None = None, use_cache: bool = True,
                       progress: Callable[[str], None] | None = None,
                       stats: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Runs the checks of every customer's environments, up to ``jobs`` Terraform processes at once;
    returns customer -> problems (empty when all pass or their verdicts were cached). ``stats``
    receives ``ran`` and ``cached``: the ``<customer>/<env>`` run and not run again."""
    stats = stats if stats is not None else {}
    stats.setdefault("ran", [])
    stats.setdefault("cached", [])
    cache_dir = project.cache_dir if use_cache else None
    tools = toolchain(cache_dir)
    verdicts = tfcache.VerdictCache(cache_dir, tools.version, tools.lock)
    jobs = max(1, jobs or os.cpu_count() or 1)
    states: dict[str, _Customer] = {}
    for name in customers:
        harness = build_harness(project, name, tools)
        state = states[name] = _Customer(harness, [])
        missing = [p for p in ("main.tf",) + tuple(f"environments/{e.name}.tfvars" for e in harness.environments)
                   if not (harness.infra / p).is_file()]
        if missing or not (harness.infra / "modules").is_dir():
            state.problems.append(f"output/{name}/infra: no plain-Terraform root ({', '.join(missing) or 'modules/'}); "
                                  f"run `fgen render {name}`")
            continue
        files = state.files = plain_root_files(harness.infra)
        files.update({p: t.encode("utf-8") for p, t in harness.generated.items()})
        for env in harness.environments:
            if verdicts.known_valid(_environment_files(files, env.name)):
                stats["cached"].append(f"{name}/{env.name}")
                if progress:
                    progress(f"terraform: {name}/{env.name} unchanged since it passed (cached verdict)")
            else:
                state.pending.append(env.name)
                stats["ran"].append(f"{name}/{env.name}")
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="fgen-tf") as pool:
        running: dict[Future, tuple[str, str | None]] = {}
        for name, state in states.items():
            if state.pending:
                running[pool.submit(_prepare, state, progress)] = (name, None)
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                name, env_name = running.pop(future)
                state = states[name]
                problems = future.result()
                if env_name is None:
                    if problems:
                        state.problems.extend(problems)
                        _cleanup(state)
                        continue
                    for env in state.pending:
                        running[pool.submit(_test, state, env, verdicts, progress)] = (name, env)
                    continue
                state.problems.extend(problems)
                state.pending.remove(env_name)
                if not state.pending:
                    _cleanup(state)
    return {name: state.problems for name, state in states.items()}


def _cleanup(state: _Customer) -> None:
    if state.tmp is not None:
        state.tmp.cleanup()
        state.tmp = None


def _prepare(state: _Customer, progress: Callable[[str], None] | None) -> list[str]:
    """Copy, init and validate the customer's plain root (once for all its environments), then add the harness."""
    harness = state.harness
    where = f"output/{harness.customer}/infra"
    state.tmp = tempfile.TemporaryDirectory(prefix=f"fgen-tf-{harness.customer}-")
    root = state.root = Path(state.tmp.name) / "infra"
    generated = {path: text.encode("utf-8") for path, text in harness.generated.items()}
    write_files(root, {path: data for path, data in state.files.items() if path not in generated})
    state.env = terraform_env(Path(state.tmp.name))
    binary = terraform_binary() or "terraform"
    if progress:
        progress(f"terraform init + validate: {harness.customer}")
    result = init(binary, root, state.env)
    if result.returncode == 0:
        # -no-tests: the harness's tests are not written yet; `terraform test` validates them itself
        result = _run([binary, "validate", "-no-tests", "-no-color"], root, state.env)
        step = "validate"
    else:
        step = "init"
    if result.returncode != 0:
        return [f"{where}: terraform {step} failed:\n{(result.stdout + result.stderr).strip()}"]
    write_files(root, generated)
    return []


def _test(state: _Customer, env: str, verdicts: "tfcache.VerdictCache",
          progress: Callable[[str], None] | None) -> list[str]:
    assert state.root is not None and state.env is not None
    harness = state.harness
    if progress:
        progress(f"terraform test: {harness.customer}/{env} ({harness.assertions.get(env, 0)} assertions)")
    files = _environment_files(state.files, env)  # the verdict is stored under exactly what was checked
    result = _run([terraform_binary() or "terraform", "test", f"-test-directory={harness.test_dir(env)}",
                   f"-var-file=environments/{env}.tfvars", "-no-color"], state.root, state.env)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        return [f"output/{harness.customer}/infra (environment {env}): terraform test failed:\n{output}"]
    verdicts.remember_valid(files)
    return []


def validate_with_terraform(project: Project, customer: str, progress: Callable[[str], None] | None = None,
                            jobs: int | None = None, use_cache: bool = True) -> list[str]:
    return validate_customers(project, [customer], jobs, use_cache, progress)[customer]
