"""Security and compliance: CloudTrail audit, ECR, operator roles, Cognito and threat detection —
rendered units, module code, toggles, errors and the terraform test of each module."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pygohcl
import pytest

from generator.components import BY_NAME
from generator.components.security import CIS_CHECKS
from generator.errors import FgenError
from generator.terraform import terraform_env
from tests.support import REPO, copy_repo, edit_manifest, parsed, render_tree, unit_inputs

MODULES = REPO / "templates" / "modules"
SECURITY_UNITS = ("audit", "ecr", "identity", "operator_access", "threat_detection", "account_baseline")
ADMIN = "arn:aws:iam::999999999999:role/platform-admins"
READER = "arn:aws:iam::999999999999:user/auditor"


def module_blocks(module: str, kind: str = "resource") -> dict[str, dict[str, Any]]:
    blocks: dict[str, dict[str, Any]] = {}
    for path in sorted((MODULES / module).glob("*.tf")):
        for rtype, items in pygohcl.loads(path.read_text()).get(kind, {}).items():
            if isinstance(items, dict):
                blocks.setdefault(rtype, {}).update(items)
    return blocks


def module_locals(module: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for path in sorted((MODULES / module).glob("*.tf")):
        found = pygohcl.loads(path.read_text()).get("locals")
        for block in found if isinstance(found, list) else [found] if found else []:
            merged.update(block)
    return merged


def render_error(project) -> str:
    with pytest.raises(FgenError) as exc:
        render_tree(project)
    return str(exc.value)


def line_of(project, file: str, needle: str, after: str | None = None) -> int:
    """The first line holding ``needle`` (below the line ``after``: prod.yaml's standby section has an
    ``enabled`` of its own)."""
    lines = (project.customers_dir / "customer-x" / file).read_text().splitlines()
    start = lines.index(after) if after is not None else -1
    return next(i for i, line in enumerate(lines, 1) if i > start + 1 and needle in line)


def units(tree: dict[str, str], env: str) -> set[str]:
    prefix = f"infra/environments/{env}/"
    return {p[len(prefix):].split("/")[0] for p in tree if p.startswith(prefix)}


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> dict[str, str]:
    return render_tree(copy_repo(tmp_path_factory.mktemp("security")))


@pytest.fixture(scope="module")
def operators_tree(tmp_path_factory) -> dict[str, str]:
    """prod: operator roles for two principals, MFA required and longer passwords in Cognito."""
    project = copy_repo(tmp_path_factory.mktemp("operators"))
    edit_manifest(project, "customer-x", "prod.yaml", {
        "operator_access": {"enabled": True, "admin_principals": [ADMIN], "readonly_principals": [READER]},
        "identity": {"mfa": "ON", "password_min_length": 16, "tokens": {"refresh_rotation": True}},
        "ecr": {"scanning": "enhanced"},
    })
    return render_tree(project)


@pytest.fixture(scope="module")
def off_tree(tmp_path_factory) -> dict[str, str]:
    """dev: every security component off; prod: threat detection run centrally (all parts off)."""
    project = copy_repo(tmp_path_factory.mktemp("off"))
    edit_manifest(project, "customer-x", "dev.yaml", {
        "audit": {"enabled": False}, "ecr": {"enabled": False}, "identity": {"enabled": False},
        "threat_detection": {"guardduty": {"enabled": False}}, "operator_access": {"enabled": False},
    })
    edit_manifest(project, "customer-x", "prod.yaml", {"threat_detection": {
        "guardduty": {"enabled": False}, "config": {"enabled": False}, "security_hub": {"enabled": False}}})
    return render_tree(project)


# --- audit ----------------------------------------------------------------------------------------


def test_trail_is_multi_region_validated_and_encrypted_with_the_customer_key(tree):
    trail = module_blocks("audit")["aws_cloudtrail"]["this"]
    assert trail["is_multi_region_trail"] is True
    assert trail["include_global_service_events"] is True
    assert trail["enable_log_file_validation"] is True
    assert trail["kms_key_id"] == "var.kms_key_arn"
    assert trail["cloud_watch_logs_group_arn"] == "aws_cloudwatch_log_group.this.arn:*"
    assert trail["event_selector"]["include_management_events"] is True
    for env in ("dev", "prod"):
        assert unit_inputs(tree, env, "audit")["kms_key_arn"] == "dependency.kms.outputs.key_arn"


def test_customer_key_lets_cloudtrail_and_config_use_it(tree):
    for env in ("dev", "prod"):
        principals = unit_inputs(tree, env, "kms")["service_principals"]
        assert "cloudtrail.amazonaws.com" in principals
    assert "config.amazonaws.com" in unit_inputs(tree, "prod", "kms")["service_principals"]


def test_audit_bucket_blocks_public_access_and_acls_and_requires_tls():
    resources = module_blocks("audit")
    block = resources["aws_s3_bucket_public_access_block"]["this"]
    assert all(block[k] is True for k in ("block_public_acls", "block_public_policy", "ignore_public_acls",
                                          "restrict_public_buckets"))
    assert resources["aws_s3_bucket_ownership_controls"]["this"]["rule"]["object_ownership"] == "BucketOwnerEnforced"
    sse = resources["aws_s3_bucket_server_side_encryption_configuration"]["this"]["rule"]
    assert sse["apply_server_side_encryption_by_default"]["sse_algorithm"] == "aws:kms"
    rule = resources["aws_s3_bucket_lifecycle_configuration"]["this"]["rule"]
    assert rule["filter"] == {"prefix": ""}
    assert rule["transition"]["storage_class"] == "GLACIER"
    statements = module_locals("audit")["policy_statements"]
    text = str(statements)
    assert "aws:SecureTransport" in text and "bucket-owner-full-control" in text and "s3:GetBucketAcl" in text


def test_every_cis_alarm_exists_and_notifies_the_alert_topic(tree):
    filters = module_locals("audit")["cis_filters"]
    assert set(filters) == set(CIS_CHECKS)
    assert "$.userIdentity.type = \\\"Root\\\"" in filters["root-account-usage"]["pattern"] or \
        '$.userIdentity.type = "Root"' in filters["root-account-usage"]["pattern"]
    assert "ScheduleKeyDeletion" in filters["kms-key-disable-or-deletion"]["pattern"]
    assert "MFAUsed" in filters["console-signin-without-mfa"]["pattern"]
    alarm = module_blocks("audit")["aws_cloudwatch_metric_alarm"]["cis"]
    assert alarm["alarm_actions"] == "local.alarm_actions"
    for env in ("dev", "prod"):
        inputs = unit_inputs(tree, env, "audit")
        assert inputs["cis_alarms"] is True
        assert inputs["alarm_topic_arn"] == "dependency.alerts.outputs.topic_arn"
    assert BY_NAME["audit"].mock_outputs["cis_alarm_arns"].keys() == set(CIS_CHECKS)


def test_prod_records_assets_data_events_and_keeps_logs_longer(tree):
    prod, dev = unit_inputs(tree, "prod", "audit"), unit_inputs(tree, "dev", "audit")
    assert prod["data_event_bucket_arns"] == ["dependency.assets.outputs.bucket_arn"]
    assert dev["data_event_bucket_arns"] == []
    assert prod["expiration_days"] > dev["expiration_days"] and prod["log_retention_days"] >= 365
    assert prod["force_destroy"] is False
    assert prod["bucket_name"] == "customer-x-prod-audit-222222222222"
    assert prod["config_delivery"] is True and dev["config_delivery"] is False


# --- ECR ------------------------------------------------------------------------------------------


def test_ecr_repositories_are_the_images_ecs_deploys(tree):
    repos = unit_inputs(tree, "prod", "ecr")["repository_names"]
    images = unit_inputs(tree, "prod", "ecs")["services"]
    registry = "222222222222.dkr.ecr.eu-west-1.amazonaws.com"
    assert set(repos) == set(images)
    for name, repo in repos.items():
        assert images[name]["image"].startswith(f"{registry}/{repo}")
        assert repo == f"customer-x/{name}"


def test_ecr_tags_are_immutable_scanned_on_push_and_kms_encrypted(tree):
    repo = module_blocks("ecr")["aws_ecr_repository"]["this"]
    assert repo["image_tag_mutability"] == "IMMUTABLE"
    assert repo["image_scanning_configuration"]["scan_on_push"] is True
    assert repo["encryption_configuration"]["encryption_type"] == "KMS"
    prod, dev = unit_inputs(tree, "prod", "ecr"), unit_inputs(tree, "dev", "ecr")
    assert prod["force_delete"] is False and "enhanced_scanning" not in prod
    assert prod["keep_last_images"] > dev["keep_last_images"]
    assert unit_inputs(tree, "prod", "account_baseline")["ecr_enhanced_scanning"] is False


def test_enhanced_scanning_switches_the_registry_in_the_account_baseline(operators_tree):
    """The registry's scanning configuration is account-wide: the baseline of the account owns it."""
    assert unit_inputs(operators_tree, "prod", "account_baseline")["ecr_enhanced_scanning"] is True
    assert "aws_ecr_registry_scanning_configuration" not in module_blocks("ecr")


def test_services_with_their_own_image_get_no_repository(project):
    edit_manifest(project, "customer-x", "customer.yaml",
                  {"services": {"auth": {"image": "public.ecr.aws/acme/auth"}}})
    repos = unit_inputs(render_tree(project), "prod", "ecr")["repository_names"]
    assert "auth" not in repos and "game-logic" in repos


# --- operator access ------------------------------------------------------------------------------


def test_operator_access_is_off_until_principals_are_listed(tree):
    assert "operator_access" not in units(tree, "prod")  # the profile's default
    assert "operator_access" in units(tree, "dev")  # customers/customer-x/dev.yaml lists principals


def test_admins_get_sessions_on_the_bastion_only(tree):
    """dev has a bastion: the admin role's Session Manager / Instance Connect statements name its instance."""
    inputs = unit_inputs(tree, "dev", "operator_access")
    assert inputs["bastion_enabled"] is True
    assert inputs["bastion_instance_id"] == "dependency.bastion.outputs.instance_id"
    assert inputs["admin_principals"] == ["arn:aws:iam::111111111111:role/customer-x-platform-engineers"]
    deps = parsed(tree, "infra/environments/dev/operator_access/terragrunt.hcl")["dependency"]
    assert deps["bastion"]["mock_outputs"] == {"instance_id": "i-00000000000000001"}
    text = (MODULES / "operator_access" / "main.tf").read_text()
    assert 'sid       = "SessionManagerOnBastion"' in text and 'sid       = "InstanceConnectToBastion"' in text
    assert text.count("resources = [local.bastion_arn]") == 2
    assert "aws:ResourceTag/customer" not in text  # no longer every instance carrying the customer tag


def test_readonly_role_is_denied_every_session():
    readonly = module_blocks("operator_access", "data")["aws_iam_policy_document"]["readonly"]["statement"]
    assert readonly["effect"] == "Deny" and readonly["resources"] == ["*"]
    assert {"ssm:StartSession", "ssm:SendCommand", "ecs:ExecuteCommand",
            "ec2-instance-connect:SendSSHPublicKey"} <= set(readonly["actions"])
    policy = module_blocks("operator_access")["aws_iam_role_policy"]["readonly"]
    assert policy["role"] == 'aws_iam_role.this["readonly"].id'


def test_operator_roles_require_mfa_in_their_trust_policy():
    trust = module_blocks("operator_access", "data")["aws_iam_policy_document"]["trust"]["statement"]
    conditions = {c["variable"]: c for c in trust["condition"]}
    assert conditions["aws:MultiFactorAuthPresent"]["test"] == "Bool"
    assert conditions["aws:MultiFactorAuthPresent"]["values"] == ["true"]
    assert conditions["aws:MultiFactorAuthAge"]["test"] == "NumericLessThanEquals"
    role = module_blocks("operator_access")["aws_iam_role"]["this"]
    assert role["max_session_duration"] == "var.max_session_duration"


def test_operator_unit_lists_the_principals_and_the_customer_cluster(operators_tree):
    inputs = unit_inputs(operators_tree, "prod", "operator_access")
    assert inputs["admin_principals"] == [ADMIN]
    assert inputs["readonly_principals"] == [READER]
    assert inputs["customer"] == "customer-x"
    assert inputs["max_session_duration"] == 3600 and inputs["mfa_max_age_seconds"] == 3600
    # prod runs ECS without ECS Exec: no exec statement, no cluster dependency
    assert inputs["ecs_exec"] is False and inputs["ecs_cluster_arn"] is None
    # and no bastion: admins may start no session on any instance
    assert inputs["bastion_enabled"] is False and inputs["bastion_instance_id"] is None
    assert "dependency" not in parsed(operators_tree, "infra/environments/prod/operator_access/terragrunt.hcl")


def test_admin_policy_has_no_wildcard():
    admin = module_blocks("operator_access", "data")["aws_iam_policy_document"]["admin"]
    text = str(admin)
    assert "ssm:StartSession" in text and "ecs:ExecuteCommand" in text
    assert "'*'" not in text  # no wildcard action or resource


def test_operator_access_without_a_bastion_gives_no_instance_sessions(project):
    edit_manifest(project, "customer-x", "dev.yaml", {"bastion": {"enabled": False}})
    tree = render_tree(project)
    inputs = unit_inputs(tree, "dev", "operator_access")
    assert inputs["bastion_enabled"] is False and inputs["bastion_instance_id"] is None
    assert "bastion" not in parsed(tree, "infra/environments/dev/operator_access/terragrunt.hcl").get("dependency", {})


def test_customer_readme_explains_how_to_turn_operator_access_on(tree):
    readme = tree["README.md"]
    assert "## Operator access" in readme
    assert "operator_access:" in readme and "admin_principals:" in readme and "readonly_principals:" in readme
    assert "aws ssm start-session" in readme and "MFA" in readme


def test_operator_access_without_principals_is_refused(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"operator_access": {"enabled": True}})
    line = line_of(project, "prod.yaml", "enabled", after="operator_access:")
    assert (f"customers/customer-x/prod.yaml:{line}: operator_access.enabled: operator_access is enabled but lists "
            "no principals") in render_error(project)


def test_operator_principal_must_be_an_iam_arn(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"operator_access": {
        "enabled": True, "admin_principals": ["arn:aws:sts::999999999999:assumed-role/x/y"]}})
    error = render_error(project)
    assert "customers/customer-x/prod.yaml" in error and "operator_access.admin_principals" in error


# --- identity -------------------------------------------------------------------------------------


def test_cognito_mfa_and_password_policy_follow_the_manifest(tree, operators_tree):
    dev, prod = unit_inputs(tree, "dev", "identity"), unit_inputs(tree, "prod", "identity")
    assert dev["mfa_configuration"] == "OPTIONAL" and dev["password_minimum_length"] >= 12
    assert dev["deletion_protection"] is False and dev["threat_protection"] == "OFF"
    assert prod["deletion_protection"] is True and prod["threat_protection"] == "ENFORCED"
    assert prod["groups"] == {"admin": 10, "moderator": 20, "player": 30}
    assert prod["domain_prefix"] == "customer-x-prod"
    edited = unit_inputs(operators_tree, "prod", "identity")
    assert edited["mfa_configuration"] == "ON" and edited["password_minimum_length"] == 16
    assert edited["refresh_token_rotation"] is True


def test_cognito_module_requires_totp_and_every_character_class():
    pool = module_blocks("identity")["aws_cognito_user_pool"]["this"]
    assert pool["software_token_mfa_configuration"]["enabled"] is True
    assert all(pool["password_policy"][k] is True
               for k in ("require_lowercase", "require_uppercase", "require_numbers", "require_symbols"))
    assert pool["account_recovery_setting"]["recovery_mechanism"]["name"] == "verified_email"
    client = module_blocks("identity")["aws_cognito_user_pool_client"]["web"]
    assert client["generate_secret"] is False and client["enable_token_revocation"] is True
    assert client["prevent_user_existence_errors"] == "ENABLED"


def test_short_cognito_password_is_refused(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"identity": {"password_min_length": 8}})
    error = render_error(project)
    assert "customers/customer-x/prod.yaml" in error and "identity.password_min_length" in error


def test_prod_user_pool_must_be_deletion_protected(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"identity": {"deletion_protection": False}})
    line = line_of(project, "prod.yaml", "deletion_protection")
    assert (f"customers/customer-x/prod.yaml:{line}: identity.deletion_protection: production user pools must be "
            "protected from deletion") in render_error(project)


def test_reserved_word_in_domain_prefix_is_refused(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"identity": {"domain_prefix": "x-cognito-login"}})
    line = line_of(project, "prod.yaml", "domain_prefix")
    assert (f"customers/customer-x/prod.yaml:{line}: identity.domain_prefix: the hosted domain prefix "
            "'x-cognito-login' contains 'cognito'") in render_error(project)


# --- threat detection -----------------------------------------------------------------------------


def test_threat_detection_parts_per_profile(tree):
    """Each of dev and prod owns the baseline of its own account: the parts its profile asks for."""
    prod, dev = unit_inputs(tree, "prod", "account_baseline"), unit_inputs(tree, "dev", "account_baseline")
    assert prod["guardduty_enabled"] and prod["config_enabled"] and prod["security_hub_enabled"]
    assert prod["config_bucket_name"] == "dependency.audit.outputs.bucket_name"
    assert dev["guardduty_enabled"] and not dev["config_enabled"] and not dev["security_hub_enabled"]
    assert dev["config_bucket_name"] is None
    assert "dependency \"audit\"" not in tree["infra/environments/dev/account_baseline/terragrunt.hcl"]
    for env in ("dev", "prod"):  # findings reach each environment's own alert topic
        findings = unit_inputs(tree, env, "threat_detection")
        assert findings == {"name": f"customer-x-{env}", "finding_min_severity": 7,
                            "alert_topic_arn": "dependency.alerts.outputs.topic_arn"}


def test_guardduty_uses_detector_features_not_datasources():
    resources = module_blocks("account_baseline")
    assert "datasources" not in resources["aws_guardduty_detector"]["this"]
    assert resources["aws_guardduty_detector_feature"]["runtime"]["additional_configuration"]["name"] == \
        "ECS_FARGATE_AGENT_MANAGEMENT"
    assert "aws_guardduty_detector" not in module_blocks("threat_detection")
    rules = module_locals("account_baseline")["config_rules"]
    assert set(rules.values()) >= {"ENCRYPTED_VOLUMES", "RDS_STORAGE_ENCRYPTED", "RDS_MULTI_AZ_SUPPORT",
                                   "S3_BUCKET_PUBLIC_READ_PROHIBITED", "CLOUD_TRAIL_ENABLED", "INCOMING_SSH_DISABLED"}


def test_config_without_audit_is_refused(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"audit": {"enabled": False}})
    profile = (project.root / "templates" / "profiles" / "prod" / "security.yaml").read_text().splitlines()
    config_at = next(i for i, line in enumerate(profile, 1) if line.strip() == "config:")
    line = next(i for i, text in enumerate(profile, 1) if i > config_at and "enabled:" in text)
    assert (f"templates/profiles/prod/security.yaml:{line}: threat_detection.config.enabled: AWS Config delivers "
            "to the audit bucket, but audit is disabled; enable audit or set threat_detection.config.enabled: "
            "false") in render_error(project)


# --- toggles --------------------------------------------------------------------------------------


def test_security_components_off_leave_no_unit_or_reference(off_tree):
    dev = units(off_tree, "dev")
    assert not dev & set(SECURITY_UNITS)
    assert "threat_detection" not in units(off_tree, "prod") and "account_baseline" not in units(off_tree, "prod")
    for path, content in off_tree.items():
        if path.startswith("infra/environments/dev/"):
            for unit in SECURITY_UNITS:
                assert f"../{unit}\"" not in content, path
    # the audit bucket no longer grants AWS Config once Config is off
    assert unit_inputs(off_tree, "prod", "audit")["config_delivery"] is False
    assert "cloudtrail.amazonaws.com" not in unit_inputs(off_tree, "dev", "kms")["service_principals"]


def test_audit_glacier_after_expiry_is_refused(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"audit": {"transition_to_glacier_days": 400,
                                                                 "expiration_days": 300}})
    error = render_error(project)
    assert "customers/customer-x/prod.yaml" in error and "must come after transition_to_glacier_days" in error


def test_prod_audit_bucket_and_repositories_cannot_be_force_destroyed(project):
    edit_manifest(project, "customer-x", "prod.yaml", {"audit": {"force_destroy": True},
                                                       "ecr": {"force_delete": True}})
    error = render_error(project)
    assert "audit.force_destroy: production buckets may not be force-destroyed" in error
    assert "ecr.force_delete: production repositories may not be force-deleted" in error


def test_summary_rows(tree):
    readme = next(c for p, c in tree.items() if p.endswith("README.md"))
    assert "CloudTrail bucket" in readme and "Cognito MFA" in readme


# --- terraform test -------------------------------------------------------------------------------


@pytest.mark.terraform
@pytest.mark.parametrize("module", SECURITY_UNITS)
def test_module_terraform_test(module, tmp_path):
    binary = shutil.which("terraform")
    if binary is None:
        pytest.skip("terraform is not on PATH")
    work = tmp_path / module
    shutil.copytree(MODULES / module, work)
    env = terraform_env(tmp_path)
    for cmd in (["init", "-backend=false", "-input=false", "-no-color"], ["test", "-no-color"]):
        result = subprocess.run([binary, *cmd], cwd=work, env=env, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stdout + result.stderr


def test_services_receive_the_user_pool_to_validate_tokens(tmp_path):
    from tests.support import copy_repo, render_tree, unit_inputs

    project = copy_repo(tmp_path / "repo")
    services = unit_inputs(render_tree(project), "prod", "ecs")["services"]
    for name, service in services.items():
        assert service["environment"]["COGNITO_ISSUER"] == "dependency.identity.outputs.issuer", name
        assert service["environment"]["COGNITO_CLIENT_ID"] == "dependency.identity.outputs.client_id", name


def test_trail_bucket_access_is_logged_to_the_log_bucket(tmp_path):
    tree = render_tree(copy_repo(tmp_path))
    for env, account in (("dev", "111111111111"), ("prod", "222222222222")):
        inputs = unit_inputs(tree, env, "audit")
        assert "dependency.log_bucket.outputs.bucket_name" in str(inputs["access_log_bucket"])
        assert inputs["access_log_prefix"] == f"s3-access/customer-x-{env}-audit-{account}/"
