"""The customer's generated README: what each environment has, diagrams, and how to apply it."""

from __future__ import annotations

from typing import Any

from .components import CATALOGUE
from .graph import topological, unit_graph
from .hcl import dependency_label
from .resolve import Customer


def md(value: Any) -> str:
    """A value as Markdown table-cell text: nothing in it can break the table or become markup."""
    if value is None:
        text = "—"
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, (list, tuple)):
        text = ", ".join(str(v) for v in value) if value else "—"
    else:
        text = str(value)
    text = " ".join(text.split())
    for ch in "\\`*_{}[]<>|#!":
        text = text.replace(ch, "\\" + ch)
    return text


def mermaid_label(value: str) -> str:
    return '"' + value.replace('"', "'").replace("<", "").replace(">", "") + '"'


def _owner(owner, me, unit: str) -> str | None:
    """Who creates an account-wide resource this environment uses (see `fgen accounts`)."""
    if owner is None:
        return None
    return "this environment" if owner == me else f"{owner} ({unit} unit; apply it first)"


def readme_view(customer: Customer) -> dict[str, Any]:
    envs = customer.environments
    rows: dict[str, dict[str, Any]] = {}
    base = {
        "Profile": lambda e: e.profile,
        "AWS account": lambda e: e.account_id,
        "Region": lambda e: e.region,
        "DR region": lambda e: e.manifest.aws.dr_region,
        "Log retention (days)": lambda e: e.manifest.logging.retention_days,
        "Units": lambda e: list(unit_graph(e)),
        "Account baseline": lambda e: _owner(e.estate.baseline_owner, e.estate.key, "account_baseline"),
        "ECR repositories from": lambda e: _owner(e.estate.ecr_owner, e.estate.key, "ecr"),
    }
    for label, getter in base.items():
        rows[label] = {e.name: getter(e) for e in envs}
    for component in CATALOGUE:
        for env in envs:
            if not component.enabled(env):
                continue
            for label, value in component.summary(env).items():
                rows.setdefault(label, {})[env.name] = value
    for label in rows:
        for env in envs:
            rows[label].setdefault(env.name, None)
    prod = next((e for e in envs if e.is_production), envs[-1])
    return {
        "customer": customer.name,
        "display_name": envs[0].manifest.customer.display_name,
        "owner": envs[0].manifest.customer.owner_email,
        "environments": [e.name for e in envs],
        "rows": rows,
        "architecture": architecture(prod),
        "architecture_env": prod.name,
        "graphs": {e.name: unit_graph_lines(e) for e in envs},
        "operators": operator_rows(envs),
    }


def operator_rows(envs) -> list[dict[str, Any]]:
    """Per environment: the operator roles that exist and whether admins can open bastion sessions."""
    rows = []
    for env in envs:
        s = env.manifest.operator_access
        on = env.enabled("operator_access")
        roles = [f"{env.prefix}-{role}" for role, principals in
                 (("admin", s.admin_principals), ("readonly", s.readonly_principals)) if on and principals]
        rows.append({"env": env.name, "account": env.account_id, "roles": roles or "off",
                     "bastion": (on and bool(s.admin_principals) and env.enabled("bastion"))})
    return rows


def architecture(env) -> list[str]:
    enabled = [c for c in CATALOGUE if c.enabled(env) and c.diagram_label]
    names = {c.name for c in enabled}
    lines = ["flowchart LR", '  users(("Players"))']
    for c in enabled:
        lines.append(f"  {c.name.replace('-', '_')}[{mermaid_label(c.diagram_label)}]")
    for c in enabled:
        for source in c.diagram_from:
            if source == "users" or source in names:
                lines.append(f"  {source.replace('-', '_')} --> {c.name.replace('-', '_')}")
    return lines


def unit_graph_lines(env) -> list[str]:
    graph = unit_graph(env)
    lines = ["flowchart BT"]
    lines += [f"  {dependency_label(u)}[{u}]" for u in topological(graph)]
    lines += [f"  {dependency_label(u)} --> {dependency_label(d)}" for u in graph for d in graph[u]]
    return lines

