"""The rendered tree: golden output, determinism, parallel renders, cross-unit checks, lint, CLI."""

from __future__ import annotations

import json
import shutil

from generator.cache import ParseCache
from generator.lint import lint_templates
from generator.plan import plan_customer
from generator.render import GENERATED_MARK
from generator.resolve import resolve_customer
from generator.validate import validate_tree
from tests.support import REPO, clone_customer, copy_repo, edit_manifest, render_tree


def test_committed_output_is_what_the_manifests_produce():
    """The golden tree: output/ in the repository equals a fresh render (`fgen render --all --check`)."""
    from generator.pipeline import Options, process_customer

    for customer in sorted(p.name for p in (REPO / "customers").iterdir() if p.is_dir()):
        result = process_customer(str(REPO), customer, Options(mode="check", use_cache=False))
        assert result.exit_code == 0, (result.missing, result.stale, result.extra, result.problems)


def test_render_is_deterministic(project):
    first = render_tree(project)
    assert render_tree(project) == first


def test_every_generated_file_says_it_is_generated_and_from_what(project):
    tree = render_tree(project)
    for path, text in tree.items():
        head = text.splitlines()[:2]
        assert GENERATED_MARK in head[0], path
        if path.endswith(".md"):
            assert head[0].startswith("<!-- ") and "Sources: customers/customer-x/customer.yaml" in head[0], path
        else:
            assert head[1].startswith("# Sources: "), path
    unit = tree["infra/environments/prod/vpc/terragrunt.hcl"].splitlines()[1]
    assert "customers/customer-x/customer.yaml" in unit and "customers/customer-x/prod.yaml" in unit
    assert "templates/profiles/prod/foundation.yaml" in unit and "dev.yaml" not in unit


def test_parallel_and_serial_renders_write_identical_trees(tmp_path):
    trees = []
    for jobs in (1, 2):
        project = copy_repo(tmp_path / f"jobs{jobs}")
        clone_customer(project, "customer-y", 0)
        from generator.pipeline import Options, run_customers

        results = run_customers(project, ["customer-x", "customer-y"], Options(), jobs=jobs)
        assert [r.exit_code for r in results] == [0, 0], [r.problems for r in results]
        trees.append({p.relative_to(project.output_dir).as_posix(): p.read_bytes()
                      for p in sorted(project.output_dir.rglob("*")) if p.is_file() and ".fgen" not in p.parts})
    assert trees[0] == trees[1] and len(trees[0]) > 10


def test_cache_gives_the_same_verdicts_as_no_cache_and_survives_corruption(project, fgen):
    assert fgen("render", "customer-x")[0] == 0
    assert fgen("render", "customer-x", "--check")[0] == 0  # fills and uses the cache
    cache_files = list(project.cache_dir.rglob("*.json"))
    assert cache_files
    for path in cache_files:
        path.write_text("{not json")
    assert fgen("render", "customer-x", "--check")[0] == 0
    unit = project.output_dir / "customer-x/infra/environments/dev/kms/terragrunt.hcl"
    unit.write_text(unit.read_text().replace("deletion_window_in_days = 7", "deletion_window_in_days = 8"))
    for flag in ([], ["--no-cache"]):
        code, out, _ = fgen("render", "customer-x", "--check", *flag)
        assert code == 1 and "stale    output/customer-x/infra/environments/dev/kms/terragrunt.hcl" in out


def test_identical_files_are_parsed_once_per_run(project):
    shutil.copytree(project.customers_dir / "customer-x", project.customers_dir / "customer-y")
    path = project.customers_dir / "customer-y" / "customer.yaml"
    path.write_text(path.read_text().replace("name: customer-x", "name: customer-y"))
    cache = ParseCache()
    for name in ("customer-x", "customer-y"):
        plan = plan_customer(project, resolve_customer(project, name))
        assert validate_tree({p: f.content for p, f in plan.files.items()}, f"output/{name}", cache) == []
    modules = [p for p in plan.files if p.startswith("infra/modules/")]
    assert cache.hits >= len(modules)


def test_a_clean_tree_is_not_checked_twice_and_a_changed_one_is(project):
    plan = plan_customer(project, resolve_customer(project, "customer-x"))
    tree = {p: f.content for p, f in plan.files.items()}
    assert validate_tree(tree, "output/customer-x", ParseCache(project.cache_dir)) == []
    again = ParseCache(project.cache_dir)
    assert validate_tree(tree, "output/customer-x", again) == [] and again.tree_hits == 1 and again.misses == 0
    vpc = "infra/environments/dev/vpc/terragrunt.hcl"
    edited = dict(tree, **{vpc: tree[vpc].replace("  az_count  ", "  azcount  ")})
    third = ParseCache(project.cache_dir)
    problems = [str(p) for p in validate_tree(edited, "output/customer-x", third)]
    assert third.tree_hits == 0 and any("declares no variable 'azcount'" in p for p in problems)
    # a tfvars file is part of the verdict too
    tfvars = "infra/environments/dev.tfvars"
    odd = dict(tree, **{tfvars: tree[tfvars] + "\nno_such_variable = 1\n"})
    assert any("no_such_variable" in str(p) for p in validate_tree(odd, "output/customer-x", ParseCache(project.cache_dir)))
    # problems are never remembered: the same broken tree is checked (and fails) again
    fourth = ParseCache(project.cache_dir)
    assert validate_tree(edited, "output/customer-x", fourth) and fourth.tree_hits == 0


# python-hcl2 rejects "$${" without a closing brace; Terraform's parser reads it as a literal "${"
ONLY_TERRAFORM_READS = 'note = "$${x"\n'


def test_the_second_parser_reports_what_only_python_hcl2_rejects(project):
    plan = plan_customer(project, resolve_customer(project, "customer-x"))
    tree = {p: f.content for p, f in plan.files.items()}
    path = "infra/config/dev.hcl"
    tree[path] += ONLY_TERRAFORM_READS
    assert validate_tree(tree, "output/customer-x", ParseCache()) == []
    problems = [str(p) for p in validate_tree(tree, "output/customer-x", ParseCache(second_parser=True))]
    assert len(problems) == 1 and problems[0].startswith(f"output/customer-x/{path}:")
    assert "does not parse: python-hcl2:" in problems[0]


def test_fgen_validate_parses_with_both_parsers(project, fgen):
    assert fgen("render", "customer-x")[0] == 0
    config = project.output_dir / "customer-x" / "infra" / "config" / "dev.hcl"
    config.write_text(config.read_text() + ONLY_TERRAFORM_READS)
    code, out, err = fgen("validate", "customer-x")
    assert code == 1 and "infra/config/dev.hcl" in out + err and "python-hcl2" in out + err
    assert fgen("render", "customer-x", "--strict-parse")[0] == 0  # rendering replaces the edited file
    assert fgen("validate", "customer-x")[0] == 0


# --- cross-unit checks: a tree broken on purpose fails with the right message ----------------------

def broken(project, path: str, old: str, new: str) -> list[str]:
    plan = plan_customer(project, resolve_customer(project, "customer-x"))
    tree = {p: f.content for p, f in plan.files.items()}
    assert old in tree[path], (old, tree[path])
    tree[path] = tree[path].replace(old, new)
    return [str(p) for p in validate_tree(tree, "output/customer-x", ParseCache())]


VPC = "infra/environments/dev/vpc/terragrunt.hcl"


def test_unknown_input_is_reported(project):
    assert "output/customer-x/infra/environments/dev/vpc/terragrunt.hcl: inputs.azcount: module vpc declares " \
           "no variable 'azcount'" in broken(project, VPC, "  az_count  ", "  azcount  ")


def test_missing_required_input_is_reported(project):
    problems = broken(project, VPC, "  az_count  ", "  azcount  ")
    assert any("inputs: module vpc requires variable 'az_count'" in p for p in problems)


def test_source_that_does_not_resolve_is_reported(project):
    problems = broken(project, VPC, "modules//vpc", "modules//vpcx")
    assert any("terraform.source: '../../../modules//vpcx' does not resolve to a module folder" in p for p in problems)


def test_dependency_on_a_missing_unit_is_reported(project):
    problems = broken(project, VPC, 'config_path = "../kms"', 'config_path = "../kmz"')
    assert any("dependency.kms: config_path '../kmz' is not a unit" in p for p in problems)


def test_output_the_module_does_not_declare_is_reported(project):
    problems = broken(project, VPC, "dependency.kms.outputs.key_arn", "dependency.kms.outputs.key_arnz")
    assert any("dependency.kms.outputs.key_arnz: module kms has no output 'key_arnz'" in p for p in problems)
    assert any("no mock for 'key_arnz'" in p for p in problems)


def test_missing_mock_is_reported(project):
    problems = broken(project, VPC, "    key_arn = ", "    key_arx = ")
    assert any("dependency.kms.mock_outputs: no mock for 'key_arn'" in p for p in problems)


def test_dependency_cycle_is_reported(project):
    plan = plan_customer(project, resolve_customer(project, "customer-x"))
    tree = {p: f.content for p, f in plan.files.items()}
    kms = "infra/environments/dev/kms/terragrunt.hcl"
    tree[kms] = tree[kms].replace("inputs = {", 'dependency "vpc" {\n  config_path = "../vpc"\n}\n\ninputs = {')
    problems = [str(p) for p in validate_tree(tree, "output/customer-x", ParseCache())]
    assert any("dependency cycle: kms -> vpc -> kms" in p or "dependency cycle: vpc -> kms -> vpc" in p
               for p in problems), problems


def test_unparseable_file_is_reported(project):
    problems = broken(project, VPC, "inputs = {", "inputs = {{")
    assert any("infra/environments/dev/vpc/terragrunt.hcl" in p and "does not parse" in p for p in problems)


# --- lint -------------------------------------------------------------------------------------------

def test_templates_pass_the_lint(project):
    assert lint_templates(project) == []


def test_an_expression_that_bypasses_the_encoder_fails_the_lint(project):
    template = project.templates_dir / "units" / "terragrunt.hcl.j2"
    template.write_text(template.read_text().replace("{{ unit.source | hcl }}", '"{{ unit.source }}"'))
    problems = [str(p) for p in lint_templates(project)]
    assert any(p.startswith("templates/units/terragrunt.hcl.j2:7:") and "without the encoder" in p for p in problems)


def test_a_template_no_render_reaches_is_reported(project):
    (project.templates_dir / "units" / "orphan.hcl.j2").write_text("x = {{ 1 | hcl }}\n")
    assert "templates/units/orphan.hcl.j2: no render reaches this template" in [str(p) for p in lint_templates(project)]


def test_a_template_that_fails_under_strict_undefined_is_reported(project):
    template = project.templates_dir / "config" / "environment.hcl.j2"
    template.write_text(template.read_text().replace("config.region | hcl", "config.regoin | hcl"))
    problems = [str(p) for p in lint_templates(project)]
    assert any("does not render" in p and "regoin" in p for p in problems), problems


# --- components switched off --------------------------------------------------------------------

def test_profile_defaults_reach_the_units(project):
    tree = render_tree(project)
    dev = tree["infra/environments/dev/vpc/terragrunt.hcl"]
    prod = tree["infra/environments/prod/vpc/terragrunt.hcl"]
    assert "nat_gateway_count       = 1" in dev and "az_count                = 2" in dev
    assert "nat_gateway_count       = 3" in prod and "az_count                = 3" in prod


# --- CLI ----------------------------------------------------------------------------------------

def test_list_shows_customers_environments_and_units(fgen):
    code, out, _ = fgen("list", "--format", "json")
    data = json.loads(out)
    assert code == 0
    envs = {e["name"]: e for e in data["customers"][0]["environments"]}
    assert set(envs) == {"dev", "prod"} and "vpc" in envs["prod"]["units"] and envs["prod"]["profile"] == "prod"


def test_schema_is_json_schema_with_descriptions(fgen):
    code, out, _ = fgen("schema")
    schema = json.loads(out)
    assert code == 0 and schema["title"] == "fgen manifest file"

    def keys(node):
        if isinstance(node, dict):
            for key, value in node.items():
                yield key
                yield from keys(value)
        elif isinstance(node, list):
            for value in node:
                yield from keys(value)

    assert "required" not in set(keys(schema))  # one file is one layer: nothing in it is required
    assert "vpc" in schema["properties"]
    resolved = json.loads(fgen("schema", "--resolved")[1])
    assert "customer" in resolved["required"]


def test_render_json_output_has_a_stable_shape(fgen):
    code, out, _ = fgen("render", "customer-x", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["command"] == "write" and data["exit_code"] == 0
    assert set(data["customers"][0]) >= {"customer", "status", "exit_code", "missing", "stale", "extra",
                                         "unmanaged", "problems", "files"}


def test_bad_arguments_exit_2(fgen):
    assert fgen("render")[0] == 2
    assert fgen("render", "../etc")[0] == 2
    code, _, err = fgen("render", "customer-z")
    assert code == 2 and "no customer 'customer-z'" in err
    assert fgen("render", "customer-x", "--all")[0] == 2
    assert fgen("render", "--all", "--env", "Bad/Env")[0] == 2


def test_validate_checks_the_committed_tree(fgen, project):
    code, _, err = fgen("validate", "customer-x")
    assert code == 1 and "no generated tree" in err
    fgen("render", "customer-x")
    assert fgen("validate", "--all")[0] == 0
    unit = project.output_dir / "customer-x/infra/environments/prod/kms/terragrunt.hcl"
    unit.write_text(unit.read_text().replace("  name ", "  nmae "))
    code, _, err = fgen("validate", "customer-x")
    assert code == 1 and "inputs.nmae: module kms declares no variable 'nmae'" in err


def test_env_filter_leaves_other_environments_alone(fgen, project):
    fgen("render", "customer-x")
    edit_manifest(project, "customer-x", "customer.yaml", {"logging": {"retention_days": 30}})
    edit_manifest(project, "customer-x", "prod.yaml", {"logging": {"retention_days": 400}})
    edit_manifest(project, "customer-x", "dev.yaml", {"vpc": {"cidr": "10.111.0.0/16"}})
    edit_manifest(project, "customer-x", "prod.yaml", {"vpc": {"cidr": "10.122.0.0/16"}})
    code, out, _ = fgen("render", "customer-x", "--env", "dev")
    assert code == 0
    tree = project.output_dir / "customer-x/infra/environments"
    assert "10.111.0.0/16" in (tree / "dev/vpc/terragrunt.hcl").read_text()
    assert "10.120.0.0/16" in (tree / "prod/vpc/terragrunt.hcl").read_text()
