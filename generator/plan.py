"""Resolved customer -> the complete set of files its tree should hold (path -> content).

Nothing here touches the disk except reading templates: ``--check``, ``--diff`` and the writer all
compare or write this same plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .checkov import checkov_config_path, checkov_view
from .components import EnvContext
from .docs import readme_view
from .hcl import Expression, encode
from .moduledeps import with_dependencies
from .plainroot import AWS_PROVIDER_VERSION, FLAGS, TERRAFORM_VERSION, US_EAST_1, backend_view, build_root, tfvars_view
from .project import Project
from .render import Renderer, module_files
from .resolve import Customer
from .runbook import runbook_view
from .standby import state_bucket as standby_state_bucket
from .units import MOCK_COMMANDS, Unit, environment_units

__all__ = ["MOCK_COMMANDS", "Unit", "environment_units", "plan_customer", "CustomerPlan", "GeneratedFile"]


@dataclass
class GeneratedFile:
    path: str  # relative to output/<customer>/
    content: str
    kind: str  # unit | module | config | doc | root (the plain-Terraform root) | scanner (checkov config)


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
    env_units: dict[str, list[Unit]] = {}
    for env in customer.environments:
        env_sources = [s for s in customer.sources if _belongs(s, env)]
        config = environment_config(env)
        plan.add(f"infra/config/{env.name}.hcl",
                 renderer.render_hcl("config/environment.hcl.j2", env_sources, config=config), "config")
        env_units[env.name] = environment_units(env)
        for unit in env_units[env.name]:
            plan.units.append(unit)
            modules.add(unit.module)
            content = renderer.render_hcl("units/terragrunt.hcl.j2", env_sources, unit=unit,
                                          mock_commands=MOCK_COMMANDS)
            plan.add(unit.path, content, "unit")
    _plan_plain_root(project, customer, renderer, plan, env_units)
    for module in sorted(with_dependencies(project.modules_dir, modules)):
        for name, content in module_files(project, module):
            plan.add(f"infra/modules/{module}/{name}", content, "module")
    plan.add("README.md", renderer.render_text("docs/customer-readme.md.j2", customer.sources,
                                                **readme_view(customer)), "doc")
    plan.add("RUNBOOK.md", renderer.render_text("docs/runbook.md.j2", customer.sources, **runbook_view(customer)), "doc")
    return plan


def _plan_plain_root(project: Project, customer: Customer, renderer: Renderer, plan: CustomerPlan,
                     env_units: dict[str, list[Unit]]) -> None:
    """infra/*.tf and infra/environments/<env>.{tfvars,backend.hcl}: the path without Terragrunt."""
    root = build_root(project, customer, env_units)
    sources = customer.sources
    dr = Expression("var.dr_region != null ? var.dr_region : var.region")
    aliases = [(None, Expression("var.region")), ("us_east_1", Expression(encode(US_EAST_1))), ("dr", dr)]
    if root.has_standby:
        aliases.append(("standby", Expression("var.standby_region != null ? var.standby_region : var.region")))
    for name, template, context in (
        ("versions.tf", "plain/versions.tf.j2", {"terraform_version": TERRAFORM_VERSION,
                                                 "aws_version": AWS_PROVIDER_VERSION}),
        ("providers.tf", "plain/providers.tf.j2", {"aliases": aliases}),
        ("variables.tf", "plain/variables.tf.j2", {"root": root, "flags_name": FLAGS}),
        ("main.tf", "plain/main.tf.j2", {"root": root}),
        ("outputs.tf", "plain/outputs.tf.j2", {"root": root}),
    ):
        plan.add(f"infra/{name}", renderer.render_hcl(template, sources, **context), "root")
    for env in customer.environments:
        env_sources = [s for s in customer.sources if _belongs(s, env)]
        config = environment_config(env)
        plan.add(f"infra/environments/{env.name}.tfvars",
                 renderer.render_hcl("plain/environment.tfvars.j2", env_sources, environment=env.name,
                                     values=tfvars_view(root, config, env.name)), "root")
        plan.add(f"infra/environments/{env.name}.backend.hcl",
                 renderer.render_hcl("plain/backend.hcl.j2", env_sources, environment=env.name,
                                     backend=backend_view(config)), "root")
        plan.add(checkov_config_path(env.name),
                 renderer.render_text("plain/checkov.yaml.j2", env_sources,
                                      **checkov_view(customer.name, env)), "scanner")


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
        "standby_region": env.standby_env.region if env.standby_env else None,
        "standby_state_bucket": standby_state_bucket(env) if env.standby_env else None,
    }
