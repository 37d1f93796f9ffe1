"""The strict YAML loader: every bad input gives file:line and an InputError."""

from __future__ import annotations

import time

import pytest

from generator.errors import InputError
from generator.yamlload import MAX_FILE_BYTES, load_yaml, parse_yaml


def error(raw: bytes) -> str:
    with pytest.raises(InputError) as exc:
        parse_yaml(raw, "f.yaml")
    return str(exc.value)


def test_lines_are_recorded_for_every_key_and_item():
    doc = parse_yaml(b"a: 1\nb:\n  c:\n    - x\n    - y\n  d: z\n", "f.yaml")
    assert doc.data == {"a": 1, "b": {"c": ["x", "y"], "d": "z"}}
    assert doc.lines[("b", "c")] == 3
    assert doc.lines[("b", "c", 1)] == 5
    assert doc.lines[("b", "d")] == 6
    assert doc.line_of(("b", "missing", "deeper")) == 2


def test_duplicate_keys_are_errors():
    assert error(b"a: 1\nb: 2\na: 3\n") == "f.yaml:3: a: duplicate key (first set on line 1)"


def test_nested_duplicate_keys_are_errors():
    assert error(b"vpc:\n  cidr: 10.0.0.0/16\n  cidr: 10.1.0.0/16\n") == \
        "f.yaml:3: vpc.cidr: duplicate key (first set on line 2)"


def test_tabs_in_indentation_are_errors():
    assert error(b"vpc:\n\tcidr: x\n") == "f.yaml:2:1: tab used for indentation; YAML needs spaces"


def test_non_mapping_documents_are_errors():
    assert error(b"- a\n- b\n") == "f.yaml:1: the document must be a mapping of keys to values"
    assert error(b"just a string\n") == "f.yaml:1: the document must be a mapping of keys to values"


def test_non_utf8_is_an_error_with_its_line():
    assert error(b"a: 1\nb: \xff\xfe\n") == "f.yaml:2: not valid UTF-8 (byte 0xff at offset 8)"


def test_syntax_errors_have_line_and_column():
    message = error(b"a: [1, 2\nb: 3\n")
    assert message.startswith("f.yaml:2:") and "YAML syntax error" in message


def test_alias_bombs_are_refused_quickly():
    lines = [b"a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        lines.append(f"{name}: &{name} [{', '.join(['*' + prev] * 10)}]".encode())
    start = time.monotonic()
    message = error(b"\n".join(lines) + b"\n")
    assert time.monotonic() - start < 1.0
    assert "expands to more than" in message and message.startswith("f.yaml:")


def test_merge_keys_are_refused():
    assert "merge keys" in error(b"base: &b {x: 1}\nother:\n  <<: *b\n")


def test_non_string_keys_are_refused():
    assert error(b"1: a\n") == "f.yaml:1: keys must be strings, got 1"


def test_oversized_files_are_refused(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: " + b"x" * (MAX_FILE_BYTES + 1) + b"\n")
    with pytest.raises(InputError) as exc:
        load_yaml(path, "big.yaml")
    assert "over the 1000000-byte limit" in str(exc.value)


def test_empty_document_is_an_empty_mapping():
    assert parse_yaml(b"# only a comment\n", "f.yaml").data == {}
