"""`fgen graph`: the unit dependency graph of an environment, as Mermaid, DOT or JSON."""

from __future__ import annotations

import json
from typing import Any

from .components import EnvContext
from .hcl import dependency_label
from .units import environment_units


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


def render_graph(env: EnvContext, fmt: str) -> str:
    graph = unit_graph(env)
    if fmt == "json":
        data: dict[str, Any] = {"customer": env.customer, "environment": env.name,
                                "units": [{"unit": u, "depends_on": graph[u]} for u in topological(graph)]}
        return json.dumps(data, indent=2)
    if fmt == "dot":
        lines = [f'digraph "{env.customer}-{env.name}" {{', "  rankdir=LR;"]
        lines += [f'  "{u}";' for u in graph]
        lines += [f'  "{u}" -> "{d}";' for u in graph for d in graph[u]]
        return "\n".join(lines + ["}"])
    lines = ["graph LR"]
    lines += [f"  {dependency_label(u)}[{u}]" for u in graph]
    lines += [f"  {dependency_label(u)} --> {dependency_label(d)}" for u in graph for d in graph[u]]
    return "\n".join(lines)


