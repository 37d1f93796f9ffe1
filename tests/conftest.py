from __future__ import annotations

import os
import shutil

import pytest
from hypothesis import HealthCheck, settings

# Property tests share two cores with everything else: judge them on outcomes, never on speed.
settings.register_profile("fgen", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("fgen")

from generator.project import Project
from tests.support import copy_repo


def pytest_configure(config):
    """Each pytest-xdist worker gets its own Terraform plugin cache (used only without a provider
    mirror): Terraform's cache is not safe for concurrent ``init``, and fgen's own lock
    (generator/terraform.py) does not cover the tests that run ``terraform init`` themselves."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and not os.environ.get("FGEN_TF_PROVIDER_MIRROR") and "TF_PLUGIN_CACHE_DIR" not in os.environ:
        import tempfile

        os.environ["TF_PLUGIN_CACHE_DIR"] = os.path.join(tempfile.gettempdir(), f"fgen-tf-plugin-cache-{worker}")


@pytest.fixture
def project(tmp_path):
    """A private copy of the repository's templates, customers and root.hcl."""
    return copy_repo(tmp_path / "repo")


@pytest.fixture
def run(monkeypatch):
    """fgen against a given project: run(project, *args) -> (exit code, stdout, stderr)."""
    from typer.testing import CliRunner

    from generator.cli import app

    def invoke(project: Project, *args: str):
        monkeypatch.setenv("FGEN_ROOT", str(project.root))
        result = CliRunner().invoke(app, list(args))
        return result.exit_code, result.stdout, result.stderr

    return invoke


@pytest.fixture
def fgen(project, monkeypatch):
    """Run the CLI in-process against the private copy; returns (exit code, stdout, stderr)."""
    from typer.testing import CliRunner

    from generator.cli import app

    monkeypatch.setenv("FGEN_ROOT", str(project.root))
    runner = CliRunner()

    def run(*args: str):
        result = runner.invoke(app, list(args))
        err = result.stderr
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            import traceback  # an internal error: show it where the test looks

            err += "".join(traceback.format_exception(result.exception))
        return result.exit_code, result.stdout, err

    return run


def terraform_ready() -> str | None:
    """Why terraform tests cannot run here, or None. In CI they must run."""
    if shutil.which("terraform") is None:
        return "terraform is not on PATH"
    if not os.environ.get("FGEN_TF_PROVIDER_MIRROR") and os.environ.get("FGEN_TF_ONLINE") != "1":
        return "FGEN_TF_PROVIDER_MIRROR is not set (offline provider mirror) and FGEN_TF_ONLINE=1 is not set"
    return None


def checkov_binary() -> str | None:
    """checkov from FGEN_CHECKOV (its own virtual environment, see .ci/run) or PATH."""
    return os.environ.get("FGEN_CHECKOV") or shutil.which("checkov")


def checkov_ready() -> str | None:
    """Why the checkov tests cannot run here, or None."""
    binary = checkov_binary()
    if binary is None:
        return ("checkov is not installed (set FGEN_CHECKOV to a checkov in its own virtual environment, "
                "or put it on PATH)")
    if not os.access(binary, os.X_OK):
        return f"FGEN_CHECKOV={binary} is not an executable"
    return None


def pytest_collection_modifyitems(config, items):
    needs = {"terraform": terraform_ready(),
            "terraform_bin": None if shutil.which("terraform") else "terraform is not on PATH",
             "checkov": checkov_ready()}
    for item in items:  # everything that runs Terraform's provider takes seconds at least
        if "terraform" in item.keywords:
            item.add_marker(pytest.mark.slow)
    for marker, reason in needs.items():
        if reason is None:
            continue
        if os.environ.get("CI") == "true":
            raise pytest.UsageError(f"{marker} tests must run in CI but cannot: {reason}")
        skip = pytest.mark.skip(reason=reason)
        for item in items:
            if item.get_closest_marker(marker) is not None:
                item.add_marker(skip)
