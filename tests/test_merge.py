"""Merge rules (maps merge, lists and scalars replace) and provenance, as properties."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.merge import Layer, deep_merge, merge_layers
from generator.yamlload import Document

keys = st.sampled_from(["a", "b", "c", "d"])
scalars = st.one_of(st.integers(-5, 5), st.booleans(), st.text(max_size=3), st.none())
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(keys, inner, max_size=3)), max_leaves=8)
documents = st.dictionaries(keys, values, max_size=4)


def leaves(value, path=()):
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from leaves(item, path + (key,))
    else:
        yield path, value


def get(value, path):
    for part in path:
        value = value[part]
    return value


@given(documents, documents)
def test_every_leaf_of_the_override_wins(base, override):
    merged = deep_merge(base, override)
    for path, value in leaves(override):
        if path and value != {}:
            assert get(merged, path) == value


def replaced(base, override, path) -> bool:
    """Whether the override replaces ``path`` of base (or an ancestor of it) instead of merging into it."""
    for n in range(1, len(path) + 1):
        if not _has(override, path[:n]):
            return False
        if not (isinstance(get(override, path[:n]), dict) and isinstance(get(base, path[:n]), dict)):
            return True
    return False


@given(documents, documents)
def test_base_keys_survive_unless_replaced(base, override):
    merged = deep_merge(base, override)
    for path, value in leaves(base):
        if path and value != {} and not replaced(base, override, path):
            assert get(merged, path) == value


def _has(value, path):
    try:
        get(value, path)
        return True
    except (KeyError, TypeError, IndexError):
        return False


@given(documents)
def test_empty_layers_change_nothing_and_merging_is_idempotent(a):
    assert deep_merge(a, {}) == a
    assert deep_merge({}, a) == a
    assert deep_merge(a, a) == a


def test_lists_replace_and_maps_merge():
    base = {"vpc": {"cidr": "10.0.0.0/16", "azs": ["a", "b", "c"]}, "x": 1}
    override = {"vpc": {"azs": ["z"]}}
    assert deep_merge(base, override) == {"vpc": {"cidr": "10.0.0.0/16", "azs": ["z"]}, "x": 1}


@settings(max_examples=200)
@given(st.lists(documents, min_size=1, max_size=3))
def test_provenance_winner_holds_the_resolved_value(layers):
    docs = [Layer(["profile", "customer", "environment"][i], Document(f"f{i}.yaml", d, {}))
            for i, d in enumerate(layers)]
    merged = merge_layers(docs)
    expected = layers[0]
    for doc in layers[1:]:
        expected = deep_merge(expected, doc)
    assert merged.data == expected
    for path, value in leaves(merged.data):
        if not path or isinstance(value, dict):
            continue
        winner = merged.winner(path)
        assert winner is not None
        assert winner.value == value
        # the winner is the last layer that set this exact path
        setters = [i for i, d in enumerate(layers) if _has(d, path)]
        assert winner.file == f"f{setters[-1]}.yaml"


def test_provenance_records_every_layer_in_order():
    layers = [Layer("profile", Document("p.yaml", {"rds": {"size": 1}}, {("rds", "size"): 3})),
              Layer("customer", Document("c.yaml", {"rds": {"size": 2}}, {("rds", "size"): 7})),
              Layer("environment", Document("e.yaml", {"rds": {"other": 1}}, {}))]
    merged = merge_layers(layers)
    history = merged.provenance[("rds", "size")]
    assert [(s.file, s.line, s.value) for s in history] == [("p.yaml", 3, 1), ("c.yaml", 7, 2)]
