"""Hostile input: fuzzed manifests, hostile names and free text, secrets. fgen either renders a tree
that passes validation or exits 2 with a clean message; nothing else."""

from __future__ import annotations

import re

import pygohcl
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.cache import ParseCache
from generator.errors import FgenError, InputError
from generator.plan import plan_customer
from generator.project import check_customer_name
from generator.resolve import resolve_customer
from generator.secrets import PATTERNS, looks_like_secret
from generator.validate import validate_tree
from tests.support import REPO, copy_repo

SECTIONS = ["vpc", "kms", "assets", "logging", "services", "tags", "aws", "dns", "customer", "profile", "state"]
LEAVES = st.one_of(st.none(), st.booleans(), st.integers(-10, 100000), st.text(max_size=20),
                   st.sampled_from(["10.0.0.0/16", "eu-west-1", "per_az", "single", "ALL", "x@y.com"]),
                   st.lists(st.text(max_size=8), max_size=3))
KEYS = st.sampled_from(["cidr", "az_count", "nat_gateways", "retention_days", "deletion_window_days", "enabled",
                        "force_destroy", "auth", "port", "cpu", "memory", "region", "name", "unknown_key", "image_tag",
                        "min_tasks", "max_tasks", "lifecycle", "flow_logs", "traffic_type"])
VALUES = st.recursive(LEAVES, lambda inner: st.dictionaries(KEYS, inner, max_size=3), max_leaves=6)
MANIFESTS = st.dictionaries(st.sampled_from(SECTIONS), VALUES, max_size=3)


def outcome(project, file: str, data) -> str:
    path = project.customers_dir / "customer-x" / file
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    try:
        plan = plan_customer(project, resolve_customer(project, "customer-x"))
    except InputError as exc:
        assert exc.problems and all(str(p) for p in exc.problems)
        return "rejected"
    tree = {p: f.content for p, f in plan.files.items()}
    assert validate_tree(tree, "output/customer-x", ParseCache()) == []
    return "rendered"


@settings(max_examples=60)
@given(data=MANIFESTS, file=st.sampled_from(["dev.yaml", "prod.yaml"]))
def test_fuzzed_environment_files_render_validly_or_are_rejected_cleanly(tmp_path_factory, data, file):
    project = copy_repo(tmp_path_factory.mktemp("fuzz"))
    original = (project.customers_dir / "customer-x" / file).read_text()
    merged = yaml.safe_load(original) or {}
    merged.update(data)
    assert outcome(project, file, merged) in {"rendered", "rejected"}


@settings(max_examples=30)
@given(text=st.text(min_size=1, max_size=60))
def test_any_free_text_round_trips_into_the_generated_hcl(tmp_path_factory, text):
    project = copy_repo(tmp_path_factory.mktemp("text"))
    path = project.customers_dir / "customer-x" / "customer.yaml"
    data = yaml.safe_load(path.read_text())
    data["customer"]["display_name"] = text[:100]
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    try:
        plan = plan_customer(project, resolve_customer(project, "customer-x"))
    except InputError:
        return  # e.g. text that looks like a credential, or control characters YAML cannot hold
    unit = plan.files["infra/environments/prod/kms/terragrunt.hcl"].content
    loaded = yaml.safe_load(path.read_text())["customer"]["display_name"]
    import unicodedata

    expected = f"Encrypts {unicodedata.normalize('NFC', loaded)} (prod) data at rest"
    assert pygohcl.loads(unit)["inputs"]["description"] == expected


@pytest.mark.parametrize("name", ["../etc", "a/b", "/abs", ".hidden", "Customer-X", "x", "a" * 40, "-x", "x-",
                                  "customer-x\n", "..", "customer x"])
def test_names_that_could_escape_their_folder_are_refused(name):
    with pytest.raises(FgenError):
        check_customer_name(name)


def test_customer_folders_differing_only_by_case_are_refused(project, fgen):
    (project.customers_dir / "Customer-X").mkdir()
    code, _, err = fgen("render", "--all")
    assert code == 2 and "customers/Customer-X: not a valid customer name" in err


def test_environment_file_names_are_checked(project, fgen):
    (project.customers_dir / "customer-x" / "Prod.yaml").write_text("{}\n")
    code, _, err = fgen("render", "customer-x")
    assert code == 2 and "invalid environment name 'Prod'" in err


def test_manifest_symlinks_are_refused(project, fgen, tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text("vpc: {}\n")
    (project.customers_dir / "customer-x" / "staging.yaml").symlink_to(outside)
    code, _, err = fgen("render", "customer-x")
    assert code == 2 and "manifests may not be symbolic links" in err


@pytest.mark.parametrize("key,value", [
    ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
    ("aws_secret_access_key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("note", "-----BEGIN OPENSSH PRIVATE KEY-----"),
    ("api_token", "Zm9vYmFyYmF6cXV4MTIzNDU2"),
    ("url", "postgres://admin:hunter2@db.example.com/app"),
    ("x", "xoxb-123456789012-abcdefghijkl"),
])
def test_credentials_are_recognised(key, value):
    assert looks_like_secret(key, value)


@pytest.mark.parametrize("key,value", [
    ("certificate_arn", "arn:aws:acm:eu-west-1:111111111111:certificate/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"),
    ("display_name", "Customer X Fantasy Leagues"), ("kms_key", "alias/customer-x"), ("cidr", "10.0.0.0/16"),
    ("token_validity_hours", "24"), ("image_tag", "latest-approved"), ("owner_email", "team@example.com"),
    ("key", "customer-x/dev/plain-terraform.tfstate"),
])
def test_ordinary_values_are_not_mistaken_for_credentials(key, value):
    assert looks_like_secret(key, value) is None


def test_generated_files_contain_no_credentials():
    for path in sorted((REPO / "output").rglob("*")):
        if not path.is_file() or ".fgen" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for label, pattern in PATTERNS:
            assert not pattern.search(text), f"{path}: contains {label}"
        for literal in re.findall(r'"([^"\\]{12,})"', text):
            key_match = re.search(r'(\w+)\s*=\s*"' + re.escape(literal), text)
            key = key_match.group(1) if key_match else ""
            assert looks_like_secret(key, literal) is None, f"{path}: {key} = {literal!r} looks like a credential"
