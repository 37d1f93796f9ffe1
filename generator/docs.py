"""The customer's generated README: what each environment has, diagrams, and how to apply it."""

from __future__ import annotations

from typing import Any

from . import standby_facts as facts
from .components import BY_NAME, CATALOGUE, EnvContext
from .graph import mermaid_lines, topological, unit_graph
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
        "standbys": [standby_view(e) for e in envs if e.standby_env is not None],
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


def node(env: EnvContext, component: str) -> str:
    """A component's node in a diagram: ``alb``, ``standby__alb`` for the standby's."""
    return dependency_label(env.unit_name(component)).replace("-", "_")


def architecture(env: EnvContext) -> list[str]:
    """The environment's components as a flowchart; with a warm standby, one subgraph per region and
    one for the primary tree's units that serve both (CloudFront, ECR, ...), the standby's units
    drawn from the same diagram_label/diagram_from, and the data replicated across regions dashed."""
    if env.standby_env is None:
        return _flat_architecture(env)
    lines = ["flowchart LR", '  users(("Players"))']
    drawn: dict[tuple[str, str], EnvContext] = {}  # (role, component) -> its context
    standby = env.standby_env
    groups = [("shared", "Serving both regions", env, lambda c: c.standby == "shared"),
              ("primary", f"{env.region} (primary)", env, lambda c: c.standby != "shared"),
              ("standby", f"{standby.region} (standby{', promoted' if env.promoted else ''})", standby,
               lambda c: True)]
    for key, title, ctx, belongs in groups:
        members = [c for c in CATALOGUE if c.diagram_label and ctx.renders(c.name) and belongs(c)]
        if not members:
            continue
        lines.append(f"  subgraph region_{key}[{mermaid_label(title)}]")
        for c in members:
            drawn[(ctx.role, c.name)] = ctx
            lines.append(f"    {node(ctx, c.name)}[{mermaid_label(c.diagram_label)}]")
        lines.append("  end")
    for (role, name), ctx in drawn.items():
        for source in BY_NAME[name].diagram_from:
            if source == "users":
                lines.append(f"  users --> {node(ctx, name)}")
                continue
            host = ctx.host_of(source)
            if host is None or (host.role, source) not in drawn:
                continue
            # across the trees only where the units are linked (the cdn's origin group and the standby's ALB)
            if host is ctx or _linked(env, host.unit_name(source), ctx.unit_name(name)):
                lines.append(f"  {node(host, source)} --> {node(ctx, name)}")
    _, standby_units = facts.units_by_region(env)
    for u in standby_units:
        name = u.name.removeprefix("standby/")
        for dep in u.dependencies:
            if dep.unit == name and ("primary", name) in drawn and ("standby", name) in drawn:
                lines.append(f"  {node(env, name)} -.->|replicates to| {node(standby, name)}")
    return lines


def _linked(env: EnvContext, a: str, b: str) -> bool:
    """Whether one of the two units depends on the other."""
    graph = unit_graph(env)
    return b in graph.get(a, ()) or a in graph.get(b, ())


def _flat_architecture(env: EnvContext) -> list[str]:
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
    return mermaid_lines(env, "flowchart BT", topological(unit_graph(env)))


# --- the warm standby ---------------------------------------------------------------------------

def standby_view(env: EnvContext) -> dict[str, Any]:
    """The README's warm standby section of one environment: its failover diagram and its table."""
    standby = env.standby_env
    assert standby is not None
    promotion = facts.promotion(env)
    _, standby_units = facts.units_by_region(env)
    rds, replica = facts.rds_identifier(env), facts.rds_identifier(standby)
    if replica is None:
        database = None
    elif env.promoted:
        database = f"{replica}: the promoted replica, the production database"
    elif facts.replicates_database(env):
        database = f"{replica}: cross-region read replica of {rds}"
    else:
        database = f"{replica}: a database of its own (not replicated)"
    cache = None
    if facts.redis_group(standby) is not None:
        cache = (f"{facts.redis_group(standby)}: secondary of an ElastiCache Global Datastore with "
                 f"{facts.redis_group(env)}" if facts.global_datastore(env) else
                 f"{facts.redis_group(standby)}: an empty cache that warms up after failover (no Global "
                 "Datastore: the cache holds only data the services can rebuild)")
    rows: dict[str, Any] = {
        "Region": f"{standby.region} (primary: {env.region})",
        "Capacity": facts.capacity(env),
        "VPC CIDR": standby.manifest.vpc.cidr,
        "ALB": facts.alb_name(standby),
        "ALB certificate": standby.manifest.dns.certificate_arn,
        "Database": database,
        "Cache": cache,
        "Container images": (f"ECR repositories replicated to {standby.region}" if facts.images_replicated(env)
                             else f"pulled from the ECR repositories in {env.region}")
                            if standby.renders("ecs") else None,
        "Resource prefix": standby.prefix,
        "Terraform state": f"s3://{facts.state_bucket(env)}/{facts.state_key(env, 'standby/<unit>')} "
                           f"({standby.region})",
        "Units": [u.name for u in standby_units],
        "On promotion": _on_promotion(env, promotion),
    }
    rows.update(facts.standby_summary(env))
    return {
        "env": env.name,
        "region": env.region,
        "standby_region": standby.region,
        "promoted": env.promoted,
        "failover_by_itself": "; ".join(facts.automatic_failover(env)),
        "diagram": failover_diagram(env),
        "rows": {label: value for label, value in rows.items() if value is not None},
    }


def _on_promotion(env: EnvContext, promotion: facts.Promotion) -> str:
    if env.promoted:
        return "promoted: the standby serves production (see RUNBOOK.md to re-protect it)"
    parts = ["standby.promoted: true renders the standby as the primary (the replica promoted, full capacity)"]
    if promotion.added:
        parts.append(f"adds {', '.join(promotion.added)}")
    if promotion.removed:
        parts.append(f"removes {env.region}'s {', '.join(promotion.removed)} (guarded: --allow-unit-removal)")
    return "; ".join(parts) + "; steps in RUNBOOK.md"


def failover_diagram(env: EnvContext) -> list[str]:
    """Both regions' serving path, from the units rendered: players -> CloudFront -> origin group ->
    each region's ALB, Route 53 failover, and what replicates across (database, cache, images)."""
    standby = env.standby_env
    assert standby is not None
    primary_units, standby_units = facts.units_by_region(env)
    names = {u.name for u in primary_units} | {u.name for u in standby_units}
    lines = ["flowchart LR", '  users(("Players"))']
    if "cdn" in names:
        lines.append(f"  cdn[{mermaid_label('CloudFront')}]")
        if facts.origin_group(env):
            lines.append("  origin_group{" + mermaid_label("origin group: failover on 5xx and connection errors")
                         + "}")
    if "dns_records" in names:
        lines.append("  route53{{" + mermaid_label("Route 53 failover records, health checks" if facts.dns_failover(env)
                                                   else "Route 53 alias records") + "}}")
    if "ecr" in names:
        lines.append(f"  ecr[({mermaid_label('ECR images (' + env.region + ')')})]")
    for ctx, title, units in ((env, f"{env.region} (primary)", primary_units),
                              (standby, f"{standby.region} (standby{', promoted' if env.promoted else ''})",
                               standby_units)):
        present = {u.name for u in units}
        members = [f"    {node(ctx, component)}[{mermaid_label(label)}]"
                   for component, label in _serving_nodes(env, ctx).items() if ctx.unit_name(component) in present]
        if members:
            lines += [f"  subgraph region_{ctx.role}[{mermaid_label(title)}]", *members, "  end"]
    primary_alb = "alb" in names
    standby_alb = "standby/alb" in names
    if "cdn" in names:
        lines.append("  users --> cdn")
        if facts.origin_group(env):
            lines.append("  cdn --> origin_group")
            if primary_alb:
                lines.append(f"  origin_group -->|primary| {node(env, 'alb')}")
            lines.append(f"  origin_group -.->|failover| {node(standby, 'alb')}")
        elif primary_alb:
            lines.append(f"  cdn --> {node(env, 'alb')}")
        elif standby_alb:
            lines.append(f"  cdn --> {node(standby, 'alb')}")
    if "dns_records" in names:
        lines.append("  users --> route53")
        if primary_alb:
            lines.append(f"  route53 {'-->|primary|' if facts.dns_failover(env) else '-->'} {node(env, 'alb')}")
        if facts.dns_failover(env):
            lines.append(f"  route53 -.->|secondary| {node(standby, 'alb')}")
        elif standby_alb and not primary_alb:
            lines.append(f"  route53 --> {node(standby, 'alb')}")
    for ctx, units in ((env, primary_units), (standby, standby_units)):
        present = {u.name for u in units}
        have = [c for c in ("alb", "ecs", "rds", "redis") if ctx.unit_name(c) in present]
        if "alb" in have and "ecs" in have:
            lines.append(f"  {node(ctx, 'alb')} --> {node(ctx, 'ecs')}")
        for data in ("rds", "redis"):
            if "ecs" in have and data in have:
                lines.append(f"  {node(ctx, 'ecs')} --> {node(ctx, data)}")
    if "rds" in names and "standby/rds" in names and facts.replicates_database(env):
        lines.append(f"  {node(env, 'rds')} -.->|cross-region read replica| {node(standby, 'rds')}")
    if "redis" in names and "standby/redis" in names and facts.global_datastore(env):
        lines.append(f"  {node(env, 'redis')} -.->|Global Datastore| {node(standby, 'redis')}")
    if "ecr" in names:
        for ctx in (env, standby):
            if ctx.unit_name("ecs") in names:
                replicated = ctx.is_standby and facts.images_replicated(env)
                lines.append(f"  ecr -.->|{'replicated images' if replicated else 'images'}| {node(ctx, 'ecs')}")
    return lines


def _serving_nodes(env: EnvContext, ctx: EnvContext) -> dict[str, str]:
    """The serving path's nodes of one region, labelled with the names they have there."""
    cluster, services = facts.ecs_services(ctx)
    labels = {
        "alb": f"ALB {facts.alb_name(ctx)}",
        "ecs": f"ECS {cluster}: {len(services)} services" + (f", {facts.capacity(env)}" if ctx.is_standby else ""),
        "rds": f"RDS {facts.rds_identifier(ctx)}" + (" (replica)" if ctx.is_standby and facts.replicates_database(env)
                                                     else ""),
        "redis": f"ElastiCache {facts.redis_group(ctx)}" + (
            " (empty cache, warms up)" if ctx.standing_by and not facts.global_datastore(env)
            else ""),
    }
    return {c: label for c, label in labels.items() if ctx.renders(c)}
