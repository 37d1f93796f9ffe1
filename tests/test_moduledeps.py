"""Modules that call submodules or a shared sibling module: what a customer's tree must carry."""

from __future__ import annotations

from generator.moduledeps import module_dependencies, module_tf_files, with_dependencies
from generator.render import module_files
from tests.support import REPO

MODULES = REPO / "templates" / "modules"


def test_ecs_and_preview_call_the_shared_task_module():
    assert module_dependencies(MODULES, "ecs") == {"ecs_task"}
    assert module_dependencies(MODULES, "preview") == {"ecs_task"}
    assert module_dependencies(MODULES, "waf") == frozenset()  # its acl submodule travels inside it
    assert with_dependencies(MODULES, {"kms", "preview"}) == {"kms", "preview", "ecs_task"}


def test_dependencies_are_followed_transitively_and_outside_paths_ignored(tmp_path):
    for name, source in (("a", "../b"), ("b", "../c//sub"), ("c", "./modules/x"), ("d", "../../elsewhere")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "main.tf").write_text(f'module "m" {{\n  source = "{source}"\n}}\n')
    assert module_dependencies(tmp_path, "a") == {"b", "c"}
    assert module_dependencies(tmp_path, "d") == frozenset()


def test_module_files_carry_submodules_but_not_tests(project):
    names = [name for name, _ in module_files(project, "waf")]
    assert {"modules/acl/main.tf", "modules/acl/variables.tf", "modules/acl/outputs.tf",
            "modules/acl/versions.tf", "main.tf"} <= set(names)
    assert not any(n.startswith("tests/") for n in names)
    content = dict(module_files(project, "waf"))["modules/acl/main.tf"]
    assert "templates/modules/waf/modules/acl/main.tf (the same for every customer)" in content
    assert all("tests" not in p.parts for p in module_tf_files(MODULES / "ecs"))


def test_every_tree_with_a_preview_or_ecs_unit_carries_ecs_task(project):
    from tests.support import render_tree

    tree = render_tree(project)
    assert "infra/modules/ecs_task/main.tf" in tree
    assert "infra/modules/waf/modules/acl/main.tf" in tree


def test_tool_folders_are_not_looked_into_and_edits_are_seen(tmp_path):
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
    (tmp_path / "a" / "main.tf").write_text('module "m" {\n  source = "../b"\n}\n')
    cached = tmp_path / "a" / ".terraform" / "modules" / "m"  # a `terraform init` in templates/modules/a
    cached.mkdir(parents=True)
    (cached / "main.tf").write_text('module "n" {\n  source = "../../../../c"\n}\n')
    (tmp_path / "a" / ".terragrunt-cache" / "x").mkdir(parents=True)
    (tmp_path / "a" / ".terragrunt-cache" / "x" / "main.tf").write_text("")
    assert module_tf_files(tmp_path / "a") == [tmp_path / "a" / "main.tf"]
    assert module_dependencies(tmp_path, "a") == {"b"}
    (tmp_path / "a" / "main.tf").write_text('module "m" {\n  source = "../c"\n}\n')
    assert module_dependencies(tmp_path, "a") == {"c"}
