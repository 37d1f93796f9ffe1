"""Traffic failover of the warm standby at the edge (issue 17 part 3): the CloudFront origin group
(primary ALB first, the standby's second) on the read-only API paths, the Route 53 failover records
with health checks of both ALBs, the standby's REGIONAL-only WAF, what promotion changes, their
assertions for `validate --terraform`, and the names AWS keeps unique."""

from __future__ import annotations

import pytest

from generator.components import BY_NAME
from generator.components.edge import ORIGIN_FAILOVER_STATUS_CODES
from generator.errors import FgenError
from generator.resolve import resolve_customer
from generator.tfassert import unit_runs
from tests.support import copy_repo, edit_manifest, render_tree, unit_inputs

PROD = "customers/customer-x/prod.yaml"
ORIGIN = "origin.customer-x.example.com"
STANDBY_ORIGIN = "standby-origin.customer-x.example.com"
ALB = {"target_dns_name": "dependency.alb.outputs.alb_dns_name",
       "target_zone_id": "dependency.alb.outputs.alb_zone_id", "evaluate_target_health": True}
STANDBY_ALB = {"target_dns_name": "dependency.standby__alb.outputs.alb_dns_name",
               "target_zone_id": "dependency.standby__alb.outputs.alb_zone_id", "evaluate_target_health": True}


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> dict[str, str]:
    """customer-x as shipped: prod has a warm standby in eu-central-1 and a hosted zone."""
    return render_tree(copy_repo(tmp_path_factory.mktemp("standby-edge")))


def _contexts(project, promoted: bool = False):
    """prod's primary and standby contexts; ``promoted`` flips standby.promoted in both manifests
    (the components' view of a promoted standby)."""
    primary = next(e for e in resolve_customer(project, "customer-x").environments if e.name == "prod")
    standby = primary.standby_env
    assert standby is not None
    if promoted:
        for context in (primary, standby):
            settings = context.manifest.standby.model_copy(update={"promoted": True})
            context.manifest = context.manifest.model_copy(update={"standby": settings})
    return primary, standby


def _error(project) -> str:
    with pytest.raises(FgenError) as exc:
        render_tree(project)
    return str(exc.value)


def _line(project, needle: str, after: str | None = None) -> int:
    lines = (project.customers_dir / "customer-x" / "prod.yaml").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else -1
    return next(i for i, line in enumerate(lines, 1) if i - 1 > start and needle in line)


# --- CloudFront origin group --------------------------------------------------------------------


def test_cdn_gets_an_origin_group_of_both_albs(tree):
    inputs = unit_inputs(tree, "prod", "cdn")
    assert inputs["alb_origin_domain"] == ORIGIN
    assert inputs["alb_dns_name"] == "dependency.alb.outputs.alb_dns_name"
    assert inputs["standby_alb_origin_domain"] == STANDBY_ORIGIN
    assert inputs["standby_alb_dns_name"] == "dependency.standby__alb.outputs.alb_dns_name"
    assert inputs["origin_failover_status_codes"] == [500, 502, 503, 504]
    assert inputs["read_only_path_patterns"] == ["/api/leaderboard/*"]
    # the standby's ALB is a dependency of the primary tree's cdn unit
    unit = tree["infra/environments/prod/cdn/terragrunt.hcl"]
    assert 'dependency "standby__alb" {\n  config_path = "../standby/alb"' in unit
    # the WAF stays the primary's CLOUDFRONT web ACL until promotion
    assert inputs["web_acl_arn"] == "dependency.waf.outputs.cloudfront_web_acl_arn"


def test_without_a_standby_cdn_and_dns_records_carry_no_trace_of_it(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", {"standby": {"enabled": False}})
    tree = render_tree(project)
    cdn = unit_inputs(tree, "prod", "cdn")
    assert not [key for key in cdn if key.startswith("standby_") or key.startswith("origin_failover")]
    dns = unit_inputs(tree, "prod", "dns_records")
    assert "health_checks" not in dns
    assert dns["records"][f"{ORIGIN}-A"] == {"name": ORIGIN, "type": "A", **ALB}
    assert not [r for r in dns["records"].values() if "failover" in r or r["name"] == STANDBY_ORIGIN]
    for unit in ("cdn", "dns_records"):
        assert "standby" not in tree[f"infra/environments/prod/{unit}/terragrunt.hcl"]
    # and dev, which never had a standby, neither (nor read-only paths: its inputs are as before)
    dev = tree["infra/environments/dev/cdn/terragrunt.hcl"]
    assert "standby" not in dev and "read_only_path_patterns" not in dev


def test_read_only_paths_without_a_standby_go_to_the_alb(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", {"standby": {"enabled": False}})
    env = next(e for e in resolve_customer(project, "customer-x").environments if e.name == "prod")
    inputs = BY_NAME["cdn"].inputs(env)
    assert inputs["read_only_path_patterns"] == ["/api/leaderboard/*"]
    assert "standby_alb_origin_domain" not in inputs
    messages = [a.error_message for a in BY_NAME["cdn"].assertions(env)]
    assert "cdn: no origin group without a (not yet promoted) warm standby" in messages


def test_origin_group_assertions(tmp_path):
    primary, _ = _contexts(copy_repo(tmp_path))
    asserted = {a.error_message: a.condition for a in BY_NAME["cdn"].assertions(primary)}
    group = asserted["cdn: the origin group must list the primary ALB's origin first and the standby ALB's second"]
    assert '.member : m.origin_id] == ["alb", "alb-standby"]' in group
    assert f'["alb"] == "{ORIGIN}"' in group and f'["alb-standby"] == "{STANDBY_ORIGIN}"' in group
    assert asserted["cdn: the standby origin name must point at the standby's ALB"] == \
        "var.standby_alb_dns_name == run.standby__alb.alb_dns_name"
    codes = asserted["cdn: the origin group must fail over on 500, 502, 503 and 504"]
    assert codes.endswith(f"== sort({list(ORIGIN_FAILOVER_STATUS_CODES)})".replace("'", '"'))
    assert asserted["cdn: the origin name must point at the ALB this environment serves from (the standby's "
                    "once promoted)"] == "var.alb_dns_name == run.alb.alb_dns_name"


def test_standby_origin_name_must_fit_a_dns_label(tmp_path):
    project = copy_repo(tmp_path)
    long = "o" * 56
    edit_manifest(project, "customer-x", "prod.yaml", {"cdn": {"origin_domain": f"{long}.customer-x.example.com"}})
    line = _line(project, "origin_domain:")
    assert (f"{PROD}:{line}: cdn.origin_domain: the standby's origin name standby-{long}.customer-x.example.com "
            "would have a first label longer than 63 characters") in _error(project)


def test_read_only_path_must_be_an_api_path(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", {"cdn": {"read_only_path_patterns": ["/static/*"]}})
    line = _line(project, "- /static/*")
    assert (f"{PROD}:{line}: cdn.read_only_path_patterns[0]: read-only path /static/* is not under any "
            "cdn.api_path_patterns (/api/*, /ws/*): only API paths go to the ALB") in _error(project)


def test_read_only_path_cannot_also_be_read_write(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", {"cdn": {"read_only_path_patterns": ["/api/*"]}})
    line = _line(project, "cdn:")
    assert (f"{PROD}:{line}: cdn: /api/* is in both read_only_path_patterns and api_path_patterns; a path is "
            "either read-only or read-write") in _error(project)


def test_read_only_path_listed_twice_is_refused(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml",
                  {"cdn": {"read_only_path_patterns": ["/api/leaderboard/*", "/api/leaderboard/*"]}})
    line = _line(project, "cdn:")
    assert f"{PROD}:{line}: cdn: read_only_path_patterns lists a pattern more than once" in _error(project)


# --- Route 53 failover records --------------------------------------------------------------------


def test_hosted_zone_gets_failover_records_with_health_checks(tree):
    inputs = unit_inputs(tree, "prod", "dns_records")
    records = inputs["records"]
    assert records[f"{ORIGIN}-A"] == {"name": ORIGIN, "type": "A", **ALB, "failover": "PRIMARY",
                                      "set_identifier": "primary", "health_check": "alb"}
    assert records[f"{ORIGIN}-A-secondary"] == {"name": ORIGIN, "type": "A", **STANDBY_ALB, "failover": "SECONDARY",
                                                "set_identifier": "secondary", "health_check": "standby-alb"}
    assert records[f"{STANDBY_ORIGIN}-A"] == {"name": STANDBY_ORIGIN, "type": "A", **STANDBY_ALB}
    # the health path: the first critical service (auth, /api/auth/*) answers /health under its prefix
    check = {"resource_path": "/api/auth/health", "request_interval": 30, "failure_threshold": 3}
    assert inputs["health_checks"] == {
        "alb": {"name": "customer-x-prod-alb", "fqdn": "dependency.alb.outputs.alb_dns_name", **check},
        "standby-alb": {"name": "customer-x-prod-sb-alb", "fqdn": "dependency.standby__alb.outputs.alb_dns_name",
                        **check},
    }


def test_without_a_hosted_zone_no_records_and_the_cdn_says_which_to_create(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", {"dns": {"hosted_zone_id": None}})
    tree = render_tree(project)
    assert "infra/environments/prod/dns_records/terragrunt.hcl" not in tree
    assert "aws_route53_health_check" not in "".join(v for k, v in tree.items() if "/environments/" in k)
    # the origin group stays (CloudFront needs no zone); the cdn's outputs name both records to create
    assert unit_inputs(tree, "prod", "cdn")["standby_alb_origin_domain"] == STANDBY_ORIGIN
    outputs = tree["infra/modules/cdn/outputs.tf"]
    assert 'output "origin_dns_record"' in outputs and 'output "standby_origin_dns_record"' in outputs


def test_failover_record_assertions(tmp_path):
    primary, _ = _contexts(copy_repo(tmp_path))
    asserted = {a.error_message: a.condition for a in BY_NAME["dns_records"].assertions(primary)}
    primary_record = asserted[f"dns_records: {ORIGIN} PRIMARY must alias the eu-west-1 ALB with its health check"]
    assert 'one(aws_route53_record.this["origin.customer-x.example.com-A"].failover_routing_policy).type == "PRIMARY"' \
        in primary_record
    assert 'health_check_id == aws_route53_health_check.this["alb"].id' in primary_record
    secondary = asserted[f"dns_records: {ORIGIN} SECONDARY must alias the eu-central-1 ALB with its health check"]
    assert "run.standby__alb.alb_dns_name" in secondary
    assert 'aws_route53_health_check.this["standby-alb"].id' in secondary
    assert "dns_records: the origin name's failover records must be PRIMARY and SECONDARY" in asserted
    assert 'fqdn == run.standby__alb.alb_dns_name' in \
        asserted["dns_records: the eu-central-1 ALB must be health checked over HTTPS on its own name"]


def test_health_checks_cannot_reach_an_alb_that_admits_only_cloudfront(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", {"alb": {"ingress": "cloudfront"}})
    line = _line(project, "ingress:")
    assert (f"{PROD}:{line}: alb.ingress: alb.ingress 'cloudfront' lets only CloudFront reach the ALBs, so the "
            "Route 53 health checks of the standby's failover records could never reach them") in _error(project)


def test_health_checks_need_a_service_path_prefix(tmp_path):
    project = copy_repo(tmp_path)
    exact = {"auth": "/api/auth", "game-logic": "/api/game", "leaderboard": "/api/leaderboard", "realtime": "/ws/live"}
    edit_manifest(project, "customer-x", "prod.yaml",
                  {"services": {name: {"path_patterns": [path]} for name, path in exact.items()}})
    assert ("services: no enabled service has a path pattern ending in /* under which Route 53 could request its "
            "health_check_path through the ALB") in _error(project)


# --- WAF in the standby region ------------------------------------------------------------------


def test_standby_waf_is_regional_only_on_the_standby_alb(tree):
    inputs = unit_inputs(tree, "prod", "standby/waf")
    assert inputs["name"] == "customer-x-prod-sb"
    assert inputs["create_cloudfront_acl"] is False
    assert inputs["alb_arn"] == "dependency.standby__alb.outputs.alb_arn"
    assert unit_inputs(tree, "prod", "waf")["create_cloudfront_acl"] is True  # the primary keeps CloudFront's


def test_standby_waf_assertions_run_in_the_standby_context(tmp_path):
    primary, standby = _contexts(copy_repo(tmp_path))
    runs = {run.label: run.assertions for run in unit_runs(primary)}
    asserted = {a.error_message: a.condition for a in runs["standby__waf"]}
    association = asserted["waf: the REGIONAL web ACL must be associated with the ALB in eu-central-1"]
    assert 'module.regional.web_acl.scope == "REGIONAL"' in association
    assert "resource_arn == run.standby__alb.alb_arn" in association
    assert asserted["waf: a CloudFront web ACL exactly when the CDN is enabled (in a standby: once promoted)"] == \
        "length(module.cloudfront) == 0"
    # the primary's own WAF unit is asserted in its context
    primary_waf = {a.error_message: a.condition for a in runs["waf"]}
    assert "resource_arn == run.alb.alb_arn" in \
        primary_waf["waf: the REGIONAL web ACL must be associated with the ALB in eu-west-1"]


def test_standby_waf_names_stay_in_its_region(tmp_path):
    primary, standby = _contexts(copy_repo(tmp_path))
    names = BY_NAME["waf"].names(standby)
    assert {n.region for n in names} == {None}  # none in us-east-1 before promotion
    assert "customer-x-prod-sb-regional" in {n.name for n in names}


# --- promotion ------------------------------------------------------------------------------------


def test_promoted_cdn_uses_the_standby_alb_alone_and_its_cloudfront_acl(tmp_path):
    primary, standby = _contexts(copy_repo(tmp_path), promoted=True)
    inputs = BY_NAME["cdn"].inputs(primary)
    assert str(inputs["alb_dns_name"]) == str(standby.out("alb", "alb_dns_name"))
    assert inputs["alb_dns_name"].unit == "standby/alb" and inputs["alb_origin_domain"] == ORIGIN
    assert "standby_alb_origin_domain" not in inputs  # one ALB left: no origin group
    assert inputs["web_acl_arn"].unit == "standby/waf" and inputs["web_acl_arn"].name == "cloudfront_web_acl_arn"
    messages = [a.error_message for a in BY_NAME["cdn"].assertions(primary)]
    assert "cdn: no origin group without a (not yet promoted) warm standby" in messages


def test_promoted_failover_primary_record_is_the_standby_alb(tmp_path):
    primary, _ = _contexts(copy_repo(tmp_path), promoted=True)
    dns = BY_NAME["dns_records"]
    records = dns.records(primary)
    origin = records[f"{ORIGIN}-A"]
    assert (origin["failover"], origin["health_check"]) == ("PRIMARY", "standby-alb")
    assert origin["target_dns_name"].unit == "standby/alb"
    assert f"{ORIGIN}-A-secondary" not in records and f"{STANDBY_ORIGIN}-A" not in records
    checks = dns.health_checks(primary)
    assert list(checks) == ["standby-alb"] and checks["standby-alb"]["fqdn"].unit == "standby/alb"


def test_promoted_standby_waf_also_protects_cloudfront(tmp_path):
    primary, standby = _contexts(copy_repo(tmp_path), promoted=True)
    waf = BY_NAME["waf"]
    assert waf.inputs(standby)["create_cloudfront_acl"] is True
    assert not primary.renders("waf") and primary.host_of("waf") is standby
    cloudfront = [n for n in waf.names(standby) if n.region == "us-east-1"]
    assert "customer-x-prod-sb-cloudfront" in {n.name for n in cloudfront}


# --- names AWS keeps unique -----------------------------------------------------------------------


def test_failover_records_are_named_by_their_set_identifier(tmp_path):
    primary, _ = _contexts(copy_repo(tmp_path))
    names = {n.name for n in BY_NAME["dns_records"].names(primary)}
    zone = "Z04712345ABCDEFGHIJKL"
    assert {f"{ORIGIN} A (primary) in zone {zone}", f"{ORIGIN} A (secondary) in zone {zone}",
            f"{STANDBY_ORIGIN} A in zone {zone}"} <= names
