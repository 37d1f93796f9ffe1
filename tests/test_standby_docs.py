"""The warm standby in the generated docs and views: the RUNBOOK's promotion steps, the customer
README's diagrams and table of both regions, and `fgen graph`'s region clusters. Expected values
come from the components' own naming functions and the rendered units, never from literals, so
these tests follow the components when they change."""

from __future__ import annotations

import json
import re


from generator import standby_facts as facts
from generator.components import BY_NAME, CATALOGUE
from generator.docs import md, readme_view
from generator.render import Renderer
from generator.runbook import runbook_view
from generator.plan import plan_customer
from generator.resolve import Customer, resolve_customer
from generator.units import environment_units
from tests.support import edit_manifest, render_tree


def prod(project):
    return next(e for e in resolve_customer(project, "customer-x").environments if e.name == "prod")


def planned(project, path: str) -> str:
    """The generated README.md or RUNBOOK.md of customer-x, in memory (only the docs: the fixtures below
    add inputs no module declares)."""
    customer = resolve_customer(project, "customer-x")
    template, view = {"README.md": ("docs/customer-readme.md.j2", readme_view),
                      "RUNBOOK.md": ("docs/runbook.md.j2", runbook_view)}[path]
    return Renderer.for_project(project).render_text(template, customer.sources, **view(customer))






def section(runbook: str, env: str) -> str:
    text = runbook.split(f"### {env}: warm standby: promotion", 1)[1]
    return text.split("\n### ", 1)[0]


def in_order(text: str, markers: list[str]) -> None:
    at = -1
    for marker in markers:
        found = text.find(marker, at + 1)
        assert found > at, f"{marker!r} missing or out of order"
        at = found


# --- RUNBOOK ------------------------------------------------------------------------------------


def test_runbook_promotion_steps_in_order_with_this_customers_names(project):
    env = prod(project)
    standby = env.standby_env
    rds, ecs = BY_NAME["rds"], BY_NAME["ecs"]
    cluster = ecs.inputs(standby)["name"]
    full = {name: spec["min_tasks"] for name, spec in ecs.inputs(env)["services"].items()}
    text = section(planned(project, "RUNBOOK.md"), "prod")
    folder = "output/customer-x/infra/environments/prod/standby"
    in_order(text, [
        "1. Confirm and decide",
        f"--region {env.region} --db-instance-identifier {rds.identifier(env)}",
        f"aws rds promote-read-replica --region {standby.region} --db-instance-identifier {rds.identifier(standby)}",
        "standby:\n  promoted: true",
        "fgen render customer-x --allow-unit-removal",
        f"cd {folder}\nterragrunt run --all plan",
        "terragrunt run --all apply",
        "3. The services' database endpoint",
        "4. Scale the standby",
        *[f"aws ecs update-service --cluster {cluster} --service {name} --desired-count {count}"
          for name, count in full.items()],
        "5. The cache",
        "6. Confirm DNS and CloudFront",
        f"dig +short {BY_NAME['cdn'].origin_domain(env)}",
        f"--names {BY_NAME['alb'].inputs(standby)['name']}",
        "7. Re-protect",
        "terragrunt state rm",
        "Failover drill",
        "ReplicaLag",
    ])
    assert f"s3://{facts.state_bucket(env)}" in text and standby.region != env.region
    assert "is **not** a replica" not in text
    # the cache step says what this render does
    cache = text.split("5. The cache", 1)[1].split("6. Confirm", 1)[0]
    assert facts.global_datastore(env)  # r7g nodes in two regions that offer it
    assert f"--primary-replication-group-id {BY_NAME['redis'].inputs(standby)['name']}" in cache
    assert "disassociate-global-replication-group" in cache


def removed_units_named(text: str) -> set[str]:
    sentence = re.sub(r"\s+", " ", text.split("removes the primary region's units", 1)[1].split(": the removal", 1)[0])
    return {u.strip().replace("\\_", "_") for u in sentence.split(" from ")[0].split(",")}


def test_runbook_names_the_units_that_leave_the_primary_region(project):
    env = prod(project)
    text = section(planned(project, "RUNBOOK.md"), "prod")
    # the standby model's rule: every unit of the primary tree that is not shared or anchored leaves
    leaving = {c.name for c in CATALOGUE if env.renders(c.name) and c.leaves_on_promotion()}
    assert removed_units_named(text) == leaving and "rds" in leaving and "kms" not in leaving


def test_runbook_names_exactly_the_units_the_promoted_render_removes(project):
    env = prod(project)
    promotion = facts.promotion(env)
    text = section(planned(project, "RUNBOOK.md"), "prod")
    edit_manifest(project, "customer-x", "prod.yaml", {"standby": {"promoted": True}})
    after = prod(project)  # the real promoted render's units
    before_units = {u.name for u in environment_units(env)}
    after_units = {u.name for u in environment_units(after)}
    removed = {u for u in before_units - after_units if not u.startswith("standby/")}
    assert set(promotion.removed) == removed == removed_units_named(text) and removed
    assert set(promotion.added) == after_units - before_units


def test_runbook_state_keys_are_in_their_regions_bucket(project):
    env = prod(project)
    runbook = planned(project, "RUNBOOK.md")
    standby_keys = section(runbook, "prod").split("Standby state keys", 1)[1]
    assert f"s3://{facts.state_bucket(env)}, {env.standby_env.region}" in standby_keys
    assert "customer-x/prod/standby/rds/terraform.tfstate" in standby_keys
    primary_keys = runbook.split("### prod: recover Terraform state", 1)[1]
    assert "customer-x/prod/rds/terraform.tfstate" in primary_keys and "/standby/" not in primary_keys


def test_runbook_without_a_global_datastore_says_the_cache_warms_up(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"redis": {"node_type": "cache.t4g.medium"}})
    env = prod(project)
    assert facts.replicates_database(env) and not facts.global_datastore(env)
    text = section(planned(project, "RUNBOOK.md"), "prod")
    assert "aws rds promote-read-replica" in text
    cache = text.split("5. The cache", 1)[1].split("6. Confirm", 1)[0]
    assert "warms up" in cache and "failover-global-replication-group" not in cache


def test_promoted_standby_runbook_and_readme(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"standby": {"promoted": True}})
    tree = render_tree(project)
    text = section(tree["RUNBOOK.md"], "prod")
    assert "**is promoted**" in text and "promote-read-replica" not in text and "7. Re-protect" in text
    readme = tree["README.md"]
    assert "has been **promoted**" in readme
    assert f'{prod(project).standby_env.region} (standby, promoted)' in readme


def test_promoted_views_keep_only_the_standby_and_the_way_back(project):
    """The docs of a promoted environment (its contexts promoted in memory): no promotion steps left, the
    re-protect step with the old primary's names."""
    customer = resolve_customer(project, "customer-x")
    dev, env = customer.environments
    promoted = facts.promoted_copy(env)
    files = plan_customer(project, Customer(customer.name, [dev, promoted], customer.sources)).files
    text = section(files["RUNBOOK.md"].content, "prod")
    assert "**is promoted**" in text and "promote-read-replica" not in text and "1. Confirm" not in text
    in_order(text, ["7. Re-protect", f"--cluster {BY_NAME['ecs'].inputs(env)['name']} --service",
                    f"create-db-snapshot --db-instance-identifier {BY_NAME['rds'].identifier(env)}"])
    readme = files["README.md"].content
    part = readme.split("## Warm standby (prod", 1)[1].split("\n## ", 1)[0]
    diagram = mermaid_blocks(part)[0]
    assert "has been **promoted**" in part and "region_primary" not in diagram
    assert f"{env.standby_env.region} (standby, promoted)" in diagram and "cdn --> standby__alb" in diagram


# --- customer README ----------------------------------------------------------------------------


def mermaid_blocks(readme: str) -> list[str]:
    return re.findall(r"```mermaid\n(.*?)```", readme, re.S)


def test_readme_architecture_has_a_subgraph_per_region(project):
    env = prod(project)
    standby = env.standby_env
    readme = planned(project, "README.md")
    architecture = readme.split("## Architecture (prod)", 1)[1].split("```", 2)[1]
    assert f'subgraph region_primary["{env.region} (primary)"]' in architecture
    assert f'subgraph region_standby["{standby.region} (standby)"]' in architecture
    standby_part = architecture.split("subgraph region_standby", 1)[1].split("  end", 1)[0]
    for component in ("alb", "ecs", "rds", "redis"):
        assert f'standby__{component}["{BY_NAME[component].diagram_label}"]' in standby_part
    assert "standby__alb --> standby__ecs" in architecture


def test_readme_standby_section_diagram_and_table(project):
    env = prod(project)
    standby = env.standby_env
    readme = planned(project, "README.md")
    part = readme.split(f"## Warm standby (prod: {env.region} -> {standby.region})", 1)[1].split("\n## ", 1)[0]
    diagram = mermaid_blocks(part)[0]
    assert f'["{env.region} (primary)"]' in diagram and f'["{standby.region} (standby)"]' in diagram
    assert f'standby__alb["ALB {BY_NAME["alb"].inputs(standby)["name"]}"]' in diagram
    assert f'rds["RDS {BY_NAME["rds"].identifier(env)}"]' in diagram
    assert "rds -.->|cross-region read replica| standby__rds" in diagram
    architecture = readme.split("## Architecture (prod)", 1)[1].split("```", 2)[1]
    assert "rds -.->|replicates to| standby__rds" in architecture
    assert "users --> cdn" in diagram
    cache_edge = "redis -.->|Global Datastore| standby__redis"
    assert (cache_edge in diagram) == facts.global_datastore(env)
    assert (("origin_group -.->|failover| standby__alb" in diagram) == facts.origin_group(env))
    rows = dict(re.findall(r"^\| ([^|]+?) \| (.+?) \|$", part, re.M))
    assert rows["VPC CIDR"] == standby.manifest.vpc.cidr
    assert rows["Region"] == f"{standby.region} (primary: {env.region})"
    assert facts.state_bucket(env) in rows["Terraform state"]
    assert rows["Database"].startswith(BY_NAME["rds"].identifier(standby).replace("_", "\\_"))
    assert "cross-region read replica" in rows["Database"]
    assert "standby/rds" in rows["Units"]


def test_readme_shows_what_components_say_about_the_standby(project):
    env = prod(project)
    readme = planned(project, "README.md")
    part = readme.split("## Warm standby (prod", 1)[1].split("\n## ", 1)[0]
    summary = facts.standby_summary(env)
    assert summary["VPC CIDR"] == env.standby_env.manifest.vpc.cidr  # differs from the primary's
    for label, value in summary.items():
        assert f"| {md(label)} | {md(value)} |" in part, label


# --- fgen graph ---------------------------------------------------------------------------------


def test_graph_groups_units_by_region_with_the_cross_region_edge(fgen, project):
    env = prod(project)
    primary, standby = f"{env.region} (primary)", f"{env.standby_env.region} (standby)"
    code, dot, _ = fgen("graph", "customer-x", "--env", "prod", "--format", "dot")
    assert code == 0
    assert f'subgraph "cluster_primary" {{\n    label="{primary}";' in dot
    assert f'subgraph "cluster_standby" {{\n    label="{standby}";' in dot
    standby_cluster = dot.split('subgraph "cluster_standby"', 1)[1].split("  }", 1)[0]
    assert '"standby/rds";' in standby_cluster and '"rds";' not in standby_cluster
    assert '"standby/rds" -> "rds" [style=dashed];' in dot
    assert '"standby/ecs" -> "standby/rds";' in dot  # same region: solid
    code, mermaid, _ = fgen("graph", "customer-x", "--env", "prod", "--format", "mermaid")
    assert f'subgraph region_standby["{standby}"]' in mermaid and "standby__rds -.-> rds" in mermaid
    code, out, _ = fgen("graph", "customer-x", "--env", "prod", "--format", "json")
    data = json.loads(out)
    assert [g["title"] for g in data["regions"]] == [primary, standby]
    assert {"unit": "standby/rds", "depends_on": "rds"} in data["cross_region"]
    regions = {u["unit"]: u["region"] for u in data["units"]}
    assert regions["standby/rds"] == env.standby_env.region and regions["rds"] == env.region


def test_graph_dashes_exactly_the_edges_between_regions(fgen, project):
    units = environment_units(prod(project))
    role = {u.name: u.region_role for u in units}
    crossing = {(u.name, d.unit) for u in units for d in u.dependencies if role[u.name] != role[d.unit]}
    _, dot, _ = fgen("graph", "customer-x", "--env", "prod", "--format", "dot")
    dashed = set(re.findall(r'^  "([^"]+)" -> "([^"]+)" \[style=dashed\];$', dot, re.M))
    assert dashed == crossing and crossing


# --- without a standby --------------------------------------------------------------------------


def test_no_standby_no_standby_sections(project, fgen):
    edit_manifest(project, "customer-x", "prod.yaml", {"standby": {"enabled": False}})
    tree = render_tree(project)
    readme, runbook = tree["README.md"], tree["RUNBOOK.md"]
    assert "## Warm standby" not in readme and "subgraph" not in readme
    assert "warm standby" not in runbook.lower() and "standby/" not in runbook
    assert readme.count("```mermaid") == 3  # architecture, and the unit graph of each environment
    for fmt, marker in (("dot", "cluster_"), ("mermaid", "subgraph"), ("json", '"regions"')):
        code, out, _ = fgen("graph", "customer-x", "--env", "prod", "--format", fmt)
        assert code == 0 and marker not in out and "standby" not in out


def test_automatic_failover_is_drawn_and_described_from_the_edge_units(project):
    env = prod(project)
    assert facts.origin_group(env) and facts.dns_failover(env)
    readme, runbook = planned(project, "README.md"), planned(project, "RUNBOOK.md")
    diagram = mermaid_blocks(readme.split("## Warm standby (prod", 1)[1])[0]
    for edge in ("cdn --> origin_group", "origin_group -->|primary| alb", "origin_group -.->|failover| standby__alb",
                 "route53 -->|primary| alb", "route53 -.->|secondary| standby__alb"):
        assert edge in diagram, edge
    assert "Traffic fails over by itself: CloudFront's origin group" in readme
    text = section(runbook, "prod")
    assert "Traffic already fails over by itself (CloudFront's origin group" in text
    assert "CloudFront has no origin group" not in text and "failover records of" in text


def test_without_edge_failover_the_docs_say_traffic_does_not_move(tmp_path):
    """gamma (tests/estates/standby-crossed): no hosted zone (no failover records) and no read-only paths
    (no origin group), so nothing moves traffic to its standby but the operator."""
    from generator.estate_stage import resolve_in_estate
    from tests.support import estate_project

    project = estate_project(tmp_path, "standby-crossed")
    customer = resolve_in_estate(project, "gamma")
    assert not facts.automatic_failover(customer.environments[0])
    renderer = Renderer.for_project(project)
    readme = renderer.render_text("docs/customer-readme.md.j2", customer.sources, **readme_view(customer))
    runbook = renderer.render_text("docs/runbook.md.j2", customer.sources, **runbook_view(customer))
    assert "Traffic does not move to it by itself" in readme
    assert "Traffic does not fail over by itself in this render" in section(runbook, "prod")
