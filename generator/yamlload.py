"""Loads one YAML manifest strictly and remembers the line of every key.

PyYAML alone silently keeps the last of two duplicate keys, happily expands alias bombs and
reports tabs as obscure scanner errors. This loader composes the node tree itself so that it
can refuse all of those with ``file:line`` and record, for every key path, the line that set it
(the provenance that ``fgen explain`` and every error message use).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
import unicodedata
from typing import Any

import yaml

from .errors import InputError, Problem

MAX_FILE_BYTES = 1_000_000
MAX_NODES = 50_000  # after alias expansion; a realistic manifest has a few hundred

KeyPath = tuple[str | int, ...]


@dataclass
class Document:
    """A parsed manifest: plain data plus the line of every key path in it."""

    file: str
    data: dict[str, Any]
    lines: dict[KeyPath, int] = field(default_factory=dict)
    comments: dict[KeyPath, str] = field(default_factory=dict)

    def line_of(self, path: KeyPath) -> int:
        """The line of ``path`` or of its nearest ancestor that this document sets."""
        for n in range(len(path), -1, -1):
            if path[:n] in self.lines:
                return self.lines[path[:n]]
        return 1


def format_path(path: KeyPath) -> str:
    """``("services", "auth", "port")`` -> ``services.auth.port``; list items as ``[i]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


#: libyaml's composer when PyYAML was built with it (about 10x faster); the same nodes and marks
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: Path, display: str) -> Document:
    """Reads and parses ``path``; every problem is an InputError naming ``display`` and the line."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(Problem(display, 0, "", f"cannot read: {exc.strerror}")) from None
    if size > MAX_FILE_BYTES:
        raise InputError(Problem(display, 1, "", f"file is {size} bytes, over the {MAX_FILE_BYTES}-byte limit for a manifest"))
    raw = path.read_bytes()
    return parse_yaml(raw, display)


def parse_yaml(raw: bytes, display: str) -> Document:
    text = _decode(raw, display)
    _reject_tabs(text, display)
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        column = mark.column + 1 if mark else 0
        problem = exc.problem or exc.context or "invalid YAML"
        raise InputError(Problem(display, line, "", f"YAML syntax error: {problem}", column)) from None
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML raises marked errors for text input
        raise InputError(Problem(display, 0, "", f"YAML error: {exc}")) from None
    if node is None:
        return Document(display, {}, {(): 1})
    if not isinstance(node, yaml.MappingNode):
        raise InputError(Problem(display, node.start_mark.line + 1, "", "the document must be a mapping of keys to values"))
    builder = _Builder(display)
    data = builder.build(node, ())
    builder.lines[()] = 1
    return Document(display, data, builder.lines)


def _decode(raw: bytes, display: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(Problem(display, line, "", f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})")) from None


def _reject_tabs(text: str, display: str) -> None:
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent and line.strip():
            raise InputError(Problem(display, number, "", "tab used for indentation; YAML needs spaces", indent.index("\t") + 1))


class _Builder:
    """Turns composed nodes into plain data, refusing duplicates and alias bombs."""

    def __init__(self, display: str):
        self.display = display
        self.lines: dict[KeyPath, int] = {}
        self.count = 0
        self.constructor = yaml.SafeLoader.__new__(yaml.SafeLoader)
        yaml.constructor.SafeConstructor.__init__(self.constructor)

    def build(self, node: yaml.Node, path: KeyPath) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            top = path[:1]
            raise InputError(Problem(self.display, self.lines.get(top, node.start_mark.line + 1), format_path(top),
                                     f"the document expands to more than {MAX_NODES} values (alias bomb?)"))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                self.lines[path + (index,)] = item.start_mark.line + 1
                items.append(self.build(item, path + (index,)))
            return items
        try:
            value = self.constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise InputError(Problem(self.display, node.start_mark.line + 1, format_path(path), f"invalid value: {exc}")) from None
        if isinstance(value, str):
            # HCL normalises strings to NFC; doing it here keeps explain, schema and output in agreement
            value = unicodedata.normalize("NFC", value)
        return value

    def _mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise InputError(Problem(self.display, key_node.start_mark.line + 1, format_path(path),
                                         "YAML merge keys (<<) are not supported; write the keys out"))
            key = self.constructor.construct_object(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                raise InputError(Problem(self.display, line, format_path(path), f"keys must be strings, got {key!r}"))
            if key in result:
                first = self.lines.get(path + (key,), 0)
                raise InputError(Problem(self.display, line, format_path(path + (key,)),
                                         f"duplicate key (first set on line {first})"))
            self.lines[path + (key,)] = line
            result[key] = self.build(value_node, path + (key,))
        return result
