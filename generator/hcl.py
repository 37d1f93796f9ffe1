"""The only door from data to HCL text, and the formatter that makes rendered text canonical.

``encode`` turns Python values into HCL literals. Strings are escaped so that nothing a manifest
says can end the string or open an interpolation (``${``) or a template directive (``%{``);
invisible and bidirectional-control characters are written as ``\\uNNNN`` so a reviewer sees
them. References to other units' outputs are the one kind of expression it emits, and only from
``Output`` objects that Python code builds, never from manifest text.

``canonicalize`` applies the two layout rules of ``terraform fmt`` that templates cannot get
right by themselves: indentation by nesting depth and the alignment of ``=`` in consecutive
attribute lines. Tests check the result against ``terraform fmt`` itself.
"""

from __future__ import annotations

import math
import re

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_KEYWORDS = {"true", "false", "null", "for", "in", "if", "endif", "endfor", "else"}
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}
_SHORT_LIST = 80


@dataclass(frozen=True, order=True)
class Output:
    """A reference to output ``name`` of unit ``unit`` (a Terragrunt dependency, or a module call)."""

    unit: str
    name: str


RefRenderer = Callable[[Output], str]


class Expression(str):
    """HCL expression text that Python built from references, identifiers and ``encode``d values
    (the plain root's wiring, a module's own type constraint); never text from a manifest. The
    ``hcl_expr`` template filter emits only these."""


def identifier(name: str) -> str:
    """A bare HCL identifier (a variable, attribute or block label), refused otherwise."""
    return _ident(name)


def terragrunt_ref(ref: Output) -> str:
    return f"dependency.{dependency_label(ref.unit)}.outputs.{_ident(ref.name)}"


def dependency_label(unit: str) -> str:
    """A unit's name as an HCL label and identifier, the one mapping every generated reference to a
    unit uses (dependency blocks, plain-root module calls, test runs, diagram node ids): '-' becomes
    '_', and the '/' of preview units (``previews/<slug>``) becomes '__'."""
    return _ident(unit.replace("-", "_").replace("/", "__"))


def _ident(name: str) -> str:
    if not _IDENT.fullmatch(name):
        raise ValueError(f"not an HCL identifier: {name!r}")
    return name


#: printable ASCII without '"', '\\', '$' and '%': a string of only these needs no escape
_PLAIN_ASCII = re.compile(r"[ !#&-\[\]-~]*")


def encode_string(value: str) -> str:
    """A quoted HCL string. HCL normalises every string to Unicode NFC, so we do it first: what
    the file says is then exactly what Terraform reads (the loader normalises manifests too)."""
    if value.isascii() and _PLAIN_ASCII.fullmatch(value):
        return f'"{value}"'  # the common case: nothing to escape, and ASCII is already NFC
    value = unicodedata.normalize("NFC", value)
    out = ['"']
    i = 0
    n = len(value)
    while i < n:
        ch = value[i]
        nxt = value[i + 1] if i + 1 < n else ""
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch in "$%" and nxt == "{":
            # $${ and %%{ are HCL's escapes for a literal ${ and %{. python-hcl2 only accepts them
            # when a "}" follows later in the string; otherwise write the sigil as a \u escape,
            # which no HCL parser can read as the start of a template sequence.
            if "}" in value[i + 2:]:
                out.append(ch + ch + "{")
            else:
                out.append(("\\u0024" if ch == "$" else "\\u0025") + "{")
            i += 1
        elif unicodedata.category(ch) in _INVISIBLE_CATEGORIES:
            code = ord(ch)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(ch)
        i += 1
    out.append('"')
    return "".join(out)


def encode_key(key: str) -> str:
    if _IDENT.fullmatch(key) and key not in _KEYWORDS:
        return key
    return encode_string(key)


def encode(value: Any, ref: RefRenderer = terragrunt_ref, indent: str = "") -> str:
    """An HCL literal for ``value``; nested blocks of text are indented by two spaces a level."""
    if isinstance(value, Output):
        return ref(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"HCL has no literal for {value}")
        return repr(value) if value != int(value) else str(int(value))
    if isinstance(value, str):
        return encode_string(value)
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        inner = indent + "  "
        lines = [f"{inner}{encode_key(str(k))} = {encode(v, ref, inner)}" for k, v in value.items()]
        return "{\n" + "\n".join(lines) + f"\n{indent}}}"
    if isinstance(value, Sequence):
        items = [encode(v, ref, indent + "  ") for v in value]
        flat = "[" + ", ".join(items) + "]"
        if not items:
            return "[]"
        if len(flat) <= _SHORT_LIST and "\n" not in flat:
            return flat
        inner = indent + "  "
        return "[\n" + "".join(f"{inner}{item},\n" for item in items) + f"{indent}]"
    raise TypeError(f"cannot encode {type(value).__name__} as HCL")


# --- canonical layout -------------------------------------------------------------------------

_OPEN = "{[("
_CLOSE = "}])"


_SCAN_STOP = re.compile(r'[#/"<{}\[\]()=]')  # the characters _scan acts on; it jumps over the rest
_STRING_STOP = re.compile(r'[\\"$%}]')  # the same for the inside of a string literal
_HEREDOC = re.compile(r"<<-?[A-Za-z_]")


def _scan(line: str) -> tuple[int, int, int | None]:
    """For one line: (brackets closed before any opened, net bracket change, index of the assign '=').

    Skips string literals (with their escapes and interpolations). The assign '=' is the first
    bare '=' that is not part of '==', '!=', '<=', '>=' or '=>'.
    """
    depth = 0
    leading_close = 0
    seen_other = False
    assign: int | None = None
    i = 0
    n = len(line)
    while True:
        match = _SCAN_STOP.search(line, i)
        stop = match.start() if match else n
        if not seen_other and not line[i:stop].isspace() and stop > i:
            seen_other = True
        if match is None:
            break
        i = stop
        ch = line[i]
        if ch == "#" or line.startswith("//", i):
            break
        if ch == '"':
            i = _skip_string(line, i + 1)
            seen_other = True
            continue
        if ch == "<" and _HEREDOC.match(line, i):
            raise ValueError("heredocs are not supported in generated HCL; use jsonencode() or a list")
        if ch in _OPEN:
            depth += 1
            seen_other = True
        elif ch in _CLOSE:
            depth -= 1
            if not seen_other:
                leading_close += 1
        elif ch == "=":
            prev = line[i - 1] if i else ""
            nxt = line[i + 1] if i + 1 < n else ""
            if prev not in "=!<>" and nxt not in "=>" and assign is None and depth == 0:
                assign = i
            seen_other = True
        else:  # '/' or '<' that starts nothing
            seen_other = True
        i += 1
    return leading_close, depth, assign


def _skip_string(line: str, i: int) -> int:
    nesting = 0
    while True:
        match = _STRING_STOP.search(line, i)
        if match is None:
            raise ValueError(f"unterminated string in generated HCL: {line!r}")
        i = match.start()
        ch = line[i]
        if ch == "\\":
            i += 2
            continue
        if nesting == 0 and ch == '"':
            return i + 1
        if line.startswith("${", i) or line.startswith("%{", i):
            if i > 0 and line[i - 1] == line[i]:  # $${ / %%{ escape
                i += 2
                continue
            nesting += 1
            i += 2
            continue
        if nesting and ch == "}":
            nesting -= 1
        elif nesting and ch == '"':
            i = _skip_string(line, i + 1)
            continue
        i += 1


def canonicalize(text: str) -> str:
    """Re-indent by bracket depth and align '=' in runs of attribute lines, as terraform fmt does."""
    # Like terraform fmt (hclwrite): a line that opens brackets indents what follows by one level,
    # however many it opens; the line that closes them returns to that line's level.
    opened: list[int] = []  # brackets each still-open indenting line opened
    depth = 0
    rows: list[tuple[str, str | None, str]] = []  # (indent+lead, assign part or None, raw line)
    for raw in text.split("\n"):
        stripped = raw.strip()
        if not stripped:
            rows.append(("", None, ""))
            continue
        _, net, assign = _scan(stripped)
        if net < 0:
            closed = -net
            while closed > 0 and opened:
                if closed >= opened[-1]:
                    closed -= opened.pop()
                else:
                    opened[-1] -= closed
                    closed = 0
        indent = "  " * len(opened)
        if net > 0:
            opened.append(net)
        if assign is not None and assign > 0:
            rest = stripped[assign:]
            # the assign '=' is only taken at bracket depth 0, so what follows it changes the depth by `net`
            if net == 0:
                rows.append((indent + stripped[:assign].rstrip(), rest[1:].strip(), ""))
            else:
                rows.append((indent + _space_assign(stripped, assign), None, ""))
        else:
            rows.append((indent + stripped, None, ""))
        depth += net
        if depth < 0:
            raise ValueError("unbalanced brackets in generated HCL")
    if depth != 0:
        raise ValueError("unbalanced brackets in generated HCL")
    out: list[str] = []
    i = 0
    while i < len(rows):
        if rows[i][1] is None:
            out.append(rows[i][0])
            i += 1
            continue
        j = i
        while j < len(rows) and rows[j][1] is not None:
            j += 1
        width = max(_columns(r[0]) for r in rows[i:j])
        for lead, value, _ in rows[i:j]:
            pad = " " * (width - _columns(lead))
            out.append(f"{lead}{pad} = {value}" if value else f"{lead}{pad} =")
        i = j
    result = "\n".join(out)
    return result.rstrip("\n") + "\n"


def _columns(text: str) -> int:
    """Width as terraform fmt counts it: user-perceived characters (grapheme clusters)."""
    return len(text) if text.isascii() else len(_grapheme().findall(text))


@lru_cache(maxsize=1)
def _grapheme() -> Any:
    import regex  # only non-ASCII keys need it; keeps start-up fast

    return regex.compile(r"\X")


def _space_assign(stripped: str, assign: int) -> str:
    return stripped[:assign].rstrip() + " = " + stripped[assign + 1:].lstrip()
