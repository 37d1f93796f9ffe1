"""Security groups, VPC endpoints and the bastion: module code, rendered units, toggles, errors."""

from __future__ import annotations

import shutil
import subprocess
from types import SimpleNamespace
from typing import Any

import pygohcl
import pytest

from generator.components import BY_NAME
from generator.components.network import INTERFACE_SERVICES, SecurityGroups
from generator.errors import FgenError
from generator.terraform import terraform_env
from tests.support import REPO, copy_repo, drop_previews, edit_manifest, render_tree, unit_inputs

MODULES = REPO / "templates" / "modules"
RULE_TYPES = ("aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule")


def module_resources(module: str) -> dict[str, dict[str, Any]]:
    resources: dict[str, dict[str, Any]] = {}
    for path in sorted((MODULES / module).glob("*.tf")):
        for rtype, items in pygohcl.loads(path.read_text()).get("resource", {}).items():
            resources.setdefault(rtype, {}).update(items)
    return resources


def module_data(module: str) -> dict[str, dict[str, Any]]:
    return pygohcl.loads((MODULES / module / "main.tf").read_text()).get("data", {})


def module_locals(module: str) -> dict[str, Any]:
    return pygohcl.loads((MODULES / module / "main.tf").read_text()).get("locals", {})


def line_of(project, file: str, needle: str, after: str | None = None) -> int:
    """The first line holding ``needle`` (below the line ``after``: prod.yaml's standby section has an
    ``enabled`` of its own)."""
    lines = (project.customers_dir / "customer-x" / file).read_text().splitlines()
    start = lines.index(after) if after is not None else -1
    return next(i for i, line in enumerate(lines, 1) if i > start + 1 and needle in line)


def render_error(project) -> str:
    with pytest.raises(FgenError) as exc:
        render_tree(project)
    return str(exc.value)


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> dict[str, str]:
    return render_tree(copy_repo(tmp_path_factory.mktemp("net")))


# --- security_groups module ---------------------------------------------------------------------


def test_every_group_and_rule_is_described_and_rules_are_standalone():
    resources = module_resources("security_groups")
    groups = resources["aws_security_group"]
    assert set(groups) == {"alb", "service", "rds", "redis", "bastion", "endpoints"}
    for name, group in groups.items():
        assert group.get("description"), name
        assert "ingress" not in group and "egress" not in group, f"{name}: inline rules; use one resource per rule"
    rules = [(t, n, r) for t in RULE_TYPES for n, r in resources.get(t, {}).items()]
    assert len(rules) >= 15
    for rtype, name, rule in rules:
        assert rule.get("description"), f"{rtype}.{name} has no description"
        assert rule["ip_protocol"] == "tcp", f"{rtype}.{name}: only TCP on named ports"
        assert "from_port" in rule and rule["from_port"] == rule["to_port"], f"{rtype}.{name}: one port per rule"
        assert "-1" not in str(rule["ip_protocol"])


def test_no_internet_ingress_except_alb_web_ports_and_bastion_admin_cidrs():
    ingress = module_resources("security_groups")["aws_vpc_security_group_ingress_rule"]
    open_to_all = {n for n, r in ingress.items() if r.get("cidr_ipv4") == "0.0.0.0/0" or r.get("cidr_ipv6") == "::/0"}
    assert open_to_all == {"alb_internet_ipv4", "alb_internet_ipv6"}
    for name in open_to_all:
        assert ingress[name]["security_group_id"] == "aws_security_group.alb.id"
    local = module_locals("security_groups")
    assert local["internet_ports"] == 'var.alb_ingress == "internet" ? { http = 80, https = 443 } : {}'
    assert ingress["alb_internet_ipv4"]["for_each"] == "local.internet_ports"
    assert ingress["alb_internet_ipv6"]["for_each"] == "local.ipv6_ports"
    # the only other CIDR-based ingress: SSH from the admin list (validated: no /0) and HTTPS to the endpoints
    cidr_rules = {n: r for n, r in ingress.items() if "cidr_ipv4" in r and n not in open_to_all}
    assert cidr_rules.keys() == {"bastion_ssh", "endpoints_https"}
    assert cidr_rules["bastion_ssh"]["cidr_ipv4"] == "each.key"
    assert cidr_rules["bastion_ssh"]["from_port"] == 22
    assert local["admin_cidrs"] == "var.bastion_enabled ? toset(var.bastion_admin_cidrs) : toset([])"


def test_cloudfront_mode_uses_the_managed_prefix_list():
    ingress = module_resources("security_groups")["aws_vpc_security_group_ingress_rule"]
    data = module_data("security_groups")["aws_ec2_managed_prefix_list"]["cloudfront"]
    assert data["name"] == "com.amazonaws.global.cloudfront.origin-facing"
    rule = ingress["alb_cloudfront"]
    assert rule["prefix_list_id"] == "data.aws_ec2_managed_prefix_list.cloudfront[0].id"
    assert rule["from_port"] == 443 and "cidr_ipv4" not in rule


def test_endpoints_accept_https_from_the_vpc_cidr_only():
    resources = module_resources("security_groups")
    ingress = [r for t in RULE_TYPES for r in resources[t].values()
               if r["security_group_id"] == "aws_security_group.endpoints.id"]
    assert ingress == [resources["aws_vpc_security_group_ingress_rule"]["endpoints_https"]]
    assert ingress[0]["cidr_ipv4"] == "var.vpc_cidr_block" and ingress[0]["from_port"] == 443


def test_data_tier_is_reached_only_from_services_and_bastion():
    resources = module_resources("security_groups")
    ingress = resources["aws_vpc_security_group_ingress_rule"]
    for group in ("rds", "redis"):
        rules = {n: r for n, r in ingress.items() if r["security_group_id"] == f"aws_security_group.{group}.id"}
        sources = {r["referenced_security_group_id"] for r in rules.values()}
        expected = {"aws_security_group.service[each.key].id"}
        if group == "rds":
            expected.add("aws_security_group.bastion[0].id")
        assert sources == expected
        assert all("cidr_ipv4" not in r and "cidr_ipv6" not in r for r in rules.values())
    # nothing may leave the data tier and the endpoints: no egress rule on those groups
    egress = resources["aws_vpc_security_group_egress_rule"]
    assert not [n for n, r in egress.items() if r["security_group_id"] in
                {"aws_security_group.rds.id", "aws_security_group.redis.id", "aws_security_group.endpoints.id"}]


def test_service_egress_is_https_database_and_cache_only():
    egress = module_resources("security_groups")["aws_vpc_security_group_egress_rule"]
    service = {n: r for n, r in egress.items() if r["security_group_id"] == "aws_security_group.service[each.key].id"}
    assert set(service) == {"service_https", "service_to_rds", "service_to_redis"}
    assert service["service_https"]["from_port"] == 443 and service["service_https"]["cidr_ipv4"] == "0.0.0.0/0"
    assert service["service_to_rds"]["referenced_security_group_id"] == "aws_security_group.rds.id"
    assert service["service_to_redis"]["referenced_security_group_id"] == "aws_security_group.redis.id"
    alb = {n: r for n, r in egress.items() if r["security_group_id"] == "aws_security_group.alb.id"}
    assert list(alb) == ["alb_to_service"]
    assert alb["alb_to_service"]["referenced_security_group_id"] == "aws_security_group.service[each.key].id"
    assert alb["alb_to_service"]["from_port"] == "each.value.port"


# --- vpc_endpoints and bastion modules ----------------------------------------------------------


def test_vpc_endpoints_module():
    endpoints = module_resources("vpc_endpoints")["aws_vpc_endpoint"]
    gateway, interface = endpoints["gateway"], endpoints["interface"]
    assert gateway["vpc_endpoint_type"] == "Gateway" and gateway["route_table_ids"] == "var.private_route_table_ids"
    assert interface["vpc_endpoint_type"] == "Interface"
    assert interface["private_dns_enabled"] is True
    assert interface["subnet_ids"] == "var.private_subnet_ids"
    assert interface["security_group_ids"] == ["var.security_group_id"]
    assert "data.aws_region.current.id" in (MODULES / "vpc_endpoints" / "main.tf").read_text()
    assert ".name" not in module_locals("vpc_endpoints")["region"]


def test_bastion_module_is_hardened():
    resources = module_resources("bastion")
    instance = resources["aws_instance"]["this"]
    assert instance["metadata_options"] == {"http_endpoint": "enabled", "http_tokens": "required",
                                            "http_put_response_hop_limit": 1, "instance_metadata_tags": "disabled"}
    root = instance["root_block_device"]
    assert root["encrypted"] is True and root["kms_key_id"] == "var.kms_key_arn"
    assert instance["vpc_security_group_ids"] == ["var.security_group_id"]
    assert "security_groups" not in instance
    for forbidden in ("user_data", "user_data_base64", "key_name", "cpu_core_count", "cpu_threads_per_core"):
        assert forbidden not in instance, forbidden
    ami = module_data("bastion")["aws_ami"]["al2023"]
    assert ami["owners"] == ["amazon"] and ami["most_recent"] is True
    filters = ami["filter"] if isinstance(ami["filter"], list) else [ami["filter"]]
    by_name = {f["name"]: f["values"] for f in filters}
    assert by_name["name"] == ["al2023-ami-2023.*-kernel-*-var.architecture"]  # pygohcl drops the ${}
    assert by_name["architecture"] == ["var.architecture"]
    role = resources["aws_iam_role"]["this"]
    assert "managed_policy_arns" not in role and "inline_policy" not in role
    attachment = resources["aws_iam_role_policy_attachment"]["ssm"]
    assert attachment["policy_arn"].endswith("AmazonSSMManagedInstanceCore")


@pytest.mark.parametrize("module", ["vpc", "security_groups", "vpc_endpoints", "bastion"])
def test_mock_outputs_cover_every_module_output(module):
    outputs = set(pygohcl.loads((MODULES / module / "outputs.tf").read_text())["output"])
    component = next(c for c in BY_NAME.values() if c.module == module)
    assert set(component.mock_outputs) == outputs


# --- rendered units -----------------------------------------------------------------------------


def test_dev_units(tree):
    sg = unit_inputs(tree, "dev", "security_groups")
    assert sg["alb_ingress"] in ("internet", "cloudfront")
    assert sg["services"] == {"auth": {"port": 8080}, "game-logic": {"port": 8080},
                              "leaderboard": {"port": 8080}, "realtime": {"port": 8080}}
    assert sg["bastion_enabled"] is True and sg["bastion_admin_cidrs"] == []
    assert sg["vpc_cidr_block"] == "dependency.vpc.outputs.vpc_cidr_block"
    endpoints = unit_inputs(tree, "dev", "vpc_endpoints")
    assert endpoints["gateway_services"] == ["s3", "dynamodb"] and endpoints["interface_services"] == []
    assert endpoints["security_group_id"] == "dependency.security_groups.outputs.endpoints_security_group_id"
    bastion = unit_inputs(tree, "dev", "bastion")
    assert bastion["instance_type"] == "t4g.nano" and bastion["architecture"] == "arm64"
    assert bastion["security_group_id"] == "dependency.security_groups.outputs.bastion_security_group_id"
    assert bastion["kms_key_arn"] == "dependency.kms.outputs.key_arn"
    assert bastion["public_subnet_ids"] == "dependency.vpc.outputs.public_subnet_ids"


def test_prod_units(tree):
    sg = unit_inputs(tree, "prod", "security_groups")
    assert sg["bastion_enabled"] is False and sg["bastion_admin_cidrs"] == []
    assert "infra/environments/prod/bastion/terragrunt.hcl" not in tree
    assert not any("../bastion" in text for path, text in tree.items() if "/prod/" in path)
    endpoints = unit_inputs(tree, "prod", "vpc_endpoints")
    assert endpoints["interface_services"] == ["ecr.api", "ecr.dkr", "logs", "ssm", "ssmmessages", "ec2messages",
                                               "secretsmanager", "kms", "sts"]
    assert set(endpoints["interface_services"]) <= set(INTERFACE_SERVICES)
    assert "infra/modules/bastion/main.tf" in tree  # dev still uses it


def test_data_tier_rules_follow_the_rds_and_redis_components(tree):
    for env in ("dev", "prod"):
        sg = unit_inputs(tree, env, "security_groups")
        assert sg["rds_enabled"] is ("rds" in BY_NAME and f"infra/environments/{env}/rds/terragrunt.hcl" in tree)
        assert sg["redis_enabled"] is ("redis" in BY_NAME and f"infra/environments/{env}/redis/terragrunt.hcl" in tree)
        assert sg["rds_port"] == 5432 and sg["redis_port"] == 6379


def test_bastion_off_removes_unit_and_every_reference(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "dev.yaml", {"bastion": {"enabled": False, "admin_cidrs": ["203.0.113.0/24"]}})
    tree = render_tree(project)
    assert not any(path.startswith("infra/environments/dev/bastion/") for path in tree)
    assert not any(path.startswith("infra/modules/bastion/") for path in tree)
    assert not any('"../bastion"' in text for text in tree.values())
    sg = unit_inputs(tree, "dev", "security_groups")
    assert sg["bastion_enabled"] is False and sg["bastion_admin_cidrs"] == []


def test_bastion_on_in_prod_with_admin_cidrs(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml",
                  {"bastion": {"enabled": True, "instance_type": "t3.nano", "admin_cidrs": ["203.0.113.0/24"]}})
    tree = render_tree(project)
    assert unit_inputs(tree, "prod", "security_groups")["bastion_admin_cidrs"] == ["203.0.113.0/24"]
    bastion = unit_inputs(tree, "prod", "bastion")
    assert bastion["instance_type"] == "t3.nano" and bastion["architecture"] == "x86_64"


def test_vpc_endpoints_off_removes_unit(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", {"vpc_endpoints": {"enabled": False}})
    tree = render_tree(project)
    assert "infra/environments/prod/vpc_endpoints/terragrunt.hcl" not in tree
    assert "infra/environments/dev/vpc_endpoints/terragrunt.hcl" in tree
    assert not any('"../vpc_endpoints"' in text for path, text in tree.items() if "/prod/" in path)


def test_disabled_service_gets_no_security_group(tmp_path):
    project = copy_repo(tmp_path)
    drop_previews(project)  # the example preview runs leaderboard
    edit_manifest(project, "customer-x", "dev.yaml", {"services": {"leaderboard": {"enabled": False}}})
    tree = render_tree(project)
    assert set(unit_inputs(tree, "dev", "security_groups")["services"]) == {"auth", "game-logic", "realtime"}
    assert "leaderboard" in unit_inputs(tree, "prod", "security_groups")["services"]


def test_ipv6_alb_ingress_toggle(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "dev.yaml", {"security_groups": {"alb_ingress_ipv6": True}})
    if unit_inputs(render_tree(copy_repo(tmp_path / "base")), "dev", "security_groups")["alb_ingress"] != "internet":
        pytest.skip("the dev profile puts the ALB behind CloudFront")
    assert unit_inputs(render_tree(project), "dev", "security_groups")["alb_ingress_ipv6"] is True


def test_alb_ingress_mode_is_read_from_the_alb_section():
    def env(alb: Any) -> Any:
        return SimpleNamespace(manifest=SimpleNamespace(alb=alb) if alb is not None else SimpleNamespace())

    assert SecurityGroups.alb_ingress(env(None)) == "internet"  # no alb component (yet)
    assert SecurityGroups.alb_ingress(env(SimpleNamespace(ingress="cloudfront"))) == "cloudfront"
    assert SecurityGroups.alb_ingress(env(SimpleNamespace(ingress="internet"))) == "internet"


def test_cloudfront_ingress_rendered(tmp_path):
    alb_settings = BY_NAME["alb"].Settings if "alb" in BY_NAME else None
    if alb_settings is None or "ingress" not in alb_settings.model_fields:
        pytest.skip("the alb component (alb.ingress) is not registered")
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", {"alb": {"ingress": "cloudfront"},
                                                       "security_groups": {"alb_ingress_ipv6": False}})
    assert unit_inputs(render_tree(project), "prod", "security_groups")["alb_ingress"] == "cloudfront"
    edit_manifest(project, "customer-x", "prod.yaml", {"security_groups": {"alb_ingress_ipv6": True}})
    message = render_error(project)
    line = line_of(project, "prod.yaml", "alb_ingress_ipv6")
    assert f"customers/customer-x/prod.yaml:{line}: security_groups.alb_ingress_ipv6: alb_ingress_ipv6 opens the " \
           "ALB to the IPv6 internet, but alb.ingress is 'cloudfront'" in message


# --- errors -------------------------------------------------------------------------------------


def test_ssh_from_anywhere_is_refused(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "dev.yaml", {"bastion": {"admin_cidrs": ["203.0.113.0/24", "0.0.0.0/0"]}})
    line = line_of(project, "dev.yaml", "0.0.0.0/0")
    assert (f"customers/customer-x/dev.yaml:{line}: bastion.admin_cidrs[1]: 0.0.0.0/0 would open SSH to the whole "
            "internet; list your admin networks' CIDRs, or none to use Session Manager only") in render_error(project)


def test_duplicate_admin_cidr_is_refused(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "dev.yaml", {"bastion": {"admin_cidrs": ["203.0.113.0/24", "203.0.113.0/24"]}})
    line = line_of(project, "dev.yaml", "admin_cidrs") + 2
    assert (f"customers/customer-x/dev.yaml:{line}: bastion.admin_cidrs[1]: 203.0.113.0/24 is listed twice"
            in render_error(project))


def test_invalid_admin_cidr_is_refused(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "dev.yaml", {"bastion": {"admin_cidrs": ["203.0.113.7/24"]}})
    message = render_error(project)
    assert "customers/customer-x/dev.yaml:" in message and "bastion.admin_cidrs[0]" in message
    assert "not an IPv4 CIDR block" in message


def test_unknown_bastion_instance_type_is_refused(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "dev.yaml", {"bastion": {"instance_type": "m5.24xlarge"}})
    message = render_error(project)
    line = line_of(project, "dev.yaml", "instance_type")
    assert f"customers/customer-x/dev.yaml:{line}: bastion.instance_type:" in message and "t4g.nano" in message


def test_unknown_interface_service_has_a_did_you_mean(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", {"vpc_endpoints": {"interface_services": ["logs", "ecr-api"]}})
    line = line_of(project, "prod.yaml", "ecr-api")
    assert (f"customers/customer-x/prod.yaml:{line}: vpc_endpoints.interface_services[1]: unknown interface service "
            "'ecr-api' (did you mean 'ecr.api'?); known: ecr.api, ecr.dkr") in render_error(project)


def test_gateway_service_listed_as_interface_is_refused(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", {"vpc_endpoints": {"interface_services": ["s3"]}})
    line = line_of(project, "prod.yaml", "- s3")
    assert (f"customers/customer-x/prod.yaml:{line}: vpc_endpoints.interface_services[0]: s3 is a gateway endpoint "
            "(free); list it under vpc_endpoints.gateway_services") in render_error(project)


def test_unknown_gateway_service_is_refused(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", {"vpc_endpoints": {"gateway_services": ["dynamo"]}})
    line = line_of(project, "prod.yaml", "dynamo")
    assert (f"customers/customer-x/prod.yaml:{line}: vpc_endpoints.gateway_services[0]: unknown gateway service "
            "'dynamo' (did you mean 'dynamodb'?); known: s3, dynamodb") in render_error(project)


def test_duplicate_endpoint_service_is_refused(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml", {"vpc_endpoints": {"interface_services": ["logs", "logs"]}})
    line = line_of(project, "prod.yaml", "interface_services") + 2
    assert (f"customers/customer-x/prod.yaml:{line}: vpc_endpoints.interface_services[1]: 'logs' is listed twice"
            in render_error(project))


def test_enabled_endpoints_with_nothing_to_create_is_refused(tmp_path):
    project = copy_repo(tmp_path)
    edit_manifest(project, "customer-x", "prod.yaml",
                  {"vpc_endpoints": {"enabled": True, "gateway_services": [], "interface_services": []}})
    line = line_of(project, "prod.yaml", "enabled: true", after="vpc_endpoints:")
    assert (f"customers/customer-x/prod.yaml:{line}: vpc_endpoints.enabled: vpc_endpoints is enabled but lists no "
            "gateway_services and no interface_services; list some or set enabled: false") in render_error(project)


# --- terraform test of each module --------------------------------------------------------------


@pytest.mark.terraform
@pytest.mark.parametrize("module", ["vpc", "security_groups", "vpc_endpoints", "bastion"])
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
