"""JSON Schema of the manifests, for editors and for `fgen schema`."""

from __future__ import annotations

from typing import Any

from .manifest import manifest_model


def manifest_json_schema(resolved: bool = False) -> dict[str, Any]:
    """The resolved-environment schema, or (default) the schema of one manifest file.

    A single file is one layer of the merge, so nothing in it is required: the profile and the
    other files supply the rest. Types, formats and unknown-key rules still apply.
    """
    schema = manifest_model().model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "fgen resolved environment" if resolved else "fgen manifest file"
    if not resolved:
        _drop_required(schema)
    return schema


def _drop_required(node: Any) -> None:
    if isinstance(node, dict):
        node.pop("required", None)
        for value in node.values():
            _drop_required(value)
    elif isinstance(node, list):
        for value in node:
            _drop_required(value)
