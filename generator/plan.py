"""Resolved customer -> the complete set of files its tree should hold (path -> content).

Nothing here touches the disk except reading templates: ``--check``, ``--diff`` and the writer all
compare or write this same plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .components import EnvContext
from .docs import readme_view
from .project import Project
from .render import Renderer, module_files
from .resolve import Customer
from .runbook import runbook_view
from .units import MOCK_COMMANDS, Unit, environment_units

__all__ = ["MOCK_COMMANDS", "Unit", "environment_units", "plan_customer", "CustomerPlan", "GeneratedFile"]


@dataclass
class GeneratedFile:
    path: str  # relative to output/<customer>/
    content: str
    kind: str  # unit | module | config | doc


@dataclass
class CustomerPlan:
    customer: Customer
    units: list[Unit] = field(default_factory=list)
    files: dict[str, GeneratedFile] = field(default_factory=dict)

    def add(self, path: str, content: str, kind: str) -> None:
        self.files[path] = GeneratedFile(path, content, kind)


def plan_customer(project: Project, customer: Customer, renderer: Renderer | None = None) -> CustomerPlan:
    renderer = renderer or Renderer.for_project(project)
    plan = CustomerPlan(customer)
    modules: set[str] = set()
    for env in customer.environments:
        env_sources = [s for s in customer.sources if _belongs(s, env)]
        config = environment_config(env)
        plan.add(f"infra/config/{env.name}.hcl",
                 renderer.render_hcl("config/environment.hcl.j2", env_sources, config=config), "config")
        for unit in environment_units(env):
            plan.units.append(unit)
            modules.add(unit.module)
            content = renderer.render_hcl("units/terragrunt.hcl.j2", env_sources, unit=unit,
                                          mock_commands=MOCK_COMMANDS)
            plan.add(unit.path, content, "unit")
    for module in sorted(modules):
        for name, content in module_files(project, module):
            plan.add(f"infra/modules/{module}/{name}", content, "module")
    plan.add("README.md", renderer.render_text("docs/customer-readme.md.j2", customer.sources,
                                                **readme_view(customer)), "doc")
    plan.add("RUNBOOK.md", renderer.render_text("docs/runbook.md.j2", customer.sources, **runbook_view(customer)), "doc")
    return plan


def _belongs(source: str, env: EnvContext) -> bool:
    """Which manifest files an environment's files come from: its profile, customer.yaml, <env>.yaml."""
    return (source.endswith("/customer.yaml") or source.endswith(f"/{env.name}.yaml")
            or f"/profiles/{env.profile}/" in source)


def environment_config(env: EnvContext) -> dict[str, Any]:
    m = env.manifest
    tags = {
        "customer": env.customer,
        "environment": env.name,
        "managed-by": "fgen",
        "cost-center": m.customer.cost_center,
        "owner": m.customer.owner_email,
    }
    tags.update(sorted(m.tags.items()))
    return {
        "customer": env.customer,
        "environment": env.name,
        "profile": env.profile,
        "account_id": env.account_id,
        "region": env.region,
        "dr_region": m.aws.dr_region,
        "state_bucket": m.state.bucket or f"fg-tfstate-{env.account_id}-{env.region}",
        "state_region": env.region,
        "tags": tags,
    }
