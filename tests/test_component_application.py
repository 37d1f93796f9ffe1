"""Log bucket, ALB and ECS: module code, rendered units, toggles, naming, errors, terraform tests."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pygohcl
import pytest
import yaml

from generator.components import BY_NAME
from generator.components.application import (
    DEFAULT_SSL_POLICY,
    ELB_LOG_ACCOUNTS,
    SSL_POLICIES,
    alb_name,
    fit_name,
    target_group_name,
)
from generator.errors import FgenError
from generator.resolve import resolve_customer
from generator.schema.types import REGION_AZS
from generator.terraform import terraform_env
from tests.support import REPO, copy_repo, edit_manifest, render_tree, unit_inputs, line_of

MODULES = REPO / "templates" / "modules"
SERVICES = {"auth", "game-logic", "leaderboard", "realtime"}


def module_resources(module: str) -> dict[str, dict[str, Any]]:
    resources: dict[str, dict[str, Any]] = {}
    for path in sorted((MODULES / module).glob("*.tf")):
        for rtype, items in pygohcl.loads(path.read_text()).get("resource", {}).items():
            resources.setdefault(rtype, {}).update(items)
    return resources


def module_locals(module: str) -> dict[str, Any]:
    return pygohcl.loads((MODULES / module / "main.tf").read_text()).get("locals", {})


def render_error(project, customer: str = "customer-x") -> str:
    with pytest.raises(FgenError) as exc:
        render_tree(project, customer)
    return str(exc.value)


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> dict[str, str]:
    return render_tree(copy_repo(tmp_path_factory.mktemp("app")))


def profile(env: str, file: str) -> dict[str, Any]:
    return yaml.safe_load((REPO / "templates" / "profiles" / env / file).read_text())


# --- modules ------------------------------------------------------------------------------------


def test_ecs_services_have_no_public_ip_and_no_launch_type():
    service = module_resources("ecs")["aws_ecs_service"]["this"]
    network = service["network_configuration"]
    assert network["assign_public_ip"] is False
    assert network["subnets"] == "var.private_subnet_ids"
    assert "launch_type" not in service, "launch_type may not be combined with a capacity provider strategy"
    assert "FARGATE_SPOT" in service["capacity_provider_strategy"]["capacity_provider"]
    assert service["deployment_circuit_breaker"] == {"enable": True, "rollback": True}
    assert service["lifecycle"]["ignore_changes"] == ["desired_count"]
    assert service["propagate_tags"] == "SERVICE"


def test_ecs_task_definition_is_fargate_awsvpc():
    task = module_resources("ecs_task")["aws_ecs_task_definition"]["this"]
    assert task["network_mode"] == "awsvpc" and task["requires_compatibilities"] == ["FARGATE"]
    assert "jsonencode" in task["container_definitions"]
    assert module_resources("ecs_task")["aws_cloudwatch_log_group"]["service"]["kms_key_id"] == "var.kms_key_arn"


def test_execution_role_reads_only_below_the_service_parameter_path():
    text = (MODULES / "ecs_task" / "main.tf").read_text()
    assert 'Resource = "${var.ssm_parameter_arn_prefix}/${name}/*"' in text
    assert '"ssm:GetParameters"' in text and '"ssm:*"' not in text and "secretsmanager:*" not in text
    attachment = module_resources("ecs_task")["aws_iam_role_policy_attachment"]["execution"]
    assert attachment["policy_arn"].endswith(":iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
    # the task role gets policies only for ECS Exec and IAM authentication to the cache
    assert set(module_resources("ecs_task")["aws_iam_role_policy"]) == {"execution", "task_exec", "task_redis"}


def test_ecs_defines_its_tasks_with_the_shared_task_module_and_moves_their_state():
    main = pygohcl.loads((MODULES / "ecs" / "main.tf").read_text())
    call = main["module"]["task"]
    assert call["source"] == "../ecs_task" and call["services"] == "var.services"
    assert call["enable_execute_command"] == "var.enable_execute_command"
    assert "aws_ecs_task_definition" not in main["resource"] and "aws_iam_role" not in main["resource"]
    for resource in ("this", "blue_green"):
        service = main["resource"]["aws_ecs_service"][resource]
        assert service["task_definition"] == "module.task.task_definition_arns[each.key]"
        assert service["enable_execute_command"] == "module.task.execute_command[each.key]"
        assert "module.task" in service["depends_on"]  # the execution role's policies first
    moved = {(m["from"], m["to"]) for m in main["moved"]}
    addresses = [f"{rtype}.{name}" for rtype, names in module_resources("ecs_task").items() for name in names]
    assert len(addresses) == 8
    for address in addresses:  # trees applied before ecs_task keep their tasks and roles
        assert (address, f"module.task.{address}") in moved


def test_alb_module_listeners():
    resources = module_resources("alb")
    lb = resources["aws_lb"]["this"]
    assert lb["drop_invalid_header_fields"] is True and lb["internal"] is False
    assert lb["enable_deletion_protection"] == "var.deletion_protection"
    assert lb["access_logs"]["enabled"] is True
    https = resources["aws_lb_listener"]["https"]
    assert https["protocol"] == "HTTPS" and https["ssl_policy"] == "var.ssl_policy"
    assert https["default_action"]["fixed_response"]["status_code"] == "404"
    http = resources["aws_lb_listener"]["http"]
    assert http["port"] == 80
    assert http["default_action"]["redirect"] == {"protocol": "HTTPS", "port": "443", "status_code": "HTTP_301"}
    group = resources["aws_lb_target_group"]["this"]
    assert group["target_type"] == "ip" and group["protocol"] == "HTTP"
    assert group["stickiness"]["type"] == "lb_cookie"


def test_log_bucket_module_is_sse_s3_with_lifecycle():
    resources = module_resources("s3_logs")
    sse = resources["aws_s3_bucket_server_side_encryption_configuration"]["this"]["rule"]
    assert sse["apply_server_side_encryption_by_default"]["sse_algorithm"] == "AES256"
    rules = resources["aws_s3_bucket_lifecycle_configuration"]["this"]["rule"]
    assert all(rule["filter"] == {"prefix": ""} for rule in rules)
    assert rules[0]["abort_incomplete_multipart_upload"]
    text = (MODULES / "s3_logs" / "main.tf").read_text()
    for principal in ("logdelivery.elasticloadbalancing.amazonaws.com", "logging.s3.amazonaws.com"):
        assert principal in text
    assert "aws:SecureTransport" in text


@pytest.mark.parametrize("module", ["s3_logs", "alb", "ecs"])
def test_mock_outputs_cover_every_module_output(module):
    outputs = set(pygohcl.loads((MODULES / module / "outputs.tf").read_text())["output"])
    component = next(c for c in BY_NAME.values() if c.module == module)
    assert set(component.mock_outputs) == outputs


# --- naming -------------------------------------------------------------------------------------


def test_target_group_names_fit_and_are_deterministic():
    prefix = "a-very-long-customer-name-here-x-production"
    names = {target_group_name(prefix, s, 8080) for s in ("leaderboard", "leaderboard-v2", "auth")}
    assert len(names) == 3
    assert all(len(n) <= 32 and not n.startswith("-") and "--" not in n for n in names)
    assert target_group_name(prefix, "auth", 8080) == target_group_name(prefix, "auth", 8080)
    assert target_group_name(prefix, "auth", 8080) != target_group_name(prefix, "auth", 9090)
    assert fit_name("short", 32) == "short"
    long_name = fit_name("x" * 40, 32)
    assert len(long_name) == 32 and long_name != fit_name("x" * 41, 32)
    assert len(alb_name(prefix)) <= 32 and not alb_name("internal-stuff").startswith("internal-")


def test_long_customer_name_renders_valid_names(tmp_path):
    project = copy_repo(tmp_path)
    long = "fantasy-leagues-europe-x"  # long enough to truncate target groups, short enough for ElastiCache ids
    assert len(f"{long}-prod-leaderboard") > 32
    shutil.copytree(project.customers_dir / "customer-x", project.customers_dir / long)
    edit_manifest(project, long, "customer.yaml", {"customer": {"name": long}})
    tree = render_tree(project, long)
    for env in ("dev", "prod", "prod/standby"):  # prod's warm standby: <name>-prod-sb
        alb = unit_inputs(tree, env, "alb")
        assert len(alb["name"]) <= 32
        names = [tg["name"] for tg in alb["target_groups"].values()]
        assert len(set(names)) == len(names) == 4 and all(len(n) <= 32 for n in names)
        services = unit_inputs(tree, env, "ecs")["services"]
        assert all(len(s["task_role_name"]) <= 64 and len(s["execution_role_name"]) <= 64 for s in services.values())
        assert len(unit_inputs(tree, env, "log_bucket")["bucket_name"]) <= 63


# --- rendered units -----------------------------------------------------------------------------


def test_log_bucket_units(tree):
    dev, prod = unit_inputs(tree, "dev", "log_bucket"), unit_inputs(tree, "prod", "log_bucket")
    assert dev["bucket_name"] == "customer-x-dev-logs-111111111111"
    assert prod["bucket_name"] == "customer-x-prod-logs-222222222222"
    assert dev["force_destroy"] is True and prod["force_destroy"] is False
    assert dev["expiration_days"] < prod["expiration_days"]
    assert dev["elb_account_id"] == ELB_LOG_ACCOUNTS["eu-west-1"] == "156460612806"
    assert dev["object_ownership"] == "BucketOwnerEnforced"
    assert "dependency" not in tree["infra/environments/dev/log_bucket/terragrunt.hcl"]


def test_elb_log_accounts_only_for_known_regions():
    assert set(ELB_LOG_ACCOUNTS) <= set(REGION_AZS)
    for newer in ("eu-central-2", "eu-south-2", "ap-south-2", "ap-southeast-4", "il-central-1", "me-central-1",
                  "ca-west-1", "mx-central-1"):
        assert newer not in ELB_LOG_ACCOUNTS  # these only know the service principal


def test_alb_units(tree):
    for env, protected in (("dev", False), ("prod", True)):
        alb = unit_inputs(tree, env, "alb")
        assert alb["deletion_protection"] is protected
        assert alb["ssl_policy"] == DEFAULT_SSL_POLICY == "ELBSecurityPolicy-TLS13-1-2-2021-06"
        assert alb["idle_timeout"] == 300
        assert alb["public_subnet_ids"] == "dependency.vpc.outputs.public_subnet_ids"
        assert alb["security_group_id"] == "dependency.security_groups.outputs.alb_security_group_id"
        assert alb["access_logs_bucket"] == "dependency.log_bucket.outputs.bucket_name"
        assert alb["access_logs_prefix"] == unit_inputs(tree, env, "log_bucket")["alb_log_prefix"]
        groups = alb["target_groups"]
        assert set(groups) == SERVICES
        # non-production rules start at 45000: feature-branch previews' host rules go before them
        base = 0 if env == "prod" else 45000
        assert {n: g["priority"] - base for n, g in groups.items()} == {
            "auth": 10, "game-logic": 20, "leaderboard": 30, "realtime": 40}
        assert groups["realtime"]["stickiness"] is True and groups["auth"]["stickiness"] is False
        assert groups["leaderboard"]["path_patterns"] == ["/api/leaderboard/*"]
        assert groups["auth"]["health_check_path"] == "/health"
        assert all(len(g["name"]) <= 32 for g in groups.values())
    assert unit_inputs(tree, "dev", "alb")["certificate_arn"].split(":")[4] == "111111111111"
    assert unit_inputs(tree, "prod", "alb")["certificate_arn"].split(":")[4] == "222222222222"


def test_ecs_units(tree):
    for env, account in (("dev", "111111111111"), ("prod", "222222222222")):
        ecs = unit_inputs(tree, env, "ecs")
        assert ecs["private_subnet_ids"] == "dependency.vpc.outputs.private_subnet_ids"
        assert ecs["service_security_group_ids"] == "dependency.security_groups.outputs.service_security_group_ids"
        assert ecs["target_group_arns"] == "dependency.alb.outputs.target_group_arns"
        assert ecs["alb_arn_suffix"] == "dependency.alb.outputs.alb_arn_suffix"
        assert ecs["ssm_parameter_arn_prefix"] == f"arn:aws:ssm:eu-west-1:{account}:parameter/customer-x/{env}"
        assert set(ecs["services"]) == SERVICES
        auth = ecs["services"]["auth"]
        assert auth["family"] == f"customer-x-{env}-auth"
        assert auth["image"] == f"{account}.dkr.ecr.eu-west-1.amazonaws.com/customer-x/auth"
        assert auth["log_group_name"] == f"/ecs/customer-x-{env}/auth"
    dev, prod = unit_inputs(tree, "dev", "ecs"), unit_inputs(tree, "prod", "ecs")
    assert dev["log_retention_days"] == 14 and prod["log_retention_days"] == 400
    assert all(s["min_tasks"] == 1 and s["max_tasks"] == 2 for s in dev["services"].values())
    assert all(s["min_tasks"] >= 3 for s in prod["services"].values())
    assert prod["container_insights"] == "enhanced" and prod["enable_execute_command"] is False


def test_spot_is_never_used_by_critical_services_in_prod(tree):
    services = profile("prod", "services.yaml")["services"]
    ecs = unit_inputs(tree, "prod", "ecs")["services"]
    for name, s in ecs.items():
        if services[name]["critical"]:
            assert s["spot"] is False, name
    assert any(s["spot"] for s in ecs.values())  # non-critical ones may


def test_secrets_and_explicit_image(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", {"services": {"auth": {
        "image": "public.ecr.aws/acme/auth", "environment": {"LOG_LEVEL": "info"},
        "secrets": {"JWT_SIGNING_KEY": "jwt/signing-key"}}}})
    auth = unit_inputs(render_tree(project), "prod", "ecs")["services"]["auth"]
    assert auth["image"] == "public.ecr.aws/acme/auth"
    assert auth["environment"] == {"LOG_LEVEL": "info",  # plus the Cognito settings to validate JWTs with
                                   "COGNITO_ISSUER": "dependency.identity.outputs.issuer",
                                   "COGNITO_CLIENT_ID": "dependency.identity.outputs.client_id"}
    assert auth["secrets"] == {
        "JWT_SIGNING_KEY": "arn:aws:ssm:eu-west-1:222222222222:parameter/customer-x/prod/auth/jwt/signing-key"}


def test_data_stores_are_wired_when_enabled(tree):
    for env in ("dev", "prod"):
        ecs = unit_inputs(tree, env, "ecs")
        has_rds = f"infra/environments/{env}/rds/terragrunt.hcl" in tree
        has_redis = f"infra/environments/{env}/redis/terragrunt.hcl" in tree
        if has_rds:
            assert ecs["database"] == {
                "host": "dependency.rds.outputs.address", "port": "dependency.rds.outputs.port",
                "name": "dependency.rds.outputs.db_name",
                "secret_arn": "dependency.rds.outputs.master_user_secret_arn"}
        else:
            assert ecs["database"] is None
        if has_redis:
            assert ecs["redis"] == {"host": "dependency.redis.outputs.primary_endpoint_address",
                                    "port": "dependency.redis.outputs.port", "auth_mode": "iam",
                                    "replication_group_id": "dependency.redis.outputs.replication_group_id",
                                    "replication_group_arn": "dependency.redis.outputs.replication_group_arn",
                                    "user_id": "dependency.redis.outputs.app_user_id",
                                    "user_arn": "dependency.redis.outputs.app_user_arn"}
        else:
            assert ecs["redis"] is None


# --- toggles ------------------------------------------------------------------------------------


def test_disabled_service_disappears_from_alb_ecs_and_security_groups(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "dev.yaml", {"services": {"leaderboard": {"enabled": False}},
                                                      # the example preview runs leaderboard too
                                                      "previews": {"feature/Season-Rewards": {"services": ["auth"]}}})
    tree = render_tree(project)
    alb, ecs = unit_inputs(tree, "dev", "alb"), unit_inputs(tree, "dev", "ecs")
    assert set(alb["target_groups"]) == set(ecs["services"]) == SERVICES - {"leaderboard"}
    # the other rules keep their priorities (dev's start at 45000, below them go previews' host rules)
    assert {n: g["priority"] for n, g in alb["target_groups"].items()} == {"auth": 45010, "game-logic": 45020,
                                                                          "realtime": 45040}
    if "security_groups" in BY_NAME:
        assert "leaderboard" not in unit_inputs(tree, "dev", "security_groups")["services"]
    for unit in ("alb", "ecs", "security_groups"):
        path = f"infra/environments/dev/{unit}/terragrunt.hcl"
        if path in tree:
            assert "leaderboard = {" not in tree[path].split("inputs = ", 1)[1], unit
    assert "leaderboard" in unit_inputs(tree, "prod", "alb")["target_groups"]


def test_critical_service_may_use_spot_outside_production(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "customer.yaml", {"services": {"auth": {"critical": True}}})
    tree = render_tree(project)
    assert unit_inputs(tree, "dev", "ecs")["services"]["auth"]["spot"] is True
    assert unit_inputs(tree, "prod", "ecs")["services"]["auth"]["spot"] is False


def test_cloudfront_ingress_lives_in_the_alb_section(tmp_path):
    project = copy_repo(tmp_path)
    # without the standby: its Route 53 health checks need an ALB they can reach (tests/test_standby_edge.py)
    edit_manifest(project, "customer-x", "prod.yaml", {"alb": {"ingress": "cloudfront"}, "standby": {"enabled": False}})
    tree = render_tree(project)
    if "security_groups" in BY_NAME:
        assert unit_inputs(tree, "prod", "security_groups")["alb_ingress"] == "cloudfront"
    assert unit_inputs(tree, "dev", "alb")["name"] == "customer-x-dev"


def test_post_quantum_policy_is_accepted(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", {"alb": {"ssl_policy": "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"}})
    assert unit_inputs(render_tree(project), "prod", "alb")["ssl_policy"] == "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
    assert "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09" in SSL_POLICIES
    assert not any(p.startswith(("ELBSecurityPolicy-TLS13-1-0", "ELBSecurityPolicy-TLS13-1-1", "ELBSecurityPolicy-2016"))
                   for p in SSL_POLICIES)


# --- errors -------------------------------------------------------------------------------------


def test_spot_for_a_critical_service_in_prod_is_refused(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", {"services": {"auth": {"spot": True}}})
    line = line_of(project, "prod.yaml", "spot: true")
    assert (f"customers/customer-x/prod.yaml:{line}: services.auth.spot: service 'auth' is critical and may not run "
            "on FARGATE_SPOT in production; set spot: false (or critical: false)") in render_error(project)


def test_prod_alb_without_deletion_protection_is_refused(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", {"alb": {"deletion_protection": False}})
    line = line_of(project, "prod.yaml", "deletion_protection")
    assert (f"customers/customer-x/prod.yaml:{line}: alb.deletion_protection: production load balancers must have "
            "deletion protection") in render_error(project)


def test_weak_ssl_policy_is_refused_with_a_hint(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "dev.yaml", {"alb": {"ssl_policy": "ELBSecurityPolicy-2016-08"}})
    line = line_of(project, "dev.yaml", "ssl_policy")
    message = render_error(project)
    assert (f"customers/customer-x/dev.yaml:{line}: alb.ssl_policy:" in message
            and "'ELBSecurityPolicy-2016-08' is not an ALB security policy that refuses TLS 1.0/1.1" in message)
    edit_manifest(project, "customer-x", "dev.yaml", {"alb": {"ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021"}})
    assert "(did you mean 'ELBSecurityPolicy-TLS13-1-2-2021-06'?)" in render_error(project)


def test_duplicate_path_pattern_is_refused(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "dev.yaml", {"services": {"realtime": {"path_patterns": ["/api/game/*"]}}})
    line = line_of(project, "dev.yaml", "path_patterns", after="realtime")
    assert (f"customers/customer-x/dev.yaml:{line}: services.realtime.path_patterns: path pattern '/api/game/*' is "
            "also routed to service 'game-logic'") in render_error(project)


def test_shadowed_path_pattern_is_refused(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "dev.yaml", {"services": {"auth": {"path_patterns": ["/api/*"]}}})
    lines = (project.templates_dir / "profiles" / "dev" / "services.yaml").read_text().splitlines()
    start = lines.index("  game-logic:")
    line = next(i for i, text in enumerate(lines, 1) if i > start and "path_patterns" in text)
    assert (f"templates/profiles/dev/services.yaml:{line}: services.game-logic.path_patterns: path pattern "
            "'/api/game/*' is shadowed by '/api/*' of service 'auth', whose listener rule is evaluated first "
            "(rules go in service-name order); narrow '/api/*' or rename a service") in render_error(project)


def test_prod_log_bucket_force_destroy_is_refused(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", {"log_bucket": {"force_destroy": True}})
    line = line_of(project, "prod.yaml", "force_destroy")
    assert (f"customers/customer-x/prod.yaml:{line}: log_bucket.force_destroy: production buckets may not be "
            "force-destroyed") in render_error(project)


def test_noncurrent_expiry_longer_than_expiry_is_refused(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "dev.yaml", {"log_bucket": {"noncurrent_version_expiration_days": 60}})
    line = line_of(project, "dev.yaml", "noncurrent_version_expiration_days")
    assert (f"customers/customer-x/dev.yaml:{line}: log_bucket.noncurrent_version_expiration_days: "
            "noncurrent_version_expiration_days (60) is longer than expiration_days (30)") in render_error(project)


def test_certificate_in_another_region_is_refused(tmp_path):
    project = copy_repo(tmp_path)
    arn = "arn:aws:acm:eu-central-1:111111111111:certificate/1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b"
    edit_manifest(project, "customer-x", "dev.yaml", {"dns": {"certificate_arn": arn}})
    line = line_of(project, "dev.yaml", "certificate_arn:")
    assert (f"customers/customer-x/dev.yaml:{line}: dns.certificate_arn: the ALB certificate must be in the ALB's "
            "region eu-west-1; this one is in eu-central-1") in render_error(project)


def test_variable_that_fgen_sets_from_rds_is_refused(tmp_path):
    if "rds" not in BY_NAME:
        pytest.skip("the rds component is not registered")
    project = copy_repo(tmp_path)
    tree = render_tree(project)
    env = next((e for e in ("dev", "prod") if f"infra/environments/{e}/rds/terragrunt.hcl" in tree), None)
    if env is None:
        pytest.skip("rds is enabled in no environment")
    edit_manifest(project, "customer-x", f"{env}.yaml", {"services": {"auth": {"environment": {"DB_HOST": "x"}}}})
    line = line_of(project, f"{env}.yaml", "DB_HOST")
    assert (f"customers/customer-x/{env}.yaml:{line}: services.auth.environment.DB_HOST: DB_HOST is set by fgen "
            "from the rds outputs; remove it here") in render_error(project)


# --- terraform test of each module --------------------------------------------------------------


@pytest.mark.terraform
@pytest.mark.parametrize("module", ["s3_logs", "alb", "ecs", "ecs_task", "preview"])
def test_module_terraform_test(module, tmp_path):
    binary = shutil.which("terraform")
    if binary is None:
        pytest.skip("terraform is not on PATH")
    # the whole folder, as Terragrunt copies it: a module may call a sibling (../ecs_task)
    shutil.copytree(MODULES, tmp_path / "modules")
    work = tmp_path / "modules" / module
    env = terraform_env(tmp_path)
    for cmd in (["init", "-backend=false", "-input=false", "-no-color"], ["test", "-no-color"]):
        result = subprocess.run([binary, *cmd], cwd=work, env=env, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stdout + result.stderr


def test_ecs_exec_sessions_are_logged_to_an_encrypted_group_in_every_environment(tmp_path):
    """ECS Exec logging is configured on the cluster whether or not a service allows ECS Exec yet, so
    enabling it can never open an unlogged session; the group and the sessions use the customer key."""
    body = pygohcl.loads((MODULES / "ecs" / "main.tf").read_text())
    cluster = body["resource"]["aws_ecs_cluster"]["this"]
    config = cluster["configuration"]["execute_command_configuration"]
    assert "dynamic" not in cluster
    assert (config["kms_key_id"], config["logging"]) == ("var.kms_key_arn", "OVERRIDE")
    assert config["log_configuration"] == {"cloud_watch_encryption_enabled": True,
                                           "cloud_watch_log_group_name": "aws_cloudwatch_log_group.exec.name"}
    group = body["resource"]["aws_cloudwatch_log_group"]["exec"]
    assert (group["kms_key_id"], group["retention_in_days"]) == ("var.kms_key_arn", "var.log_retention_days")
    project = copy_repo(tmp_path)
    for env in resolve_customer(project, "customer-x").environments:
        messages = [a.error_message for a in BY_NAME["ecs"].assertions(env)]
        assert ("ecs: ECS Exec sessions must be encrypted with the customer KMS key and logged to the encrypted "
                "exec log group") in messages


@pytest.mark.parametrize("edit, key, message", [
    ({"waf": {"enabled": False}}, "waf.enabled", "production must run the WAF in front of the ALB"),
    ({"ecs": {"container_insights": "disabled"}}, "ecs.container_insights",
     "production clusters must run Container Insights"),
])
def test_production_without_waf_or_container_insights_is_refused(tmp_path, edit, key, message):
    from generator.errors import FgenError
    from tests.support import copy_repo, edit_manifest, render_tree

    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", edit)
    with pytest.raises(FgenError) as exc:
        render_tree(project)
    assert exc.value.exit_code == 2
    leaf = key.split(".")[1]
    lines = (project.customers_dir / "customer-x" / "prod.yaml").read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if text.strip().startswith(f"{leaf}:")
                and lines[i - 2].strip().startswith(key.split(".")[0]))
    assert f"customers/customer-x/prod.yaml:{line}: {key}: {message}" in str(exc.value)
