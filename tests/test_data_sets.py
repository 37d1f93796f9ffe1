"""Non-production data sets: the catalogue, `rds.restore_from_snapshot` and who may restore what."""

from __future__ import annotations

import re

import pygohcl
import pytest

from generator.errors import FgenError
from tests.support import REPO, edit_manifest, render_tree, unit_inputs

SANITISED = {"snapshot": "customer-x-prod-sanitised-2026-11-01", "source_environment": "prod", "sanitised": True}
RAW_PROD = {"snapshot": "arn:aws:rds:eu-west-1:222222222222:snapshot:customer-x-prod-2026-11-01",
            "source_environment": "prod", "sanitised": False}
DEV_DATA = {"snapshot": "customer-x-dev-fixtures", "source_environment": "dev", "sanitised": True}


def catalogue(project, **data_sets) -> None:
    edit_manifest(project, "customer-x", "customer.yaml", {"data_sets": data_sets})


def restore(project, env: str, name: str) -> None:
    edit_manifest(project, "customer-x", f"{env}.yaml", {"rds": {"restore_from_snapshot": name}})


def errors(project) -> str:
    with pytest.raises(FgenError) as exc:
        render_tree(project)
    return "\n".join(str(p) for p in exc.value.problems)


def line_of(project, file: str, needle: str) -> int:
    lines = (project.customers_dir / "customer-x" / file).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def test_without_a_data_set_the_database_starts_empty(project):
    tree = render_tree(project)
    for env in ("dev", "prod"):
        assert unit_inputs(tree, env, "rds")["snapshot_identifier"] is None


def test_dev_restores_a_sanitised_data_set_and_its_previews_get_their_own_database(project):
    catalogue(project, **{"prod-sanitised": SANITISED})
    restore(project, "dev", "prod-sanitised")
    tree = render_tree(project)
    assert unit_inputs(tree, "dev", "rds")["snapshot_identifier"] == SANITISED["snapshot"]
    assert unit_inputs(tree, "prod", "rds")["snapshot_identifier"] is None
    preview = next(p for p in tree if "/previews/" in p)
    database = pygohcl.loads(tree[preview])["inputs"]["database"]
    assert database["name"].startswith("game_feature_season_rewards")
    assert database["host"] == "dependency.rds.outputs.address"


def test_dev_may_not_use_unsanitised_data(project):
    catalogue(project, **{"prod-raw": RAW_PROD})
    restore(project, "dev", "prod-raw")
    line = line_of(project, "dev.yaml", "restore_from_snapshot")
    assert (f"customers/customer-x/dev.yaml:{line}: rds.restore_from_snapshot: data set 'prod-raw' is not "
            "sanitised") in errors(project)


def test_prod_can_never_restore_a_non_production_snapshot(project):
    catalogue(project, **{"dev-fixtures": DEV_DATA})
    restore(project, "prod", "dev-fixtures")
    line = line_of(project, "prod.yaml", "restore_from_snapshot")
    assert (f"customers/customer-x/prod.yaml:{line}: rds.restore_from_snapshot: production may only be restored "
            "from production data; data set 'dev-fixtures' comes from the non-production environment 'dev'"
            ) in errors(project)


def test_prod_restores_production_data(project):
    catalogue(project, **{"prod-raw": RAW_PROD})
    restore(project, "prod", "prod-raw")
    tree = render_tree(project)
    assert unit_inputs(tree, "prod", "rds")["snapshot_identifier"] == RAW_PROD["snapshot"]


def test_the_source_is_judged_by_its_profile_not_its_name(project):
    """An environment called 'staging' on the prod profile is production; one on dev is not."""
    catalogue(project, **{"staging-copy": {**DEV_DATA, "source_environment": "staging"}})
    edit_manifest(project, "customer-x", "customer.yaml", {"aws": {"accounts": {"staging": "333333333333"}}})
    edit_manifest(project, "customer-x", "staging.yaml", {"profile": "dev", "vpc": {"cidr": "10.130.0.0/16"}})
    restore(project, "prod", "staging-copy")
    assert "comes from the non-production environment 'staging'" in errors(project)


def test_unknown_data_set_gets_a_suggestion(project):
    catalogue(project, **{"prod-sanitised": SANITISED})
    restore(project, "dev", "prod-sanitized")
    assert "no data set 'prod-sanitized' under data_sets (did you mean 'prod-sanitised'?)" in errors(project)


def test_unknown_source_environment(project):
    catalogue(project, **{"qa-copy": {**DEV_DATA, "source_environment": "qa"}})
    restore(project, "dev", "qa-copy")
    assert "data_sets.qa-copy.source_environment: 'qa' is not an environment of this customer" in errors(project)


@pytest.mark.parametrize("snapshot", ["1starts-with-digit", "double--hyphen", "ends-", "arn:aws:rds:eu-west-1:1:snapshot:x",
                                      "has space"])
def test_bad_snapshot_identifiers_are_schema_errors(project, snapshot):
    catalogue(project, bad={**DEV_DATA, "snapshot": snapshot})
    message = errors(project)
    assert re.search(r"customers/customer-x/customer\.yaml:\d+: data_sets\.bad\.snapshot: .*neither a DB snapshot "
                     "identifier", message), message


def test_a_snapshot_in_another_region_must_be_copied_first(project):
    catalogue(project, far={**SANITISED, "snapshot": "arn:aws:rds:us-east-1:222222222222:snapshot:far-away"})
    restore(project, "dev", "far")
    assert "the snapshot is in us-east-1, the database in eu-west-1; copy it" in errors(project)


def test_rds_module_restores_encrypted_with_the_customer_key():
    main = pygohcl.loads((REPO / "templates/modules/rds_postgres/main.tf").read_text())
    db = main["resource"]["aws_db_instance"]["this"]
    assert db["snapshot_identifier"] == "var.snapshot_identifier"
    assert db["storage_encrypted"] is True and db["kms_key_id"] == "var.kms_key_arn"
    assert "var.snapshot_identifier == null" in db["db_name"] and "var.snapshot_identifier == null" in db["username"]
    variables = pygohcl.loads((REPO / "templates/modules/rds_postgres/variables.tf").read_text())["variable"]
    assert variables["snapshot_identifier"]["default"] is None
