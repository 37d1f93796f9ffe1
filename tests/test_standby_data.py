"""The warm standby's data tier (issue 17): the database is a cross-region read replica of the
primary's until promoted, the cache joins the primary's ElastiCache Global Datastore where AWS
allows it (else an empty cache that warms up), with the assertions `validate --terraform` runs."""

from __future__ import annotations

import re

import pytest

from generator.components import BY_NAME
from generator.components.data import global_datastore_refusal
from generator.estate_names import inventory
from generator.hcl import Output
from generator.resolve import resolve_customer
from generator.tfassert import unit_runs
from tests.support import copy_repo, edit_manifest, parsed, render_tree, unit_inputs

RDS, REDIS = BY_NAME["rds"], BY_NAME["redis"]
STANDBY_RDS = "infra/environments/prod/standby/rds/terragrunt.hcl"
STANDBY_REDIS = "infra/environments/prod/standby/redis/terragrunt.hcl"


def prod(project):
    """customer-x's prod context (the primary; its standby is ``.standby_env``)."""
    return next(env for env in resolve_customer(project, "customer-x").environments if env.name == "prod")


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """The example as shipped: customer-x prod with a warm standby in eu-central-1, not promoted."""
    project = copy_repo(tmp_path_factory.mktemp("standby-data"))
    return project, render_tree(project)


@pytest.fixture(scope="module")
def promoted(tmp_path_factory):
    project = copy_repo(tmp_path_factory.mktemp("standby-promoted"))
    edit_manifest(project, "customer-x", "prod.yaml", {"standby": {"promoted": True}})
    return project, render_tree(project)


@pytest.fixture(scope="module")
def no_standby(tmp_path_factory):
    project = copy_repo(tmp_path_factory.mktemp("standby-off"))
    edit_manifest(project, "customer-x", "prod.yaml", {"standby": {"enabled": False}})
    return project, render_tree(project)


# --- RDS: a cross-region read replica of the primary ------------------------------------------------


def test_standby_rds_replicates_the_primary_by_arn_with_its_own_regions_key(shipped):
    project, tree = shipped
    inputs = unit_inputs(tree, "prod", "standby/rds")
    assert inputs["replicate_source_db"] == "dependency.rds.outputs.db_instance_arn"
    assert inputs["replicate"] is True  # known at plan time, unlike the ARN
    assert inputs["kms_key_arn"] == "dependency.standby__kms.outputs.key_arn"
    assert inputs["subnet_ids"] == "dependency.standby__vpc.outputs.database_subnet_ids"
    assert inputs["security_group_ids"] == ["dependency.standby__security_groups.outputs.rds_security_group_id"]
    deps = parsed(tree, STANDBY_RDS)["dependency"]
    assert deps["rds"]["config_path"] == "../../rds"  # the primary region's unit
    assert deps["standby__kms"]["config_path"] == "../kms"  # the standby region's key
    # single-AZ, no read replicas of its own and nothing restored: its data is the primary's
    assert (inputs["multi_az"], inputs["read_replica_count"], inputs["snapshot_identifier"]) == (False, 0, None)
    assert inputs["identifier"] == "customer-x-prod-sb-postgres"

    standby = prod(project).standby_env
    model = RDS.inputs(standby)
    assert model["replicate_source_db"] == Output("rds", "db_instance_arn")
    assert model["kms_key_arn"] == Output("standby/kms", "key_arn")
    assert standby.region == "eu-central-1"


def test_primary_rds_is_unchanged_by_the_standby(shipped, no_standby):
    assert unit_inputs(shipped[1], "prod", "rds") == unit_inputs(no_standby[1], "prod", "rds")
    assert "replicate_source_db" not in unit_inputs(shipped[1], "prod", "rds")


def test_promoted_standby_rds_is_a_standalone_primary(promoted):
    project, tree = promoted
    inputs = unit_inputs(tree, "prod", "standby/rds")
    assert "replicate_source_db" not in inputs and "replicate" not in inputs
    assert "rds" not in parsed(tree, STANDBY_RDS)["dependency"]  # no dependency on the primary region
    assert (inputs["multi_az"], inputs["read_replica_count"], inputs["final_snapshot"]) == (True, 1, True)
    assert inputs["backup_retention_period"] == 14
    assert "infra/environments/prod/rds/terragrunt.hcl" not in tree  # the primary region's database left


def test_promoted_backup_protects_what_lives_in_the_standby_region(promoted):
    project, tree = promoted
    inputs = unit_inputs(tree, "prod", "standby/backup")
    assert inputs["db_instance_arn"] == "dependency.standby__rds.outputs.db_instance_arn"
    # the primary's assets replica in eu-central-1, named by the manifest: no dependency on the primary region
    assert inputs["bucket_arn"] == "arn:aws:s3:::customer-x-prod-assets-dr-222222222222"
    assert inputs["back_up_bucket"] is True
    deps = parsed(tree, "infra/environments/prod/standby/backup/terragrunt.hcl")["dependency"]
    assert all(label.startswith("standby__") for label in deps), sorted(deps)


def test_replica_backups_follow_what_rds_allows_on_postgresql_replicas(tmp_path):
    project = copy_repo(tmp_path / "repo")
    edit_manifest(project, "customer-x", "prod.yaml", {"rds": {"engine_version": "13.15"}})
    standby = prod(project).standby_env
    assert RDS.summary(standby)["PostgreSQL backups (days)"] == "none (PostgreSQL before 14.1)"
    asserted = {a.condition for a in RDS.assertions(standby)}
    assert "aws_db_instance.this.backup_retention_period == 0" in asserted


# --- assertions -------------------------------------------------------------------------------------


def test_replica_assertions_name_the_primarys_arn_and_the_standby_key(shipped):
    standby = prod(shipped[0]).standby_env
    asserted = {a.condition for a in RDS.assertions(standby)}
    assert "aws_db_instance.this.replicate_source_db == run.rds.db_instance_arn" in asserted
    assert "aws_db_instance.this.kms_key_id == run.standby__kms.key_arn" in asserted
    assert "aws_db_instance.this.manage_master_user_password == null && aws_db_instance.this.password == null" \
        in asserted
    assert not any("multi_az" in c or "skip_final_snapshot" in c for c in asserted)


def test_promoted_assertions_require_no_source(promoted):
    standby = prod(promoted[0]).standby_env
    asserted = {a.condition for a in RDS.assertions(standby)}
    assert "aws_db_instance.this.replicate_source_db == null" in asserted
    assert "aws_db_instance.this.multi_az == true" in asserted
    assert not any("run.rds." in c for c in asserted)


def test_validate_runs_the_standby_units_assertions(shipped):
    """tfassert evaluates standby/<c> units with their component's assertions in the standby context."""
    runs = {run.unit.name: run for run in unit_runs(prod(shipped[0]))}
    assert {"standby/rds", "standby/redis", "standby/kms"} <= set(runs)
    assert runs["standby/rds"].label == "standby__rds"
    conditions = {a.condition for a in runs["standby/rds"].assertions}
    assert "aws_db_instance.this.replicate_source_db == run.rds.db_instance_arn" in conditions
    assert any("global_replication_group_id == run.redis.global_replication_group_id" in a.condition
               for a in runs["standby/redis"].assertions)
    # the primary's own units keep their primary assertions
    assert "aws_db_instance.this.multi_az == true" in {a.condition for a in runs["rds"].assertions}


# --- Redis: Global Datastore where AWS allows it ------------------------------------------------------


def test_eligible_cache_founds_and_joins_a_global_datastore(shipped):
    project, tree = shipped
    assert unit_inputs(tree, "prod", "redis")["global_datastore_suffix"] == "customer-x-prod"
    inputs = unit_inputs(tree, "prod", "standby/redis")
    assert inputs["global_replication_group_id"] == "dependency.redis.outputs.global_replication_group_id"
    assert inputs["join_global_datastore"] is True
    assert inputs["kms_key_arn"] == "dependency.standby__kms.outputs.key_arn"
    assert parsed(tree, STANDBY_REDIS)["dependency"]["redis"]["config_path"] == "../../redis"
    assert inputs["name"] == "customer-x-prod"  # ElastiCache ids are regional: the primary's name, in eu-central-1
    env = prod(project)
    assert global_datastore_refusal(env) is None
    assert REDIS.summary(env.standby_env)["Cache warm standby"].startswith(
        "Global Datastore: eu-central-1 is a read-only secondary of eu-west-1")
    assert "| Cache warm standby |" in tree["README.md"]
    primary_asserts = {a.condition for a in REDIS.assertions(env)}
    assert "length(aws_elasticache_global_replication_group.this) == 1" in primary_asserts


def test_burstable_nodes_fall_back_to_an_empty_cache_that_warms_up(tmp_path):
    project = copy_repo(tmp_path / "repo")
    edit_manifest(project, "customer-x", "prod.yaml", {"redis": {"node_type": "cache.t4g.medium"}})
    tree = render_tree(project)
    assert "global_datastore_suffix" not in unit_inputs(tree, "prod", "redis")
    inputs = unit_inputs(tree, "prod", "standby/redis")
    assert "global_replication_group_id" not in inputs
    assert (inputs["engine"], inputs["node_type"]) == ("redis", "cache.t4g.medium")  # a cache of its own
    assert "redis" not in parsed(tree, STANDBY_REDIS)["dependency"]
    env = prod(project)
    fact = REDIS.summary(env)["Cache warm standby"]
    assert fact.startswith("empty cache in eu-central-1 that warms up after a failover")
    assert "cache.t4g.medium nodes cannot join a Global Datastore" in fact
    assert "length(aws_elasticache_global_replication_group.this) == 0" in {a.condition for a in REDIS.assertions(env)}


def test_region_without_global_datastore_is_refused(shipped):
    env = prod(shipped[0])
    standby = env.standby_env
    standby.manifest = standby.manifest.model_copy(
        update={"aws": standby.manifest.aws.model_copy(update={"region": "ap-southeast-6"})})
    assert global_datastore_refusal(env) == "ElastiCache Global Datastore is not offered in ap-southeast-6"


def test_promoted_cache_is_standalone_and_needs_no_primary(promoted):
    project, tree = promoted
    inputs = unit_inputs(tree, "prod", "standby/redis")
    assert "global_replication_group_id" not in inputs and "join_global_datastore" not in inputs
    assert (inputs["engine"], inputs["node_type"]) == ("redis", "cache.r7g.large")
    assert "redis" not in parsed(tree, STANDBY_REDIS)["dependency"]
    assert "infra/environments/prod/redis/terragrunt.hcl" not in tree
    fact = REDIS.summary(prod(project).standby_env)["Cache warm standby"]
    assert "failover-global-replication-group" in fact and "disassociate-global-replication-group" in fact


# --- names and customers without a standby --------------------------------------------------------------


def test_standby_names_live_in_the_standby_region(shipped):
    customer = resolve_customer(shipped[0], "customer-x")
    claims = [c for c in inventory([customer]) if c.env.is_standby]
    rds = {c.resource.name: c.region for c in claims if c.resource.kind == "RDS DB instance"}
    assert rds == {"customer-x-prod-sb-postgres": "eu-central-1"}  # no replicas of its own
    groups = {c.resource.name: c.region for c in claims if c.resource.kind == "ElastiCache replication group"}
    assert groups == {"customer-x-prod": "eu-central-1"}  # ElastiCache ids are regional: the primary's name
    suffixes = [c for c in inventory([customer]) if c.resource.kind == "ElastiCache Global Datastore suffix"]
    assert [(c.env.estate_name, c.resource.name) for c in suffixes] == [("prod", "customer-x-prod")]


def test_no_standby_renders_no_global_datastore_and_no_replica(no_standby, shipped):
    _, tree = no_standby
    assert not any("/standby/" in path for path in tree)
    assert "global_datastore_suffix" not in unit_inputs(tree, "prod", "redis")
    assert "replicate_source_db" not in unit_inputs(tree, "prod", "rds")
    assert "Cache warm standby" not in tree["README.md"]
    # dev never had a standby: its units are the same whether prod has one or not
    for unit in ("rds", "redis"):
        path = f"infra/environments/dev/{unit}/terragrunt.hcl"
        assert tree[path] == shipped[1][path]
        assert "global" not in tree[path] and "replicate_source_db" not in tree[path]


def test_validate_harness_mocks_the_standby_provider_in_its_region(shipped):
    """The plain root configures aws.standby once some environment has a standby: every environment's
    test must mock it (dev's standby modules are off, but the provider is still configured)."""
    from generator.terraform import environment_test_file

    env = prod(shipped[0])
    text = environment_test_file(env, {"aws_kms_key"}, None, {"aws_kms_key"}, standby=True)
    assert re.search(r'alias\s+= "standby"', text) and re.search(r'alias\s+= "known_standby"', text)
    assert re.search(r"aws\.standby\s+= aws\.standby\n", text)
    assert re.search(r"aws\.standby\s+= aws\.known_standby", text)
    standby_block = text[re.search(r'alias\s+= "standby"', text).start():].split("mock_provider")[0]
    assert '"eu-central-1a"' in standby_block and '"eu-west-1a"' not in standby_block  # the standby's zones
    without = environment_test_file(env, {"aws_kms_key"}, None, {"aws_kms_key"})
    assert "standby" not in without


def test_a_data_set_restores_the_primary_only(tmp_path):
    """A snapshot ARN is region-bound: the primary restores it, the standby replicates the primary."""
    project = copy_repo(tmp_path / "repo")
    edit_manifest(project, "customer-x", "customer.yaml", {"data_sets": {"prod-copy": {
        "snapshot": "arn:aws:rds:eu-west-1:222222222222:snapshot:customer-x-prod-2026-11-01",
        "source_environment": "prod", "sanitised": False}}})
    edit_manifest(project, "customer-x", "prod.yaml", {"rds": {"restore_from_snapshot": "prod-copy"}})
    tree = render_tree(project)
    assert unit_inputs(tree, "prod", "rds")["snapshot_identifier"].endswith(":snapshot:customer-x-prod-2026-11-01")
    standby = unit_inputs(tree, "prod", "standby/rds")
    assert standby["snapshot_identifier"] is None
    assert standby["replicate_source_db"] == "dependency.rds.outputs.db_instance_arn"
