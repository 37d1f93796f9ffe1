"""The HCL encoder (every value round-trips, nothing opens an interpolation) and the formatter."""

from __future__ import annotations

import subprocess
import unicodedata

import hcl2
import pygohcl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.hcl import Output, canonicalize, encode, encode_string

HOSTILE = ["${var.x}", "%{ if true }x%{ endif }", '"', "\\", "\\${", "$${", "a\nb", "\u202e", "\u200b", "\ufeff",
           "tab\there", "\r\n", "$", "%", "{", "}", "#", "//", "/*", "<<EOF", "\U0001F600", "é"]
text = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=40) | st.sampled_from(HOSTILE) | \
    st.lists(st.sampled_from(HOSTILE), max_size=6).map("".join)


# Keys that reach generated maps (tags, environment variables) are letters, digits and a few marks;
# terraform fmt aligns by grapheme clusters, whose edge cases (lone emoji modifiers) depend on the
# Unicode version of each implementation, so keys stay within what the schema admits.
KEYS = st.text(alphabet=st.characters(categories=["Lu", "Ll", "Lo", "Nd"]) | st.sampled_from("-_.:/ @"),
               min_size=1, max_size=12)


def roundtrip(value):
    return pygohcl.loads(f"x = {encode(value)}\n")["x"]


def nfc(value):
    """HCL normalises strings to NFC (and so does fgen's loader): that is the value that must survive."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {nfc(k): nfc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [nfc(v) for v in value]
    return value


@settings(max_examples=400)
@given(text)
def test_any_string_round_trips_through_terraforms_parser(value):
    assert roundtrip(value) == nfc(value)


@settings(max_examples=200)
@given(text)
def test_any_string_parses_with_python_hcl2_as_one_literal(value):
    encoded = encode_string(value)
    parsed = hcl2.loads(f"x = {encoded}\n")["x"]
    assert parsed == encoded  # python-hcl2 keeps the literal as written: one string, no expression


@given(text)
def test_no_interpolation_or_directive_survives(value):
    body = encode_string(value)[1:-1]
    i = 0
    while i < len(body):  # read as HCL's scanner does: left to right, "$${" and "%%{" are escapes
        if body.startswith(("$${", "%%{"), i):
            i += 3
            continue
        assert not body.startswith(("${", "%{"), i), (value, body)
        i += 2 if body[i] == "\\" else 1


@given(st.dictionaries(text, st.one_of(text, st.integers(-10**12, 10**12), st.booleans(), st.none(),
                                       st.lists(text, max_size=3)), max_size=5))
def test_maps_with_any_keys_round_trip(value):
    assert roundtrip(value) == nfc(value)


def test_invisible_characters_are_escaped_visibly():
    assert encode_string("a\u202eb\u200bc") == '"a\\u202eb\\u200bc"'


def test_scalars():
    assert encode(None) == "null"
    assert encode(True) == "true"
    assert encode(3) == "3"
    assert encode(2.5) == "2.5"
    assert encode([]) == "[]"
    assert encode({}) == "{}"
    with pytest.raises(ValueError):
        encode(float("nan"))
    with pytest.raises(TypeError):
        encode(object())


def test_keys_are_quoted_where_needed():
    assert encode({"plain": 1, "with space": 2, "true": 3, "a.b": 4}) == \
        '{\n  plain = 1\n  "with space" = 2\n  "true" = 3\n  "a.b" = 4\n}'


def test_outputs_become_references():
    assert encode(Output("vpc", "vpc_id")) == "dependency.vpc.outputs.vpc_id"
    assert encode([Output("vpc", "azs")]) == "[dependency.vpc.outputs.azs]"


def test_canonicalize_aligns_and_indents():
    text = 'a = 1\nlonger = {\nk = 1\nkk = "x"\n}\n\nb = [\n1,\n]\n'
    assert canonicalize(text) == 'a = 1\nlonger = {\n  k  = 1\n  kk = "x"\n}\n\nb = [\n  1,\n]\n'


def test_canonicalize_ignores_brackets_and_equals_in_strings():
    text = 'a = "{[ = ]}"\nbb = "${x == 1 ? "}" : "{"}"\n'
    assert canonicalize(text) == 'a  = "{[ = ]}"\nbb = "${x == 1 ? "}" : "{"}"\n'


@pytest.mark.terraform_bin
@settings(max_examples=25, deadline=None)
@given(st.dictionaries(KEYS, st.one_of(text, st.integers(), st.lists(text, max_size=4),
                                                                  st.dictionaries(text, text, max_size=3)),
                       min_size=1, max_size=6))
def test_encoded_and_canonicalized_inputs_are_what_terraform_fmt_writes(value):
    source = canonicalize(f"inputs = {encode(value)}\nother = 1\n")
    result = subprocess.run(["terraform", "fmt", "-"], input=source, capture_output=True, text=True,
                            env={"TF_CLI_CONFIG_FILE": "/dev/null", "PATH": "/usr/local/bin:/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout == source
