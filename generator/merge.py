"""Deep merge of manifest layers that records, for every value, which layers set it.

Provenance is not a side table filled in afterwards: the merge itself produces it, so what
``fgen explain`` reports and what gets rendered come from the same code and cannot disagree.

Rules: mappings merge key by key; lists and scalars replace whatever a lower layer set.
A ``null`` in a higher layer is an ordinary value (it replaces), not a deletion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .yamlload import Document, KeyPath


@dataclass(frozen=True)
class Layer:
    """One input to the merge, lowest first: a profile, the customer file, the environment file."""

    kind: str  # "profile" | "customer" | "environment"
    document: Document


@dataclass(frozen=True)
class Setting:
    """One layer's contribution to one key path."""

    layer: str
    file: str
    line: int
    value: Any


@dataclass
class Merged:
    """The merged data plus, per key path, every layer that set it (the last one won)."""

    data: dict[str, Any]
    provenance: dict[KeyPath, list[Setting]] = field(default_factory=dict)

    def winner(self, path: KeyPath) -> Setting | None:
        """The setting that produced the value at ``path`` or at its nearest recorded ancestor."""
        for n in range(len(path), -1, -1):
            settings = self.provenance.get(path[:n])
            if settings:
                return settings[-1]
        return None


def merge_layers(layers: list[Layer]) -> Merged:
    merged = Merged({})
    for layer in layers:
        merged.data = _merge(merged.data, layer.document.data, (), layer, merged.provenance)
    return merged


def deep_merge(base: Any, override: Any) -> Any:
    """The merge rule alone, without provenance (used by property tests and simple callers)."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = deep_merge(base[key], value) if key in base else value
        return out
    return override


def _merge(base: Any, override: Any, path: KeyPath, layer: Layer, prov: dict[KeyPath, list[Setting]]) -> Any:
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        if path:
            _record(prov, path, layer, override)
        for key, value in override.items():
            child = path + (key,)
            if key in base:
                out[key] = _merge(base[key], value, child, layer, prov)
            else:
                out[key] = _replace(value, child, layer, prov)
        return out
    return _replace(override, path, layer, prov)


def _replace(value: Any, path: KeyPath, layer: Layer, prov: dict[KeyPath, list[Setting]], clear: bool = True) -> Any:
    """``value`` replaces everything below ``path``: earlier leaves there no longer count."""
    if clear:  # once per replaced subtree: its children were cleared with it
        depth = len(path)
        for stale in [p for p in prov if len(p) > depth and p[:depth] == path]:
            del prov[stale]  # a replaced subtree's history below it no longer explains anything
    _record(prov, path, layer, value)
    if isinstance(value, dict):
        for key, item in value.items():
            _replace(item, path + (key,), layer, prov, clear=False)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _replace(item, path + (index,), layer, prov, clear=False)
    return value


def _record(prov: dict[KeyPath, list[Setting]], path: KeyPath, layer: Layer, value: Any) -> None:
    doc = layer.document
    shown = "{...}" if isinstance(value, dict) else value
    prov.setdefault(path, []).append(Setting(layer.kind, doc.file, doc.line_of(path), shown))
