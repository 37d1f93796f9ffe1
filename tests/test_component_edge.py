"""CloudFront (cdn), WAF (waf) and what they need from the assets and log buckets: module code,
rendered units, toggles, error messages and the modules' terraform tests."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pygohcl
import pytest
import yaml

from generator.components import BY_NAME
from generator.components.application import CLOUDFRONT_LOG_PREFIX
from generator.docs import architecture
from generator.errors import FgenError
from generator.resolve import resolve_customer
from generator.terraform import MIRROR_ENV, terraform_env
from tests.support import REPO, copy_repo, edit_manifest, render_tree, unit_inputs

MODULES = REPO / "templates" / "modules"


def module_blocks(module: str, kind: str = "resource") -> dict[str, dict[str, Any]]:
    blocks: dict[str, dict[str, Any]] = {}
    for path in sorted((MODULES / module).glob("*.tf")):
        for rtype, items in pygohcl.loads(path.read_text()).get(kind, {}).items():
            blocks.setdefault(rtype, {}).update(items)
    return blocks


def module_file(module: str, name: str) -> dict[str, Any]:
    return pygohcl.loads((MODULES / module / name).read_text())


def profile(env: str, file: str) -> dict[str, Any]:
    return yaml.safe_load((REPO / "templates" / "profiles" / env / file).read_text())


def line_in(path, needle: str, after: str | None = None) -> int:
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else -1
    return next(i for i, line in enumerate(lines, 1) if i - 1 > start and needle in line)


def render_error(project, customer: str = "customer-x") -> str:
    with pytest.raises(FgenError) as exc:
        render_tree(project, customer)
    return str(exc.value)


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> dict[str, str]:
    return render_tree(copy_repo(tmp_path_factory.mktemp("edge")))


# --- modules ------------------------------------------------------------------------------------


def test_cloudfront_viewers_need_tls_1_2_2021_over_sni():
    distribution = module_blocks("cdn")["aws_cloudfront_distribution"]["this"]
    certificate = distribution["viewer_certificate"]
    assert certificate["minimum_protocol_version"] == "TLSv1.2_2021"
    assert certificate["ssl_support_method"] == "sni-only"
    assert certificate["acm_certificate_arn"] == "var.acm_certificate_arn"
    assert distribution["http_version"] == "http2and3"
    assert distribution["web_acl_id"] == "var.web_acl_arn"


def test_cloudfront_origins_oac_and_https_to_the_alb():
    resources = module_blocks("cdn")
    oac = resources["aws_cloudfront_origin_access_control"]["assets"]
    assert (oac["signing_behavior"], oac["signing_protocol"], oac["origin_access_control_origin_type"]) == (
        "always", "sigv4", "s3")
    distribution = resources["aws_cloudfront_distribution"]["this"]
    assets = distribution["origin"]
    assert assets["origin_id"] == "local.assets_origin_id"
    assert "s3_origin_config" not in assets  # OAC, not the legacy OAI
    # the ALB origins (the primary's, and a warm standby's) share one body
    albs = distribution["dynamic"]["origin"]
    assert albs["for_each"] == "local.alb_origins"
    alb = albs["content"]["custom_origin_config"]
    assert alb["origin_protocol_policy"] == "https-only" and alb["origin_ssl_protocols"] == ["TLSv1.2"]


def test_cloudfront_cache_policies_are_the_managed_ones_by_name():
    data = module_blocks("cdn", "data")
    assert data["aws_cloudfront_cache_policy"]["caching_optimized"]["name"] == "Managed-CachingOptimized"
    assert data["aws_cloudfront_cache_policy"]["caching_disabled"]["name"] == "Managed-CachingDisabled"
    assert (data["aws_cloudfront_origin_request_policy"]["all_viewer_except_host"]["name"]
            == "Managed-AllViewerExceptHostHeader")
    distribution = module_blocks("cdn")["aws_cloudfront_distribution"]["this"]
    default = distribution["default_cache_behavior"]
    assert default["cache_policy_id"] == "data.aws_cloudfront_cache_policy.caching_optimized.id"
    assert default["compress"] is True
    # one body for the ALB's behaviours: the read-only paths (GET/HEAD/OPTIONS), then the API's
    behaviours = distribution["dynamic"]["ordered_cache_behavior"]
    assert behaviours["for_each"] == "local.alb_behaviours"
    api = behaviours["content"]
    assert api["cache_policy_id"] == "data.aws_cloudfront_cache_policy.caching_disabled.id"
    assert api["origin_request_policy_id"] == "data.aws_cloudfront_origin_request_policy.all_viewer_except_host.id"
    assert api["target_origin_id"] == "ordered_cache_behavior.value.target_origin_id" and api["compress"] is True
    # the component answers these data sources in the mock provider
    assert set(BY_NAME["cdn"].mock_data) == {"aws_cloudfront_cache_policy", "aws_cloudfront_origin_request_policy"}


def test_cdn_module_owns_the_assets_bucket_policy_with_oac_bound_to_the_distribution():
    policy = module_blocks("cdn")["aws_s3_bucket_policy"]["assets"]
    assert policy["bucket"] == "var.assets_bucket_name"
    text = (MODULES / "cdn" / "main.tf").read_text()
    assert '"AWS:SourceArn" = aws_cloudfront_distribution.this.arn' in text
    assert '"aws:SecureTransport" = "false"' in text
    # and the assets module writes its own policy only when told to
    assets_policy = module_blocks("s3_assets")["aws_s3_bucket_policy"]["this"]
    assert assets_policy["count"] == "var.manage_bucket_policy ? 1 : 0"


def test_cloudfront_logs_use_standard_logging_v2_in_us_east_1():
    resources = module_blocks("cdn")
    for rtype in ("aws_cloudwatch_log_delivery_source", "aws_cloudwatch_log_delivery_destination",
                  "aws_cloudwatch_log_delivery"):
        assert resources[rtype]["access_logs"]["provider"] == "aws.us_east_1", rtype
    assert "logging_config" not in resources["aws_cloudfront_distribution"]["this"]  # no legacy (ACL) logging
    versions = module_file("cdn", "versions.tf")["terraform"]["required_providers"]["aws"]
    assert versions["configuration_aliases"] == ["aws.us_east_1"]
    assert BY_NAME["cdn"].provider_aliases == ("us_east_1",)


def test_waf_acls_scopes_names_and_providers():
    """One modules/acl body, called for REGIONAL with the default provider and for CLOUDFRONT in us-east-1."""
    calls = module_blocks("waf", "module")
    regional, cloudfront = calls["regional"], calls["cloudfront"]
    assert regional["source"] == cloudfront["source"] == "./modules/acl"
    assert regional["scope"] == "REGIONAL" and "providers" not in regional
    assert cloudfront["scope"] == "CLOUDFRONT" and cloudfront["providers"] == {"aws": "aws.us_east_1"}
    assert cloudfront["count"] == "var.create_cloudfront_acl ? 1 : 0"
    assert regional["name"] == cloudfront["name"] == "var.name"
    assert regional["rules"] == cloudfront["rules"] == "local.rules"
    acl = module_blocks("waf/modules/acl")["aws_wafv2_web_acl"]["this"]
    assert acl["scope"] == "var.scope" and acl["name"] == "local.acl_name"
    acl_locals = pygohcl.loads((MODULES / "waf" / "modules" / "acl" / "main.tf").read_text())["locals"]
    assert acl_locals["acl_name"] == "var.name-lower(var.scope)"
    association = module_blocks("waf")["aws_wafv2_web_acl_association"]["alb"]
    assert association["resource_arn"] == "var.alb_arn"
    assert association["web_acl_arn"] == "module.regional.web_acl_arn"
    assert BY_NAME["waf"].provider_aliases == ("us_east_1",)


def test_waf_state_moves_into_the_acl_module():
    """Trees applied before modules/acl existed keep their ACLs: every old address has a moved block."""
    moved = {(m["from"], m["to"]) for m in _moved_blocks(MODULES / "waf" / "main.tf")}
    for rtype in ("aws_wafv2_web_acl", "aws_cloudwatch_log_group", "aws_cloudwatch_log_resource_policy",
                  "aws_wafv2_web_acl_logging_configuration"):
        assert (f"{rtype}.regional", f"module.regional.{rtype}.this") in moved
        assert (f"{rtype}.cloudfront[0]", f"module.cloudfront[0].{rtype}.this") in moved


def _moved_blocks(path: Path) -> list[dict[str, str]]:
    moved = pygohcl.loads(path.read_text()).get("moved") or []
    return moved if isinstance(moved, list) else [moved]


def test_waf_rules_and_rate_limit_per_ip():
    acl = module_blocks("waf/modules/acl")["aws_wafv2_web_acl"]["this"]
    assert acl["dynamic"]["rule"]["for_each"] == "local.rules"
    rate = acl["dynamic"]["rule"]["content"]["statement"]["dynamic"]["rate_based_statement"]["content"]
    assert rate["aggregate_key_type"] == "IP"
    assert rate["evaluation_window_sec"] == "var.rules.rate_limit_window_sec"
    for visibility in (acl["visibility_config"], acl["dynamic"]["rule"]["content"]["visibility_config"]):
        assert visibility["cloudwatch_metrics_enabled"] is True and visibility["sampled_requests_enabled"] is True


def test_every_waf_log_group_is_named_aws_waf_logs_and_has_retention_and_a_key():
    groups = module_blocks("waf/modules/acl")["aws_cloudwatch_log_group"]
    assert set(groups) == {"this"}
    group = groups["this"]
    assert group["name"].startswith("aws-waf-logs-")
    assert group["retention_in_days"] == "var.log_retention_days"
    assert group["kms_key_id"] == "var.kms_key_arn"
    calls = module_blocks("waf", "module")
    assert calls["regional"]["kms_key_arn"] == "var.kms_key_arn"
    assert "aws_kms_key.cloudfront_logs" in calls["cloudfront"]["kms_key_arn"]
    configs = module_blocks("waf/modules/acl")["aws_wafv2_web_acl_logging_configuration"]
    assert set(configs) == {"this"}
    assert configs["this"]["dynamic"]["redacted_fields"]["for_each"] == "local.redacted_headers"


def test_assets_replication_uses_the_dr_provider_and_least_privilege():
    resources = module_blocks("s3_assets")
    for rtype in ("aws_s3_bucket", "aws_kms_key", "aws_s3_bucket_versioning",
                  "aws_s3_bucket_server_side_encryption_configuration", "aws_s3_bucket_public_access_block",
                  "aws_s3_bucket_ownership_controls", "aws_s3_bucket_policy"):
        assert resources[rtype]["replica"]["provider"] == "aws.dr", rtype
    assert resources["aws_s3_bucket_ownership_controls"]["replica"]["rule"]["object_ownership"] == "BucketOwnerEnforced"
    replication = resources["aws_s3_bucket_replication_configuration"]["this"]
    assert "provider" not in replication  # on the source bucket
    assert "aws_s3_bucket_versioning.this" in replication["depends_on"]
    rule = replication["rule"]
    assert rule["source_selection_criteria"]["sse_kms_encrypted_objects"]["status"] == "Enabled"
    assert rule["delete_marker_replication"]["status"] == "Enabled"
    policy = (MODULES / "s3_assets" / "replication.tf").read_text()
    for action in ("s3:GetReplicationConfiguration", "s3:GetObjectVersionForReplication", "s3:ReplicateObject",
                   "s3:ReplicateDelete", "s3:ReplicateTags", "kms:ViaService"):
        assert action in policy
    assert '"s3:*"' not in policy.replace('Action    = "s3:*"', "")  # only the TLS deny names s3:*
    versions = module_file("s3_assets", "versions.tf")["terraform"]["required_providers"]["aws"]
    assert versions["configuration_aliases"] == ["aws.dr"]
    assert BY_NAME["assets"].provider_aliases == ("dr",)


def test_log_bucket_grants_cloudfront_v2_delivery_only_when_asked():
    text = (MODULES / "s3_logs" / "main.tf").read_text()
    assert "var.cloudfront_log_prefix == null ? [] :" in text
    assert "delivery.logs.amazonaws.com" in text and ":logs:us-east-1:" in text
    assert "aws_s3_bucket_acl" not in text  # ACLs stay off


# --- rendered units -----------------------------------------------------------------------------


def test_cdn_units(tree):
    for env, price in (("dev", "PriceClass_100"), ("prod", "PriceClass_All")):
        cdn = unit_inputs(tree, env, "cdn")
        manifest = yaml.safe_load((REPO / "customers" / "customer-x" / "customer.yaml").read_text())
        env_file = yaml.safe_load((REPO / "customers" / "customer-x" / f"{env}.yaml").read_text()) or {}
        env_dns = env_file.get("dns", {})
        domain = env_dns.get("domain", manifest["dns"]["domain"])
        certificate = env_dns.get("cloudfront_certificate_arn", manifest["dns"]["cloudfront_certificate_arn"])
        assert cdn["acm_certificate_arn"] == certificate and ":us-east-1:" in certificate
        assert cdn["price_class"] == price == profile(env, "edge.yaml")["cdn"]["price_class"]
        assert cdn["aliases"] == [domain]
        assert cdn["alb_origin_domain"] == f"origin.{domain}"
        assert cdn["alb_dns_name"] == "dependency.alb.outputs.alb_dns_name"
        assert cdn["assets_bucket_arn"] == "dependency.assets.outputs.bucket_arn"
        assert cdn["web_acl_arn"] == "dependency.waf.outputs.cloudfront_web_acl_arn"
        assert cdn["log_bucket_arn"] == "dependency.log_bucket.outputs.bucket_arn"
        log_bucket = unit_inputs(tree, env, "log_bucket")
        assert cdn["log_prefix"] == CLOUDFRONT_LOG_PREFIX == log_bucket["cloudfront_log_prefix"]
        assert cdn["api_path_patterns"] == ["/api/*", "/ws/*"]


def test_waf_units_carry_the_manifests_limits(tree):
    for env in ("dev", "prod"):
        waf = unit_inputs(tree, env, "waf")
        settings = profile(env, "edge.yaml")["waf"]
        assert waf["rate_limit"] == settings["rate_limit"]
        assert waf["login_rate_limit"] == settings["login_rate_limit"]
        assert waf["rate_limit_window_sec"] == settings["rate_limit_window_sec"]
        assert waf["login_paths"] == ["/api/auth/login"]
        assert waf["create_cloudfront_acl"] is True
        assert waf["alb_arn"] == "dependency.alb.outputs.alb_arn"
        assert waf["kms_key_arn"] == "dependency.kms.outputs.key_arn"
        assert waf["cloudfront_log_kms_key_arn"] is None  # eu-west-1: the module creates a key in us-east-1
    assert unit_inputs(tree, "prod", "waf")["log_retention_days"] == 400  # customer-x prod.yaml logging


def test_waf_log_group_names_start_with_aws_waf_logs(tmp_path):
    env = next(e for e in resolve_customer(copy_repo(tmp_path), "customer-x").environments if e.name == "prod")
    names = BY_NAME["waf"].log_group_names(env)
    assert names == ["aws-waf-logs-customer-x-prod-regional", "aws-waf-logs-customer-x-prod-cloudfront"]


def test_assets_policy_is_owned_by_the_cdn_when_enabled(tree):
    for env in ("dev", "prod"):
        assert unit_inputs(tree, env, "assets")["manage_bucket_policy"] is False
        assert "cloudfront.amazonaws.com" in unit_inputs(tree, env, "kms")["service_principals"]


def test_assets_access_logs_go_to_the_log_bucket(tree):
    for env in ("dev", "prod"):
        assets = unit_inputs(tree, env, "assets")
        assert assets["access_log_bucket"] == "dependency.log_bucket.outputs.bucket_name"
        assert assets["access_log_prefix"] == f"s3-access/{assets['bucket_name']}/"
        assert unit_inputs(tree, env, "log_bucket")["s3_access_log_prefix"] == "s3-access"


def test_replication_only_in_prod(tree):
    dev, prod = unit_inputs(tree, "dev", "assets"), unit_inputs(tree, "prod", "assets")
    assert dev["replication_enabled"] is False and dev["replica_bucket_name"] is None
    assert prod["replication_enabled"] is True
    assert prod["replica_bucket_name"] == "customer-x-prod-assets-dr-222222222222"
    assert prod["replication_role_name"] == "customer-x-prod-assets-replication"
    assert prod["replica_storage_class"] == "STANDARD_IA"
    config = pygohcl.loads(tree["infra/config/prod.hcl"])["locals"]
    assert config["dr_region"] == "eu-central-1"  # root.hcl's aws.dr provider points there


def test_summary_and_diagram(tmp_path):
    env = next(e for e in resolve_customer(copy_repo(tmp_path), "customer-x").environments if e.name == "prod")
    assert BY_NAME["cdn"].summary(env)["CDN"] == "CloudFront, PriceClass_All"
    assert BY_NAME["waf"].summary(env)["WAF"] == "CloudFront + ALB"
    assert BY_NAME["assets"].summary(env)["Assets replication"] == "eu-central-1 (STANDARD_IA)"
    lines = architecture(env)
    assert "  users --> cdn" in lines and "  cdn --> assets" in lines


# --- toggles ------------------------------------------------------------------------------------


def test_cdn_off_removes_the_unit_and_hands_the_policy_back_to_assets(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "dev.yaml", {"cdn": {"enabled": False}})
    tree = render_tree(project)
    assert not any(path.startswith("infra/environments/dev/cdn/") for path in tree)
    assert "infra/environments/prod/cdn/terragrunt.hcl" in tree
    assert not any('"../cdn"' in text for path, text in tree.items() if "/dev/" in path)
    assert unit_inputs(tree, "dev", "assets")["manage_bucket_policy"] is True
    assert unit_inputs(tree, "dev", "log_bucket")["cloudfront_log_prefix"] is None
    assert "cloudfront.amazonaws.com" not in unit_inputs(tree, "dev", "kms")["service_principals"]
    assert unit_inputs(tree, "dev", "waf")["create_cloudfront_acl"] is False


def test_waf_off_removes_the_unit_and_the_web_acl(tmp_path):
    project = copy_repo(tmp_path)  # production refuses waf.enabled: false (test_component_application)
    edit_manifest(project, "customer-x", "dev.yaml", {"waf": {"enabled": False}, "cdn": {"enabled": True}})
    tree = render_tree(project)
    assert "infra/environments/dev/waf/terragrunt.hcl" not in tree
    assert "infra/environments/prod/waf/terragrunt.hcl" in tree
    assert not any('"../waf"' in text for path, text in tree.items() if "/dev/" in path)
    assert unit_inputs(tree, "dev", "cdn")["web_acl_arn"] is None


def test_manifest_values_reach_the_waf_and_cdn(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", {
        "waf": {"rate_limit": 5000, "blocked_countries": ["KP"], "login_paths": ["/api/auth/login", "/api/auth/otp"]},
        "cdn": {"aliases": ["customer-x.example.com", "www.customer-x.example.com"],
                "custom_error_responses": [{"error_code": 503, "response_code": 503,
                                            "response_page_path": "/errors/503.html", "ttl": 10}]},
    })
    tree = render_tree(project)
    waf = unit_inputs(tree, "prod", "waf")
    assert waf["rate_limit"] == 5000 and waf["blocked_countries"] == ["KP"]
    assert waf["login_paths"] == ["/api/auth/login", "/api/auth/otp"]
    cdn = unit_inputs(tree, "prod", "cdn")
    assert cdn["aliases"] == ["customer-x.example.com", "www.customer-x.example.com"]
    assert cdn["custom_error_responses"] == [
        {"error_code": 503, "response_code": 503, "response_page_path": "/errors/503.html", "ttl": 10}]


# --- errors -------------------------------------------------------------------------------------


def test_cdn_without_cloudfront_certificate_is_refused(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", {"dns": {"cloudfront_certificate_arn": None}})
    line = line_in(REPO / "templates" / "profiles" / "prod" / "edge.yaml", "enabled:", after="cdn:")
    assert (f"templates/profiles/prod/edge.yaml:{line}: cdn.enabled: cdn is enabled but "
            "dns.cloudfront_certificate_arn is not set") in render_error(project)


def test_replication_without_dr_region_is_refused(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", {"aws": {"dr_region": None}})
    line = line_in(REPO / "templates" / "profiles" / "prod" / "foundation.yaml", "enabled:", after="replication:")
    assert (f"templates/profiles/prod/foundation.yaml:{line}: assets.replication.enabled: replication copies the "
            "assets to the DR region, but aws.dr_region is not set") in render_error(project)


def test_alb_behind_cloudfront_needs_the_cdn(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "dev.yaml", {"cdn": {"enabled": False}, "alb": {"ingress": "cloudfront"}})
    path = project.customers_dir / "customer-x" / "dev.yaml"
    line = line_in(path, "ingress:")
    assert (f"customers/customer-x/dev.yaml:{line}: alb.ingress: alb.ingress is 'cloudfront' but cdn is disabled"
            ) in render_error(project)


def test_alias_outside_the_domain_is_refused(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", {"cdn": {"aliases": ["game.other.example"]}})
    line = line_in(project.customers_dir / "customer-x" / "prod.yaml", "aliases:")
    assert (f"customers/customer-x/prod.yaml:{line}: cdn.aliases: alias 'game.other.example' is not "
            "customer-x.example.com or a name under it") in render_error(project)


def test_origin_domain_must_not_be_an_alias(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", {"cdn": {"origin_domain": "customer-x.example.com"}})
    line = line_in(project.customers_dir / "customer-x" / "prod.yaml", "origin_domain:")
    assert (f"customers/customer-x/prod.yaml:{line}: cdn.origin_domain: origin_domain 'customer-x.example.com' is "
            "also a CloudFront alias") in render_error(project)


def test_service_path_outside_the_api_patterns_is_refused(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", {"services": {"leaderboard": {"path_patterns": ["/lb/*"]}}})
    line = line_in(project.customers_dir / "customer-x" / "prod.yaml", "path_patterns:", after="leaderboard")
    assert (f"customers/customer-x/prod.yaml:{line}: services.leaderboard.path_patterns: service 'leaderboard' "
            "path /lb/* is not under any cdn.api_path_patterns") in render_error(project)


@pytest.mark.parametrize(("changes", "needle", "message"), [
    ({"rate_limit": 50}, "rate_limit:", "waf.rate_limit: must be at least 100, got 50"),
    ({"rate_limit_window_sec": 100}, "rate_limit_window_sec:",
     "waf.rate_limit_window_sec: Input should be 60, 120, 300 or 600"),
    ({"blocked_countries": ["kp"]}, "- kp",
     "waf.blocked_countries[0]: 'kp' does not match the required format ^[A-Z]{2}$"),
    ({"rate_limit": 1000, "login_rate_limit": 2000}, "waf:",
     "waf: login_rate_limit (2000) must not be above rate_limit (1000): the login rule is the stricter one"),
])
def test_waf_settings_are_validated(tmp_path, changes, needle, message):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", {"waf": changes})
    line = line_in(project.customers_dir / "customer-x" / "prod.yaml", needle)
    error = render_error(project)
    assert f"customers/customer-x/prod.yaml:{line}: {message}" in error, error


def test_geo_restriction_needs_countries(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", {"cdn": {"geo_restriction_type": "whitelist"}})
    line = line_in(project.customers_dir / "customer-x" / "prod.yaml", "cdn:")
    assert (f"customers/customer-x/prod.yaml:{line}: cdn: geo_restriction_countries must be given exactly when "
            "geo_restriction_type is not 'none' (type is 'whitelist', 0 countries)") in render_error(project)


# --- DNS records (dns.hosted_zone_id) ---------------------------------------------------------------


def test_hosted_zone_creates_alias_records_for_the_origin_and_the_cdn_aliases(tmp_path):
    # without a warm standby (with one: tests/test_standby_edge.py)
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", {"standby": {"enabled": False}})
    inputs = unit_inputs(render_tree(project), "prod", "dns_records")
    assert inputs["zone_id"] == "Z04712345ABCDEFGHIJKL"  # customers/customer-x/prod.yaml
    alb = {"target_dns_name": "dependency.alb.outputs.alb_dns_name",
           "target_zone_id": "dependency.alb.outputs.alb_zone_id", "evaluate_target_health": True}
    cdn = {"target_dns_name": "dependency.cdn.outputs.distribution_domain_name",
           "target_zone_id": "dependency.cdn.outputs.distribution_hosted_zone_id", "evaluate_target_health": False}
    assert inputs["records"] == {
        "origin.customer-x.example.com-A": {"name": "origin.customer-x.example.com", "type": "A", **alb},
        "customer-x.example.com-A": {"name": "customer-x.example.com", "type": "A", **cdn},
        "customer-x.example.com-AAAA": {"name": "customer-x.example.com", "type": "AAAA", **cdn},
    }
    resources = module_blocks("dns_records")
    record = resources["aws_route53_record"]["this"]
    assert "alias" in record and "records" not in record and "ttl" not in record


def test_without_a_hosted_zone_the_record_stays_documented(tree):
    assert "infra/environments/dev/dns_records/terragrunt.hcl" not in tree
    assert "dependency.dns_records" not in "".join(tree.values())
    # the cdn keeps telling the operator which record to create
    assert "origin_dns_record" in module_blocks("cdn", "output")


def test_custom_aliases_each_get_a_and_aaaa(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml",
                  {"cdn": {"aliases": ["customer-x.example.com", "play.customer-x.example.com"],
                           "origin_domain": "api-origin.customer-x.example.com"}})
    records = unit_inputs(render_tree(project), "prod", "dns_records")["records"]
    assert sorted(records) == ["api-origin.customer-x.example.com-A", "api-origin.customer-x.example.com-A-secondary",
                               "customer-x.example.com-A",
                               "customer-x.example.com-AAAA", "play.customer-x.example.com-A",
                               "play.customer-x.example.com-AAAA", "standby-api-origin.customer-x.example.com-A"]


def test_without_the_cdn_the_domain_points_at_the_alb(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", {"cdn": {"enabled": False}, "alb": {"ingress": "internet"}})
    tree = render_tree(project)
    inputs = unit_inputs(tree, "prod", "dns_records")
    assert inputs["records"] == {"customer-x.example.com-A": {
        "name": "customer-x.example.com", "type": "A", "target_dns_name": "dependency.alb.outputs.alb_dns_name",
        "target_zone_id": "dependency.alb.outputs.alb_zone_id", "evaluate_target_health": True}}
    assert "dependency \"cdn\"" not in tree["infra/environments/prod/dns_records/terragrunt.hcl"]


@pytest.mark.parametrize(("value", "message"), [
    ("/hostedzone/Z04712345ABCDEFGHIJKL", "must be a Route 53 hosted zone id: 'Z' followed by 4-31 capital letters "
     "and digits, e.g. Z0123456789ABCDEFGHIJ; got '/hostedzone/Z04712345ABCDEFGHIJKL' (drop the /hostedzone/ prefix)"),
    ("z04712345abcdefghijkl", "must be a Route 53 hosted zone id"),
    ("Z1", "must be a Route 53 hosted zone id"),
])
def test_bad_hosted_zone_id_is_refused(tmp_path, value, message):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", {"dns": {"hosted_zone_id": value}})
    line = line_in(project.customers_dir / "customer-x" / "prod.yaml", "hosted_zone_id:")
    error = render_error(project)
    assert f"customers/customer-x/prod.yaml:{line}: dns.hosted_zone_id: {message}" in error, error


def test_dns_records_mocks_cover_the_module_outputs():
    assert set(BY_NAME["dns_records"].mock_outputs) == set(module_blocks("dns_records", "output"))


# --- terraform test of each module --------------------------------------------------------------


@pytest.mark.terraform
@pytest.mark.parametrize("module", ["cdn", "waf", "s3_assets", "s3_logs", "dns_records"])
def test_module_terraform_test(module, tmp_path):
    binary = shutil.which("terraform")
    if binary is None:
        pytest.skip("terraform is not on PATH")
    if not os.environ.get(MIRROR_ENV):
        pytest.skip(f"{MIRROR_ENV} is not set (no offline AWS provider)")
    # the whole folder, as Terragrunt copies it: a module may call a sibling (../ecs_task)
    shutil.copytree(MODULES, tmp_path / "modules")
    work = tmp_path / "modules" / module
    env = terraform_env(tmp_path)
    for cmd in (["init", "-backend=false", "-input=false", "-no-color"], ["test", "-no-color"]):
        result = subprocess.run([binary, *cmd], cwd=work, env=env, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stdout + result.stderr


# --- security headers (cdn.security_headers) -------------------------------------------------------

def test_security_headers_reach_the_cdn_unit_from_the_profile_and_the_manifest(tmp_path, tree):
    inputs = unit_inputs(tree, "prod", "cdn")
    assert (inputs["hsts_max_age_seconds"], inputs["hsts_include_subdomains"], inputs["hsts_preload"],
            inputs["frame_options"], inputs["referrer_policy"], inputs["content_security_policy"]) == (
        31536000, True, False, "DENY", "strict-origin-when-cross-origin", None)
    project = copy_repo(tmp_path)
    csp = "default-src 'self'; connect-src 'self' wss://customer-x.example.com; frame-ancestors 'none'"
    edit_manifest(project, "customer-x", "prod.yaml", {"cdn": {"security_headers": {
        "hsts_preload": True, "frame_options": "SAMEORIGIN", "content_security_policy": csp}}})
    inputs = unit_inputs(render_tree(project), "prod", "cdn")
    assert (inputs["hsts_preload"], inputs["frame_options"], inputs["content_security_policy"]) == (
        True, "SAMEORIGIN", csp)


def test_security_headers_policy_is_on_every_behaviour_and_asserted(tmp_path):
    distribution = module_blocks("cdn")["aws_cloudfront_distribution"]["this"]
    policy = "aws_cloudfront_response_headers_policy.security.id"
    assert distribution["default_cache_behavior"]["response_headers_policy_id"] == policy
    assert distribution["dynamic"]["ordered_cache_behavior"]["content"]["response_headers_policy_id"] == policy
    env = next(e for e in resolve_customer(copy_repo(tmp_path), "customer-x").environments if e.name == "prod")
    messages = [a.error_message for a in BY_NAME["cdn"].assertions(env)]
    assert "cdn: every cache behaviour must send the security headers policy" in messages


def test_hsts_max_age_below_a_year_is_refused(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", {"cdn": {"security_headers": {"hsts_max_age_seconds": 86400}}})
    line = line_in(project.customers_dir / "customer-x" / "prod.yaml", "hsts_max_age_seconds:")
    error = render_error(project)
    assert f"customers/customer-x/prod.yaml:{line}: cdn.security_headers.hsts_max_age_seconds:" in error
    assert "31536000" in error


def test_hsts_preload_without_include_subdomains_is_refused(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", {"cdn": {"security_headers": {
        "hsts_preload": True, "hsts_include_subdomains": False}}})
    with pytest.raises(FgenError) as exc:
        render_tree(project)
    assert exc.value.exit_code == 2
    line = line_in(project.customers_dir / "customer-x" / "prod.yaml", "security_headers:")
    error = str(exc.value)
    assert f"customers/customer-x/prod.yaml:{line}: cdn.security_headers:" in error
    assert "hsts_preload: true needs hsts_include_subdomains: true" in error
