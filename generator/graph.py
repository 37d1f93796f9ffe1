"""`fgen graph`: the unit dependency graph of an environment, as Mermaid, DOT or JSON.

An environment with a warm standby has units in two regions: the graph groups them per region
(a Mermaid subgraph, a DOT cluster, a ``region`` per unit in JSON) and draws the edges that cross
from one region to the other (the standby's database replicating the primary's) dashed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .components import EnvContext
from .hcl import dependency_label
from .units import environment_units, units_by_region


def unit_graph(env: EnvContext) -> dict[str, list[str]]:
    """unit -> the units it depends on (from the same Output references the dependency blocks come from)."""
    return {u.name: [d.unit for d in u.dependencies] for u in environment_units(env)}


def topological(graph: dict[str, list[str]]) -> list[str]:
    """Dependencies first; ties in catalogue order (the order of ``graph``)."""
    order: list[str] = []
    seen: set[str] = set()

    def visit(node: str) -> None:
        if node in seen:
            return
        seen.add(node)
        for dep in graph.get(node, []):
            visit(dep)
        order.append(node)

    for node in graph:
        visit(node)
    return order


@dataclass(frozen=True)
class RegionGroup:
    """The units of one environment that run in one region."""

    key: str  # "primary" or "standby" (the units' region_role)
    region: str
    title: str  # "eu-west-1 (primary)"
    units: tuple[str, ...]


def region_groups(env: EnvContext) -> list[RegionGroup]:
    """The environment's units per region: the primary region's, then the standby's. Empty for an
    environment without a standby (its graph stays one flat group)."""
    standby = env.standby_env
    if standby is None:
        return []
    primary, standby_units = units_by_region(env)
    promoted = " (promoted: serves production)" if env.promoted else ""
    return [RegionGroup("primary", env.region, f"{env.region} (primary)", tuple(u.name for u in primary)),
            RegionGroup("standby", standby.region, f"{standby.region} (standby{promoted})",
                        tuple(u.name for u in standby_units))]


def region_of_units(env: EnvContext) -> dict[str, str]:
    """unit -> the region it runs in (its provider's default region)."""
    regions = {u: g.region for g in region_groups(env) for u in g.units}
    return {u.name: regions.get(u.name, env.region) for u in environment_units(env)}


def cross_region_edges(env: EnvContext) -> list[tuple[str, str]]:
    """(unit, dependency) pairs whose two units run in different regions (standby/rds -> rds)."""
    regions = region_of_units(env)
    graph = unit_graph(env)
    return [(u, d) for u in graph for d in graph[u] if regions.get(u) != regions.get(d)]


def mermaid_lines(env: EnvContext, header: str, order: list[str] | None = None) -> list[str]:
    """A Mermaid flowchart of the units (``header``: "graph LR", "flowchart BT"), one subgraph per
    region when the environment has a standby; cross-region dependencies dashed."""
    graph = unit_graph(env)
    nodes = order if order is not None else list(graph)
    groups = region_groups(env)
    lines = [header]
    if not groups:
        lines += [f"  {dependency_label(u)}[{u}]" for u in nodes]
    else:
        for group in groups:
            members = set(group.units)
            lines.append(f'  subgraph region_{group.key}["{group.title}"]')
            lines += [f"    {dependency_label(u)}[{u}]" for u in nodes if u in members]
            lines.append("  end")
    crossing = set(cross_region_edges(env)) if groups else set()
    for u in graph:
        for d in graph[u]:
            arrow = "-.->" if (u, d) in crossing else "-->"
            lines.append(f"  {dependency_label(u)} {arrow} {dependency_label(d)}")
    return lines


def render_graph(env: EnvContext, fmt: str) -> str:
    graph = unit_graph(env)
    groups = region_groups(env)
    if fmt == "json":
        regions = region_of_units(env)
        data: dict[str, Any] = {"customer": env.customer, "environment": env.name,
                                "units": [{"unit": u, "depends_on": graph[u], "region": regions[u]}
                                          for u in topological(graph)]}
        if groups:
            data["regions"] = [{"role": g.key, "region": g.region, "title": g.title, "units": list(g.units)}
                               for g in groups]
            data["cross_region"] = [{"unit": u, "depends_on": d} for u, d in cross_region_edges(env)]
        return json.dumps(data, indent=2)
    if fmt == "dot":
        lines = [f'digraph "{env.customer}-{env.name}" {{', "  rankdir=LR;"]
        if not groups:
            lines += [f'  "{u}";' for u in graph]
        for group in groups:
            lines += [f'  subgraph "cluster_{group.key}" {{', f'    label="{group.title}";']
            lines += [f'    "{u}";' for u in graph if u in group.units]
            lines.append("  }")
        crossing = set(cross_region_edges(env)) if groups else set()
        lines += [f'  "{u}" -> "{d}"{" [style=dashed]" if (u, d) in crossing else ""};'
                  for u in graph for d in graph[u]]
        return "\n".join(lines + ["}"])
    return "\n".join(mermaid_lines(env, "graph LR"))
