"""Feature-branch previews: names, the rendered preview unit, the rules, and `fgen preview add/remove`."""

from __future__ import annotations

import posixpath
import re

import pygohcl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.components.application import target_group_name
from generator.components.preview import (MAIN_RULES_BASE, SLUG_MAX, branch_slug, default_rule_base,
                                          preview_db_name)
from generator.errors import FgenError
from generator.preview_edit import add_entry, remove_entry
from tests.support import REPO, edit_manifest, parsed, render_tree, unit_inputs

BRANCH = "feature/Season-Rewards"
SLUG = "feature-season-rewards-7b39fd"
UNIT = f"infra/environments/dev/previews/{SLUG}/terragrunt.hcl"
VALID_SLUG = re.compile(r"^[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]$|^[a-z]$")
branches = st.text(min_size=1, max_size=120)


# --- names ---------------------------------------------------------------------------------------


@given(branches)
def test_slug_is_a_valid_short_name(branch):
    slug = branch_slug(branch)
    assert VALID_SLUG.fullmatch(slug), slug
    assert len(slug) <= SLUG_MAX
    assert branch_slug(branch) == slug  # stable


@given(st.sets(branches, min_size=2, max_size=30))
def test_slug_is_injective_over_a_set_of_branches(names):
    slugs = [branch_slug(b) for b in names]
    assert len(set(slugs)) == len(slugs), dict(zip(names, slugs))


@pytest.mark.parametrize("a,b", [("feature/Foo", "feature-foo"), ("feature/foo", "feature-foo"),
                                 ("Fix--x", "fix-x"), ("a" * 40, "a" * 41), ("release_1.2", "release-1-2")])
def test_colliding_sanitisations_stay_apart(a, b):
    assert branch_slug(a) != branch_slug(b)


def test_clean_names_are_kept_and_others_hashed():
    assert branch_slug("feature-foo") == "feature-foo"
    assert branch_slug("feature/Foo").startswith("feature-foo-") and len(branch_slug("feature/Foo")) == 18
    assert branch_slug("123-hotfix").startswith("b-123-hotfix-")
    assert branch_slug(BRANCH) == SLUG


@given(branches, st.sampled_from(["auth", "game-logic", "a-very-long-service-name-xx"]), st.integers(1024, 65535))
def test_preview_target_group_names_fit_aws(branch, service, port):
    name = target_group_name(f"customer-x-dev-{branch_slug(branch)}", service, port)
    assert len(name) <= 32 and re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?", name), name


@given(st.sets(branches, min_size=2, max_size=20))
def test_preview_target_group_names_differ_between_branches(names):
    groups = {target_group_name(f"customer-x-dev-{branch_slug(b)}", "game-logic", 8080) for b in names}
    assert len(groups) == len(names)


@given(branches)
def test_preview_database_name_is_a_postgres_identifier(branch):
    name = preview_db_name("game", branch_slug(branch))
    assert re.fullmatch(r"[a-z][a-z0-9_]{0,62}", name), name
    assert name.startswith("game_")


@given(branches)
def test_rule_slot_lies_below_the_environment_rules(branch):
    base = default_rule_base(branch_slug(branch))
    assert 1000 <= base and base + 49 < MAIN_RULES_BASE


# --- the rendered unit ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tree():
    from tests.support import copy_repo
    import tempfile, pathlib

    with tempfile.TemporaryDirectory() as tmp:
        yield render_tree(copy_repo(pathlib.Path(tmp) / "repo"))


def test_customer_x_has_one_preview_in_dev_and_none_in_prod(tree):
    previews = sorted(p for p in tree if "/previews/" in p)
    assert previews == [UNIT]
    assert not any(p.startswith("infra/environments/prod/previews") for p in tree)


def test_preview_depends_on_dev_units_by_relative_paths(tree):
    body = parsed(tree, UNIT)
    folder = posixpath.dirname(UNIT)
    targets = {label: posixpath.normpath(posixpath.join(folder, dep["config_path"]))
               for label, dep in body["dependency"].items()}
    assert targets["alb"] == "infra/environments/dev/alb"
    assert targets["ecs"] == "infra/environments/dev/ecs"
    assert {"vpc", "security_groups", "kms", "rds", "redis"} <= set(targets)
    for target in targets.values():
        assert f"{target}/terragrunt.hcl" in tree
    assert body["terraform"]["source"] == "../../../../modules//preview"
    assert posixpath.normpath(posixpath.join(folder, "../../../../modules/preview")) == "infra/modules/preview"
    assert 'find_in_parent_folders("root.hcl")' in tree[UNIT]


def test_preview_inputs_route_its_host_to_branch_tagged_services(tree):
    inputs = unit_inputs(tree, "dev", f"previews/{SLUG}")
    assert inputs["host"] == f"{SLUG}.dev.customer-x.example.com"
    assert inputs["branch"] == BRANCH and inputs["expires"] == "2027-06-30"
    assert sorted(inputs["services"]) == ["game-logic", "leaderboard"]
    assert inputs["cluster_arn"] == "dependency.ecs.outputs.cluster_arn"
    assert inputs["listener_arn"] == "dependency.alb.outputs.https_listener_arn"
    assert inputs["database"]["name"] == f"game_{SLUG.replace('-', '_')}"
    dev_rules = {g["priority"] for g in unit_inputs(tree, "dev", "alb")["target_groups"].values()}
    for name, s in inputs["services"].items():
        assert s["image_tag"] == SLUG
        assert s["image"].endswith(f"/customer-x/{name}")
        assert len(s["target_group_name"]) <= 32
        assert s["log_group_name"] == f"/ecs/customer-x-dev/previews/{SLUG}/{name}"
        assert s["priority"] < min(dev_rules)  # evaluated before dev's path-only rules
        assert s["environment"]["PREVIEW_HOST"] == inputs["host"]
    assert len({s["priority"] for s in inputs["services"].values()}) == 2


def test_preview_services_reach_the_cache_like_dev_services(tree):
    """The cache takes TLS and IAM auth only: a preview needs the same connection as dev's services."""
    preview = unit_inputs(tree, "dev", f"previews/{SLUG}")["redis"]
    assert preview == unit_inputs(tree, "dev", "ecs")["redis"]
    assert preview["auth_mode"] == "iam" and preview["user_id"] == "dependency.redis.outputs.app_user_id"
    # the preview's tasks are dev's own: one ecs_task module, called by both with the same connection
    for module in ("preview", "ecs"):
        call = pygohcl.loads((REPO / f"templates/modules/{module}/main.tf").read_text())["module"]["task"]
        assert call["source"] == "../ecs_task" and call["redis"] == "var.redis" and call["database"] == "var.database"
    task = (REPO / "templates/modules/ecs_task/main.tf").read_text()
    assert 'Action   = ["elasticache:Connect"]' in task and "REDIS_TLS       = \"true\"" in task


def test_prod_rule_priorities_are_unchanged(tree):
    prod = unit_inputs(tree, "prod", "alb")["target_groups"]
    assert sorted(g["priority"] for g in prod.values()) == [10, 20, 30, 40]
    dev = unit_inputs(tree, "dev", "alb")["target_groups"]
    assert sorted(g["priority"] for g in dev.values()) == [45010, 45020, 45030, 45040]


def test_preview_module_adds_host_rules_to_the_dev_listener():
    main = pygohcl.loads((REPO / "templates/modules/preview/main.tf").read_text())
    rule = main["resource"]["aws_lb_listener_rule"]["this"]
    conditions = rule["condition"]
    assert {"host_header": {"values": ["var.host"]}} in conditions
    assert {"path_pattern": {"values": "each.value.path_patterns"}} in conditions
    assert rule["listener_arn"] == "var.listener_arn"
    service = main["resource"]["aws_ecs_service"]["this"]
    assert service["desired_count"] == 1 and service["cluster"] == "var.cluster_arn"
    assert service["enable_execute_command"] is False
    assert "aws_ecs_cluster" not in main["resource"] and "aws_lb" not in main["resource"]
    task = main["module"]["task"]
    assert task["description_qualifier"] == "preview" and task["tags"] == "local.tags"
    assert "enable_execute_command" not in task  # previews get no ECS Exec permissions either
    moved = {(m["from"], m["to"]) for m in main["moved"]}
    for address in ("aws_cloudwatch_log_group.service", "aws_iam_role.execution", "aws_iam_role_policy_attachment.execution",
                    "aws_iam_role_policy.execution", "aws_iam_role.task", "aws_iam_role_policy.task_redis",
                    "aws_ecs_task_definition.this"):
        assert (address, f"module.task.{address}") in moved  # previews applied before ecs_task keep their state


def test_the_tree_carries_the_task_module_the_preview_module_calls(tree):
    """``../ecs_task`` resolves in infra/modules/ (Terragrunt copies that folder whole, ``modules//preview``)."""
    assert "infra/modules/ecs_task/main.tf" in tree and "infra/modules/preview/main.tf" in tree
    assert 'source = "../ecs_task"' in tree["infra/modules/preview/main.tf"]


# --- rules ---------------------------------------------------------------------------------------


def render_error(project) -> str:
    with pytest.raises(FgenError) as exc:
        render_tree(project)
    return "\n".join(str(p) for p in exc.value.problems)


def test_prod_may_not_have_previews(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"previews": {"feature-x": {"expires": "2099-01-01"}}})
    message = render_error(project)
    assert re.search(r"customers/customer-x/prod\.yaml:\d+: previews: previews are for non-production", message)


def test_expired_preview_fails_and_says_how_to_remove_it(project, monkeypatch):
    monkeypatch.setenv("FGEN_NOW", "2027-07-01T00:00:00Z")
    message = render_error(project)
    assert "customers/customer-x/dev.yaml:" in message
    assert f"previews.{BRANCH}.expires: preview '{BRANCH}' expired on 2027-06-30" in message
    assert f"cd output/customer-x/infra/environments/dev/previews/{SLUG} && terragrunt destroy" in message
    assert f"fgen preview remove customer-x {BRANCH}" in message and "--allow-unit-removal" in message


def test_unknown_service_in_a_preview(project):
    edit_manifest(project, "customer-x", "dev.yaml", {"previews": {"x": {"expires": "2099-01-01",
                                                                          "services": ["chat"]}}})
    assert "previews.x.services: unknown or disabled service 'chat'" in render_error(project)


def test_rule_priority_collision_is_reported_with_a_free_slot(project):
    base = default_rule_base(SLUG)
    edit_manifest(project, "customer-x", "dev.yaml", {"previews": {"other": {"expires": "2099-01-01",
                                                                              "rule_priority": base}}})
    message = render_error(project)
    assert "collide with those of preview" in message and "rule_priority to a free slot, e.g." in message


def test_explicit_rule_priority_resolves_a_collision(project):
    base = default_rule_base(SLUG)
    free = base + 50 if base + 100 < MAIN_RULES_BASE else base - 50
    edit_manifest(project, "customer-x", "dev.yaml", {"previews": {"other": {"expires": "2099-01-01",
                                                                              "rule_priority": free}}})
    tree = render_tree(project)
    priorities = {s["priority"] for s in unit_inputs(tree, "dev", "previews/other")["services"].values()}
    assert min(priorities) >= free and max(priorities) < free + 50


def test_previews_need_an_internet_facing_load_balancer(project):
    edit_manifest(project, "customer-x", "dev.yaml", {"alb": {"ingress": "cloudfront"}})
    assert "alb.ingress: previews are reached at the load balancer" in render_error(project)


def test_listener_rule_quota(project):
    edit_manifest(project, "customer-x", "dev.yaml",
                  {"previews": {f"p{i}": {"expires": "2099-01-01", "rule_priority": 1000 + 50 * i}
                                for i in range(30)}})
    assert "more than the default quota of 100" in render_error(project)


# --- editing the manifest ------------------------------------------------------------------------

SAMPLE = """\
# top comment
vpc:
  cidr: 10.110.0.0/16   # keep me

previews:   # the previews
    keep/me:
        expires: 2099-01-01  # inner
    # about drop-me
    drop-me:
        services: [auth]
        expires: 2099-01-01
# trailing comment
dns:
  domain: "dev.example.com"
"""


def test_add_keeps_everything_else_and_follows_the_indentation():
    import datetime

    out = add_entry(SAMPLE, "dev.yaml", "Feature/New", ["auth"], datetime.date(2099, 2, 1), None)
    assert out.replace("    Feature/New:\n        services: [auth]\n        expires: 2099-02-01\n", "") == SAMPLE
    assert out.index("Feature/New") < out.index("# trailing comment")


def test_add_quotes_keys_yaml_would_misread():
    import datetime

    out = add_entry("vpc: {}\n", "dev.yaml", "yes", None, datetime.date(2099, 1, 1), None)
    assert '  "yes":\n' in out


def test_remove_takes_only_the_entry():
    out = remove_entry(SAMPLE, "dev.yaml", "drop-me")
    assert "drop-me" not in out and "services: [auth]" not in out
    assert out == SAMPLE.replace("    # about drop-me\n    drop-me:\n        services: [auth]\n"
                                 "        expires: 2099-01-01\n", "")
    assert remove_entry(SAMPLE, "dev.yaml", "keep/me") == SAMPLE.replace(
        "    keep/me:\n        expires: 2099-01-01  # inner\n", "")


def test_removing_the_last_entry_removes_the_section():
    text = "vpc:\n  cidr: 10.110.0.0/16\n\n# previews\npreviews:\n  a:\n    expires: 2099-01-01\n"
    assert remove_entry(text, "dev.yaml", "a") == "vpc:\n  cidr: 10.110.0.0/16\n"


def test_preview_round_trip_through_the_unit_removal_guard(project, fgen):
    dev = project.customers_dir / "customer-x" / "dev.yaml"
    original = dev.read_text()
    code, out, err = fgen("render", "customer-x")
    assert code == 0, err
    code, out, err = fgen("preview", "add", "customer-x", "Bug/JIRA-42", "--services", "auth",
                          "--expires", "2099-12-31")
    assert code == 0, err
    text = dev.read_text()
    assert text.startswith(original) and text[len(original):] == (
        "  Bug/JIRA-42:\n    services: [auth]\n    expires: 2099-12-31\n")
    slug = branch_slug("Bug/JIRA-42")
    folder = project.output_dir / "customer-x/infra/environments/dev/previews" / slug
    code, out, err = fgen("render", "customer-x")
    assert code == 0, err
    assert (folder / "terragrunt.hcl").is_file()

    code, out, err = fgen("preview", "remove", "customer-x", "Bug/JIRA-42")
    assert code == 0, err
    assert dev.read_text() == original
    assert f"cd output/customer-x/infra/environments/dev/previews/{slug} && terragrunt destroy" in out
    code, out, err = fgen("render", "customer-x")
    assert code == 1
    assert f"output/customer-x/infra/environments/dev/previews/{slug}: this render would remove the unit" in err
    assert f"`cd output/customer-x/infra/environments/dev/previews/{slug} && terragrunt destroy`" in err
    assert (folder / "terragrunt.hcl").is_file()  # refused: nothing removed
    code, out, err = fgen("render", "customer-x", "--allow-unit-removal")
    assert code == 0, err
    assert not folder.exists()


@pytest.mark.parametrize("args,message", [
    (["--services", "auth,chat"], "unknown or disabled service 'chat'"),
    (["--expires", "2099-13-01"], "not a date"),
    (["--expires", "2000-01-01"], "is in the past"),
    (["--services", "auth,auth"], "more than once"),
])
def test_preview_add_refuses_bad_input_and_writes_nothing(project, fgen, args, message):
    dev = project.customers_dir / "customer-x" / "dev.yaml"
    before = dev.read_bytes()
    code, out, err = fgen("preview", "add", "customer-x", "feature-y", *args)
    assert code == 2 and message in err, err
    assert dev.read_bytes() == before


def test_preview_add_refuses_a_duplicate_and_remove_an_unknown_branch(project, fgen):
    code, _, err = fgen("preview", "add", "customer-x", BRANCH)
    assert code == 2 and "exists already" in err
    code, _, err = fgen("preview", "remove", "customer-x", "no-such-branch")
    assert code == 2 and "no preview of branch 'no-such-branch'" in err


def test_preview_add_defaults_to_every_service_and_two_weeks(project, fgen, monkeypatch):
    monkeypatch.setenv("FGEN_NOW", "2027-01-01T00:00:00Z")
    code, _, err = fgen("preview", "add", "customer-x", "feature-z")
    assert code == 0, err
    tree = render_tree(project)
    inputs = unit_inputs(tree, "dev", "previews/feature-z")
    assert inputs["expires"] == "2027-01-15"
    assert sorted(inputs["services"]) == ["auth", "game-logic", "leaderboard", "realtime"]
