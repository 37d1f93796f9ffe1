"""The estate name check: names AWS requires unique across every customer and environment, and the
per-account quotas (generator/estate_names.py), on the example estates under tests/estates/names-*."""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.errors import InputError
from generator.estate_names import PREFIX_KIND, inventory, name_problems
from generator.estate_stage import load_estate
from generator.project import Project
from generator.resolve import Customer, resolve_customer
from generator.scaffold import scaffold_manifests
from tests.support import REPO, edit_manifest, estate_project

def estate(tmp_path: Path, shape: str | None) -> Project:
    return estate_project(tmp_path / "repo", shape)


def problems_of(project: Project) -> list[str]:
    try:
        load_estate(project, use_cache=False)
    except InputError as exc:
        return [str(p) for p in exc.problems]
    return []


# --- the example estates ------------------------------------------------------------------------------


def test_two_environments_inheriting_one_domain_are_refused(tmp_path, run):
    project = estate(tmp_path, "names-inherited-domain")
    code, out, err = run(project, "render", "--all")
    assert code == 2, (out, err)
    assert ("customers/shop/customer.yaml:16: dns.domain: CloudFront alias 'shop.example.com' would be created by "
            "shop/qa (customers/shop/customer.yaml:16 `dns.domain`) and by shop/dev "
            "(customers/shop/customer.yaml:16 `dns.domain`), but it is unique across all of AWS (the second apply "
            "would fail with CNAMEAlreadyExists); set `dns.domain` in customers/shop/qa.yaml "
            "(e.g. qa.shop.example.com)") in err
    assert err.count("error:") == 1
    assert not project.output_dir.exists()


def test_the_same_estate_with_a_domain_per_environment_renders(tmp_path, run):
    project = estate(tmp_path, "names-shared-account")
    code, out, err = run(project, "render", "--all")
    assert code == 0, (out, err)
    assert (project.output_dir / "shop" / "infra" / "environments" / "qa" / "cdn" / "terragrunt.hcl").is_file()


def test_two_customers_in_one_account_and_region_render(tmp_path, run):
    project = estate(tmp_path, "names-two-customers")
    code, out, err = run(project, "render", "--all")
    assert code == 0, (out, err)
    assert {p.name for p in project.output_dir.iterdir()} >= {"alpha", "beta"}


def test_one_account_in_two_regions_renders(tmp_path, run):
    project = estate(tmp_path, "names-two-regions")
    assert problems_of(project) == []
    claims = inventory([resolve_customer(project, name) for name in ("north", "south")])
    iam = {c.scope_key for c in claims if c.resource.kind == "IAM role"}
    kms = {c.scope_key for c in claims if c.resource.kind == "KMS alias" and c.resource.region is None}
    assert iam == {("444444444444",)}  # IAM is per account: both regions' roles are compared with each other
    assert kms == {("444444444444", "eu-west-1"), ("444444444444", "us-east-1")}
    code, out, err = run(project, "render", "--all", "--check")
    assert code == 1 and "missing" in out  # nothing rendered yet, but no estate problem either
    assert "error:" not in err


def test_derived_names_shared_by_two_environments_are_one_problem(tmp_path, run):
    project = estate(tmp_path, "names-derived-collision")
    code, out, err = run(project, "render", "ab")  # rendering one customer checks the whole estate
    assert code == 2, (out, err)
    assert err.count("error:") == 1
    assert ("customers/ab-cd/customer.yaml:4: customer.name: ab-cd/game (customers/ab-cd/customer.yaml:4 "
            "`customer.name`, customers/ab-cd/game.yaml) and ab/cd (customers/ab/customer.yaml:4 `customer.name`, "
            "customers/ab/cd.yaml) would create the same 8 names") in err
    assert "IAM role 'ab-cd-game-auth-task'" in err and "rename a customer, an environment" in err
    assert not project.output_dir.exists()


def test_iam_names_are_compared_per_account_regional_names_per_region(tmp_path):
    """The derived-collision estate with ab-cd/game moved to us-east-1: IAM roles (per account) still
    collide, the alarms and the target group (per account and region) no longer do."""
    project = estate(tmp_path, "names-derived-collision")
    edit_manifest(project, "ab-cd", "game.yaml", {"aws": {"region": "us-east-1"}})
    edit_manifest(project, "ab-cd", "customer.yaml", {"dns": {"certificate_arn": "arn:aws:acm:us-east-1:555555555555:"
                                                              "certificate/00000000-0000-4000-8000-000000000000"}})
    problems = problems_of(project)
    assert len(problems) == 1
    assert "would create the same 2 names" in problems[0]
    assert "IAM role 'ab-cd-game-auth-execution', IAM role 'ab-cd-game-auth-task';" in problems[0]


def test_a_bucket_name_override_colliding_with_another_customers_default(tmp_path, run):
    project = estate(tmp_path, "names-two-customers")
    edit_manifest(project, "beta", "dev.yaml", {"assets": {"bucket_name": "alpha-dev-assets-333333333333"}})
    code, out, err = run(project, "render", "alpha")
    assert code == 2, (out, err)
    assert ("customers/beta/dev.yaml:4: assets.bucket_name: S3 bucket 'alpha-dev-assets-333333333333' would be "
            "created by beta/dev (customers/beta/dev.yaml:4 `assets.bucket_name`) and by alpha/dev "
            "(customers/alpha/dev.yaml, derived from its customer and environment names), but it is unique across "
            "all of AWS (the second apply would fail with BucketAlreadyExists); set `assets.bucket_name` in "
            "customers/beta/dev.yaml (e.g. beta-dev-assets-333333333333)") in err
    assert not project.output_dir.exists()


def test_cognito_domain_prefixes_are_unique_per_region_across_accounts(tmp_path):
    project = estate(tmp_path, "names-two-customers")
    edit_manifest(project, "alpha", "customer.yaml", {"aws": {"accounts": {"dev": "777777777777"}}})
    edit_manifest(project, "beta", "dev.yaml", {"identity": {"domain_prefix": "alpha-dev"}})
    problems = problems_of(project)
    assert problems == [
        "customers/beta/dev.yaml:4: identity.domain_prefix: Cognito domain prefix 'alpha-dev' would be created by "
        "beta/dev (customers/beta/dev.yaml:4 `identity.domain_prefix`) and by alpha/dev (customers/alpha/dev.yaml, "
        "derived from its customer and environment names), but it is unique per region across all AWS accounts "
        "(eu-west-1); set `identity.domain_prefix` in customers/beta/dev.yaml (e.g. beta-dev-players)"]


def test_a_derived_name_without_a_key_of_its_own_points_at_the_environment_file(tmp_path):
    """A cdn alias set explicitly in one environment and inherited in another: the inheriting one is told."""
    project = estate(tmp_path, "names-shared-account")
    edit_manifest(project, "shop", "dev.yaml", {"cdn": {"aliases": ["qa.shop.example.com"]},
                                                 "dns": {"domain": "shop.example.com"}})
    problems = problems_of(project)
    assert len(problems) == 1
    assert problems[0].startswith("customers/shop/qa.yaml:")
    assert "CloudFront alias 'qa.shop.example.com'" in problems[0]
    assert "set `dns.domain` in customers/shop/qa.yaml" in problems[0]



def test_validate_checks_the_estate_too(tmp_path, run):
    project = estate(tmp_path, "names-inherited-domain")
    code, out, err = run(project, "validate", "--all")
    assert code == 2 and "CloudFront alias 'shop.example.com'" in err, (out, err)


def test_a_customer_that_does_not_resolve_makes_the_estate_unknown(tmp_path, run):
    project = estate(tmp_path, "names-two-customers")
    edit_manifest(project, "beta", "dev.yaml", {"vpc": {"cidrr": "10.0.0.0/16"}})
    code, out, err = run(project, "render", "alpha")  # beta's environments might collide with alpha's
    assert code == 2, (out, err)
    assert "customers/beta/dev.yaml:3: vpc.cidrr: unknown key 'cidrr'; did you mean 'cidr'?" in err
    assert not project.output_dir.exists()
    code, out, err = run(project, "render", "beta")  # beta's own render says why, as before
    assert code == 2 and "unknown key 'cidrr'" in err

# --- what is (not) in the inventory ----------------------------------------------------------------------


@lru_cache(maxsize=1)
def customer_x() -> Customer:
    return resolve_customer(Project(REPO), "customer-x")


def test_account_singletons_and_shared_repositories_are_not_collisions():
    claims = inventory([customer_x()])
    kinds = {c.resource.kind for c in claims}
    assert not {k for k in kinds if any(w in k for w in ("GuardDuty detector", "recorder", "Security Hub"))}
    assert {"S3 bucket", "CloudFront alias", "IAM role", "KMS alias", "CloudWatch log group", "ECR repository",
            "Cognito domain prefix", "SSM parameter path", "budget", PREFIX_KIND} <= kinds
    scopes = {c.resource.kind: c.resource.scope for c in claims}
    assert scopes["IAM role"] == "account" and scopes["S3 bucket"] == "global"
    assert scopes["Cognito domain prefix"] == "region" and scopes["KMS alias"] == "account-region"
    # the CloudFront web ACL's log group and resource policy live in us-east-1
    waf = [c for c in claims if c.resource.name == "aws-waf-logs-customer-x-prod-cloudfront"]
    assert [c.region for c in waf] == ["us-east-1"]


def _copy(env, customer: str, name: str, account: str):
    manifest = env.manifest
    aws = manifest.aws.model_copy(update={"accounts": {name: account}})
    return dataclasses.replace(env, customer=customer, name=name, manifest=manifest.model_copy(update={"aws": aws}))


def test_ecr_repositories_collide_only_between_customers(monkeypatch):
    dev = customer_x().environments[0]
    same_customer = Customer("customer-x", [_copy(dev, "customer-x", "dev", "1" * 12),
                                            _copy(dev, "customer-x", "qa", "1" * 12)])
    assert not [p for p in name_problems([same_customer]) if "ECR repository" in p.message]
    from generator.components.security import Ecr

    monkeypatch.setattr(Ecr, "repositories", lambda self, env: {"auth": "shared/auth"})
    other = Customer("other", [_copy(dev, "other", "dev", "1" * 12)])
    found = [p.message for p in name_problems([same_customer, other]) if "ECR repository 'shared/auth'" in p.message]
    assert len(found) == 1 and "other/dev" in found[0] and "customer-x/" in found[0]


def test_customer_x_alone_has_no_problem():
    assert name_problems([customer_x()]) == []


# --- the resource-name prefix -----------------------------------------------------------------------------

#: environment names in files cannot hold '-', so '<customer>-<env>' is unique for file-based estates;
#: the check still guards the prefix itself (contexts built in memory may use any name)
_customer_names = st.from_regex(r"[a-z][a-z0-9]{0,2}(-[a-z0-9]{1,2}){0,2}", fullmatch=True)
_env_names = st.from_regex(r"[a-z][a-z0-9]{0,2}(-[a-z0-9]{1,2}){0,1}", fullmatch=True)


@settings(max_examples=40)
@given(st.lists(st.tuples(_customer_names, _env_names), min_size=2, max_size=5, unique=True))
def test_shared_prefixes_are_always_reported_once(pairs):
    dev = customer_x().environments[0]
    by_customer: dict[str, list] = {}
    for customer, name in pairs:
        by_customer.setdefault(customer, []).append(_copy(dev, customer, name, "9" * 12))
    customers = [Customer(name, envs) for name, envs in by_customer.items()]
    problems = [p.message for p in name_problems(customers)]
    prefixes: dict[str, list[str]] = {}
    for customer, name in pairs:
        prefixes.setdefault(f"{customer}-{name}", []).append(f"{customer}/{name}")
    shared = {prefix: labels for prefix, labels in prefixes.items() if len(labels) > 1}
    reported = [m for m in problems if "share the resource-name prefix" in m]
    assert len(reported) == len(shared)
    for prefix, labels in shared.items():
        [message] = [m for m in reported if f"prefix '{prefix}'" in m]
        assert all(label in message for label in labels)
        # one clear problem: no other problem is about these environments alone
        assert not [m for m in problems if m is not message and all(label in m for label in labels)
                    and "would create the same" in m]


# --- quotas ---------------------------------------------------------------------------------------------


def _big_customer(project: Project, count: int, region: str) -> list[str]:
    envs = {f"e{i}": "dev" for i in range(1, count + 1)}
    files = scaffold_manifests("big", region, "big.example.com", "ops@big.example.com", envs,
                               account_ids={env: "666666666666" for env in envs})
    folder = project.customers_dir / "big"
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return list(envs)


def test_quotas_of_one_account_and_region(tmp_path, run):
    project = estate(tmp_path, None)
    _big_customer(project, 6, "us-east-1")
    problems = problems_of(project)
    where = "customers/big/customer.yaml:19: aws.accounts.e6: "
    assert (where + "account 666666666666 (every region: the trails are multi-region): the estate would create 6 "
            "against the CloudTrail quota 'Trails per Region', which is 5 and cannot be raised") in problems[0]
    joined = "\n".join(problems)
    assert ("customers/big/customer.yaml:19: aws.accounts.e6: account 666666666666, us-east-1: the estate would "
            "create 6 against the Amazon VPC quota 'VPCs per Region' (L-F678F1CE), which is 5 (AWS default)") in joined
    assert "'EC2-VPC Elastic IPs' (L-0263D0A3), which is 5 (AWS default)" in joined
    assert "'NAT gateways per Availability Zone' (L-FE5A380F), which is 5 (AWS default)" in joined
    # every environment in us-east-1 logs both web ACLs there: 12 resource policies
    assert ("customers/big/customer.yaml:19: aws.accounts.e6: account 666666666666, us-east-1: the estate would "
            "create 12 against the CloudWatch Logs quota 'resource policies per Region', which is 10 and cannot be "
            "raised (big/e1 2, big/e2 2, big/e3 2, big/e4 2, big/e5 2, big/e6 2)") in joined
    assert "then state it with `aws.quotas.vpcs_per_region` in one of these environments' files" in joined
    assert len(problems) == 5
    code, out, err = run(project, "render", "--all")
    assert code == 2 and err.count("error:") == 5
    assert not project.output_dir.exists()


def test_raised_quotas_are_stated_in_the_manifest(tmp_path):
    project = estate(tmp_path, None)
    envs = _big_customer(project, 6, "eu-west-1")
    edit_manifest(project, "big", "e1.yaml", {"aws": {"quotas": {"vpcs_per_region": 10, "nat_gateways_per_az": 8,
                                                                 "elastic_ips_per_region": 6}}})
    edit_manifest(project, "big", f"{envs[-1]}.yaml", {"audit": {"enabled": False}})
    assert problems_of(project) == []
    edit_manifest(project, "big", "e1.yaml", {"aws": {"quotas": {"elastic_ips_per_region": 5}}})
    [problem] = problems_of(project)
    assert "'EC2-VPC Elastic IPs' (L-0263D0A3), which is 5 (AWS default)" in problem


# --- fgen new ---------------------------------------------------------------------------------------------


def test_scaffolded_customers_sharing_accounts_render(tmp_path, run):
    project = estate(tmp_path, None)
    for name in ("acme", "bolt"):
        code, out, err = run(project, "new", name, "--region", "eu-west-1", "--domain", f"{name}.example.com",
                             "--owner", f"ops@{name}.example.com", "--env", "dev", "--env", "qa=dev")
        assert code == 0, (out, err)
    accounts = {yaml.safe_load((project.customers_dir / name / "customer.yaml").read_text())["aws"]["accounts"]["dev"]
                for name in ("acme", "bolt")}
    assert len(accounts) == 1  # the placeholder accounts are shared: the estate check ran over both
    qa = yaml.safe_load((project.customers_dir / "acme" / "qa.yaml").read_text())
    assert qa["dns"]["domain"] == "qa.acme.example.com"
    assert ":000000000002:" in qa["dns"]["certificate_arn"] and qa["dns"]["cloudfront_certificate_arn"].startswith(
        "arn:aws:acm:us-east-1:000000000002:")
    # without a production environment the first one serves the customer's domain
    assert "dns" not in (yaml.safe_load((project.customers_dir / "acme" / "dev.yaml").read_text()) or {})
    code, out, err = run(project, "render", "--all", "--check")
    assert code == 0, (out, err)


def test_scaffold_gives_every_environment_but_the_first_production_one_its_own_domain():
    files = scaffold_manifests("acme", "eu-west-1", "acme.example.com", "o@acme.example.com",
                               {"dev": "dev", "prod": "prod", "prodeu": "prod"})
    assert "domain: acme.example.com" in files["customer.yaml"] and ":000000000002:" in files["customer.yaml"]
    assert "dns" not in yaml.safe_load(files["prod.yaml"])
    for env, account in (("dev", "000000000001"), ("prodeu", "000000000003")):
        dns = yaml.safe_load(files[f"{env}.yaml"])["dns"]
        assert dns["domain"] == f"{env}.acme.example.com" and f":{account}:" in dns["certificate_arn"]


def test_new_refuses_a_customer_that_collides_with_the_estate(tmp_path, run):
    project = estate(tmp_path, "names-two-customers")
    code, out, err = run(project, "new", "gamma", "--region", "eu-west-1", "--domain", "dev.alpha.example.com",
                         "--owner", "ops@gamma.example.com", "--env", "dev")
    assert code == 2, (out, err)
    assert "CloudFront alias 'dev.alpha.example.com'" in err
    assert not (project.customers_dir / "gamma").exists() and not project.output_dir.exists()


# --- the declared names are the names the trees create ------------------------------------------------------


def _inputs(env: str, unit: str) -> dict:
    import pygohcl

    path = REPO / "output" / "customer-x" / "infra" / "environments" / env / unit / "terragrunt.hcl"
    return pygohcl.loads(path.read_text())["inputs"]


def test_declared_names_match_the_committed_units_inputs():
    """Every name fgen computes in Python and hands a module is declared, with its kind."""
    declared: dict[tuple[str, str], set[str]] = {}
    for claim in inventory([customer_x()]):
        declared.setdefault((claim.env.name, claim.resource.kind), set()).add(claim.resource.name)
    for env in ("dev", "prod"):
        def has(kind: str, *names: str) -> None:
            missing = set(names) - declared.get((env, kind), set())
            assert not missing, f"{env}: {kind} {sorted(missing)} not declared by Component.names"

        has("S3 bucket", _inputs(env, "log_bucket")["bucket_name"], _inputs(env, "assets")["bucket_name"],
            _inputs(env, "audit")["bucket_name"])
        has("load balancer", _inputs(env, "alb")["name"])
        groups = _inputs(env, "alb")["target_groups"].values()
        has("target group", *[g["name"] for g in groups], *[g["green_name"] for g in groups if g.get("green_name")])
        services = _inputs(env, "ecs")["services"].values()
        has("IAM role", *[s["task_role_name"] for s in services], *[s["execution_role_name"] for s in services])
        has("CloudWatch log group", *[s["log_group_name"] for s in services])
        has("ECS cluster", _inputs(env, "ecs")["name"])
        has("Cognito domain prefix", _inputs(env, "identity")["domain_prefix"])
        has("CloudFront alias", *_inputs(env, "cdn")["aliases"])
        has("SNS topic", _inputs(env, "alerts")["name"])
        has("RDS DB instance", _inputs(env, "rds")["identifier"])
        has("ElastiCache replication group", _inputs(env, "redis")["name"])
        has("SSM parameter path", _inputs(env, "parameters")["path_prefix"] + "/")
        has("IAM policy", _inputs(env, "parameters")["read_policy_name"])
    prod = lambda unit: _inputs("prod", unit)  # noqa: E731
    assert prod("assets")["replica_bucket_name"] in declared[("prod", "S3 bucket")]
    assert {prod("assets")["replication_role_name"], prod("backup")["role_name"],
            prod("codedeploy")["service_role_name"]} <= declared[("prod", "IAM role")]
    assert prod("backup")["vault_name"] in declared[("prod", "Backup vault")]


#: the name expressions of the modules that Component.names mirrors (whitespace ignored): renaming one
#: in a module without updating the component's names() fails here
MODULE_NAMES = {
    "kms/main.tf": ['name="alias/${var.name}"'],
    "vpc/main.tf": ['name="/aws/vpc/${var.name}/flow-logs"'],
    "bastion/main.tf": ['name="${var.name}-bastion"'],
    "waf/main.tf": ['cloudfront_name="${var.name}-cloudfront"', 'name="alias/${local.cloudfront_name}-waf-logs"',
                    'scope="REGIONAL"', 'scope="CLOUDFRONT"'],
    "waf/modules/acl/main.tf": ['acl_name="${var.name}-${lower(var.scope)}"', 'name="aws-waf-logs-${local.acl_name}"',
                                'policy_name="${local.acl_name}-waf-logs"'],
    "cdn/main.tf": ['name="${var.name}-assets"', 'name="${var.name}-cdn-access"', 'name="${var.name}-cdn-access-s3"'],
    "rds_postgres/main.tf": ['"${var.identifier}-replica-${i+1}"', '"/aws/rds/instance/${pair[0]}/${pair[1]}"',
                             'log_exports=["postgresql","upgrade"]', 'name=var.identifier'],
    "redis/main.tf": ['name="/aws/elasticache/${var.name}/${each.key}"', 'user_id="${var.name}-default"',
                      'user_id="${var.name}-app"', 'user_group_id=var.name', 'replication_group_id=var.name',
                      'log_types=["slow-log","engine-log"]',
                      'name="${var.name}-${local.family}${var.cluster_mode_enabled?"-cluster":""}"'],
    "audit/main.tf": ['trail_name="${var.name}-trail"', 'name="/aws/cloudtrail/${var.name}"',
                      'name="${var.name}-cloudtrail-logs"', "is_multi_region_trail=true"],
    "budgets/main.tf": ['name="${var.name}-monthly"'],
    "dr/main.tf": ['name="alias/${var.name}-dr"'],
    "s3_assets/replication.tf": ['name="alias/${var.replica_bucket_name}"'],
    "threat_detection/main.tf": ['name="${var.name}-guardduty-findings"'],
    "monitoring/dashboard.tf": ["dashboard_name=var.name"],
    "ecs/main.tf": ["name=var.name", 'name="/ecs-exec/${var.name}"'],
    "codedeploy/main.tf": ["name=var.name"],
    "backup/main.tf": ["name=var.name", "name=var.vault_name"],
    "scaling_events/thresholds.tf": ["name=var.schedule_group_name"],
}


@pytest.mark.parametrize("module_file", sorted(MODULE_NAMES))
def test_module_names_are_the_ones_declared(module_file):
    text = "".join((REPO / "templates" / "modules" / module_file).read_text().split())
    for expression in MODULE_NAMES[module_file]:
        assert expression in text, f"{module_file}: {expression} changed; update Component.names"
