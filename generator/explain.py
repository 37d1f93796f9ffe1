"""`fgen explain`: a resolved value and every layer that set it, straight from the merge's provenance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .components import EnvContext
from .errors import InputError
from .merge import Setting
from .yamlload import KeyPath, format_path


@dataclass
class Explanation:
    path: str
    value: Any  # the value the rendered tree uses (validated model)
    settings: list[Setting]  # every layer that set it, lowest first; the last one won
    source: str  # "manifests" or "schema default"

    def to_json(self) -> dict[str, Any]:
        return {"key": self.path, "value": self.value, "source": self.source,
                "layers": [{"layer": s.layer, "file": s.file, "line": s.line, "value": _plain(s.value),
                            "won": i == len(self.settings) - 1} for i, s in enumerate(self.settings)]}


def _plain(value: Any) -> Any:
    """YAML may hold dates and timestamps; JSON output shows them in ISO 8601."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def parse_key(text: str) -> KeyPath:
    """``services.auth.port`` -> ("services", "auth", "port"); ``a.b[0]`` -> ("a", "b", 0)."""
    parts: list[str | int] = []
    for chunk in text.split("."):
        while "[" in chunk and chunk.endswith("]"):
            name, _, index = chunk.partition("[")
            if name:
                parts.append(name)
            chunk = index[:-1]
            if chunk.isdigit():
                parts.append(int(chunk))
                chunk = ""
        if chunk:
            parts.append(chunk)
    return tuple(parts)


def resolved_data(env: EnvContext) -> dict[str, Any]:
    return env.manifest.model_dump(mode="json")


def _leaves(value: Any, path: KeyPath):
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from _leaves(item, path + (key,))
    elif isinstance(value, list) and value and any(isinstance(v, (dict, list)) for v in value):
        for index, item in enumerate(value):
            yield from _leaves(item, path + (index,))
    else:
        yield path, value


def _get(value: Any, path: KeyPath) -> Any:
    for part in path:
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and isinstance(part, int) and part < len(value):
            value = value[part]
        else:
            raise KeyError(part)
    return value


def explain(env: EnvContext, key: str) -> list[Explanation]:
    """Every leaf at or below ``key`` (empty key: everything), with its history."""
    path = parse_key(key) if key else ()
    data = resolved_data(env)
    try:
        subtree = _get(data, path)
    except KeyError:
        from difflib import get_close_matches

        known = [format_path(p) for p, _ in _leaves(data, ())]
        close = get_close_matches(key, known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise InputError(f"{env.customer}/{env.name}: no key '{key}'{hint}") from None
    results = []
    for leaf, value in _leaves(subtree, path):
        settings = list(env.merged.provenance.get(leaf, []))
        results.append(Explanation(format_path(leaf), value, settings, "manifests" if settings else "schema default"))
    return results
