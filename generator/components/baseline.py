"""``account_baseline``: what AWS allows once per account and region, in ONE environment of the estate.

GuardDuty detector and features, Security Hub and its standard, the AWS Config recorder, delivery
channel, status, service role and rules, the ECR registry scanning configuration, the ECR
replication configuration (to the regions of the warm standbys of the environments there), and (in
the baseline of the account's first region only) the account's AWS services cost anomaly monitor. The
estate (generator/estate.py) decides which environment owns each (account, region) and merges what
every environment there asks for; this component only lays the owner's unit out. Every environment
keeps its own ``threat_detection`` unit forwarding findings to its own alert topic.
"""

from __future__ import annotations

from typing import Any

from ..errors import Problem
from ..hcl import Output
from .base import Assertion, Component, EnvContext, NamedResource, expect, hcl_value
from .resilience import _number


#: the AWS Config managed rules the module creates (keys of local.config_rules in its main.tf)
CONFIG_RULES = ("encrypted-volumes", "rds-storage-encrypted", "rds-multi-az", "s3-public-read-prohibited",
                "cloudtrail-enabled", "restricted-ssh")


#: the longest ``<customer>-<env>`` prefix the module accepts (its ``name`` variable's validation)
MAX_PREFIX = 40


class AccountBaseline(Component):
    name = "account_baseline"
    standby = "regional"
    stays_on_promotion = True
    module = "account_baseline"
    description = ("Account baseline, once per account and region in the estate: GuardDuty, Security Hub, AWS "
                   "Config, ECR registry scanning (and the account's services cost monitor).")
    Settings = None  # no manifest section: its settings are the union the estate computes
    kms_service_principals = ("config.amazonaws.com",)  # Config delivers with the owner's key
    mock_outputs = {
        "guardduty_detector_id": "12abc34d567e8fa901bc2d34e56789f0",
        "config_recorder_name": "mock-recorder",
        "config_rule_names": ["mock-encrypted-volumes"],
        "security_hub_standards_arns": [
            "arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/v/1.0.0"],
        "ecr_scan_type": "BASIC",
        "ecr_replication_destinations": {},
        "services_anomaly_monitor_arn": None,
    }
    diagram_label = "Account baseline: GuardDuty, Config, Security Hub"

    def enabled(self, env: EnvContext) -> bool:
        return env.estate.owns_baseline

    def summary(self, env: EnvContext) -> dict[str, Any]:
        b = env.estate.baseline
        on = [label for label, part in (("GuardDuty", b.guardduty), ("Config", b.config),
                                        ("Security Hub", b.security_hub),
                                        ("ECR enhanced scanning", b.ecr_enhanced_scanning),
                                        ("ECR replication to " + ", ".join(sorted({d for r in b.ecr_replication
                                                                                  for d in r.destinations})),
                                         bool(b.ecr_replication)),
                                        ("services cost monitor", b.services_monitor is not None)) if part]
        return {"Account baseline (this environment owns it)": ", ".join(on)}

    def names(self, env: EnvContext) -> list[NamedResource]:
        # the detector, hub, recorder and channel are singletons (one owner per account and region, decided
        # by the estate); what has a name of its own is compared like any environment's
        b = env.estate.baseline
        names = []
        if b.config:
            names.append(NamedResource("account", "IAM role", f"{env.prefix}-config-{env.region}", ()))
            names += [NamedResource("account-region", "AWS Config rule", f"{env.prefix}-{rule}", ())
                      for rule in CONFIG_RULES]
        if b.services_monitor:
            names.append(NamedResource("account", "Cost Explorer monitor", f"{env.prefix}-services", ()))
        return names

    def uses_primary_key(self, env: EnvContext) -> bool:
        b = env.estate.baseline
        return b is not None and b.config and (env.host_of("audit") or env) is not env

    def config_key(self, env: EnvContext) -> Output:
        """The key AWS Config encrypts its deliveries with: the customer key of the audit bucket's region
        (SSE-KMS needs a key in the bucket's region; a standby's baseline delivers to the primary's bucket)."""
        return (env.host_of("audit") or env).out("kms", "key_arn")

    def replication_rules(self, env: EnvContext) -> list[dict[str, list[str]]]:
        return [{"destination_regions": list(r.destinations), "repository_prefixes": list(r.prefixes)}
                for r in env.estate.baseline.ecr_replication]

    def inputs(self, env: EnvContext) -> dict[str, Any]:
        b = env.estate.baseline
        monitor = b.services_monitor
        replication = self.replication_rules(env)
        return {
            "name": env.prefix,
            "guardduty_enabled": b.guardduty,
            "guardduty_s3_protection": b.s3_protection,
            "guardduty_runtime_monitoring": b.runtime_monitoring,
            "finding_publishing_frequency": b.finding_publishing_frequency,
            "config_enabled": b.config,
            "config_bucket_name": env.out("audit", "bucket_name") if b.config else None,
            "kms_key_arn": self.config_key(env) if b.config else None,
            "config_recording_frequency": b.config_recording_frequency,
            "security_hub_enabled": b.security_hub,
            "ecr_enhanced_scanning": b.ecr_enhanced_scanning,
            "cost_anomaly_services_monitor": ({"threshold_usd": _number(monitor.threshold_usd),
                                               "emails": list(monitor.emails)} if monitor else None),
            **({"ecr_replication_rules": replication} if replication else {}),  # only where a standby asks
        }

    def assertions(self, env: EnvContext) -> list[Assertion]:
        b = env.estate.baseline
        result = [Assertion(f"length(aws_guardduty_detector.this) == {int(b.guardduty)}",
                            f"account_baseline: the GuardDuty detector must {'' if b.guardduty else 'not '}exist")]
        if b.guardduty:
            result += [
                Assertion("aws_guardduty_detector.this[0].enable", "account_baseline: the detector must be enabled"),
                expect("aws_guardduty_detector.this[0].finding_publishing_frequency", b.finding_publishing_frequency,
                       "account_baseline: findings published at the strictest frequency asked for"),
            ]
        result.append(Assertion(f"length(aws_config_configuration_recorder.this) == {int(b.config)}",
                                f"account_baseline: the Config recorder must {'' if b.config else 'not '}exist"))
        if b.config:
            recorder = "aws_config_configuration_recorder.this[0]"
            result += [
                Assertion(f"one({recorder}.recording_group).all_supported && "
                          f"one({recorder}.recording_group).include_global_resource_types",
                          "account_baseline: Config must record every supported resource type"),
                Assertion("aws_config_configuration_recorder_status.this[0].is_enabled",
                          "account_baseline: the Config recorder must be recording"),
                expect("aws_config_delivery_channel.this[0].s3_bucket_name", env.out("audit", "bucket_name"),
                       "account_baseline: Config must deliver to the owner's audit bucket"),
                expect("aws_config_delivery_channel.this[0].s3_kms_key_arn", self.config_key(env),
                       "account_baseline: Config deliveries must be encrypted with the customer KMS key of the "
                       "audit bucket's region"),
            ]
        result.append(Assertion(
            f"length(aws_securityhub_standards_subscription.fsbp) == {int(b.security_hub)}",
            f"account_baseline: the Security Hub standard must {'' if b.security_hub else 'not '}be subscribed"))
        result.append(Assertion(
            f"length(aws_ecr_registry_scanning_configuration.this) == {int(b.ecr_enhanced_scanning)}",
            "account_baseline: enhanced registry scanning exactly when an environment here asks for it"))
        rules = b.ecr_replication
        result.append(Assertion(
            f"length(aws_ecr_replication_configuration.this) == {int(bool(rules))}",
            "account_baseline: an ECR replication configuration exactly when a warm standby of an environment here "
            "pulls from another region"))
        if rules:
            configured = "one(aws_ecr_replication_configuration.this[0].replication_configuration).rule"
            result.append(Assertion(f"length({configured}) == {len(rules)}",
                                    "account_baseline: one ECR replication rule per set of standby regions"))
            for index, rule in enumerate(rules):
                item = f"{configured}[{index}]"
                result.append(Assertion(
                    f"sort([for d in {item}.destination : d.region]) == sort({hcl_value(list(rule.destinations))}) "
                    f"&& alltrue([for d in {item}.destination : d.registry_id == {hcl_value(env.account_id)}]) && "
                    f"sort([for f in {item}.repository_filter : f.filter]) == sort({hcl_value(list(rule.prefixes))}) "
                    f'&& alltrue([for f in {item}.repository_filter : f.filter_type == "PREFIX_MATCH"])',
                    f"account_baseline: ECR must replicate {', '.join(rule.prefixes)} to the standby region(s) "
                    f"{', '.join(rule.destinations)} of this account"))
        if b.services_monitor:
            result.append(Assertion(
                'aws_ce_anomaly_monitor.services[0].monitor_type == "DIMENSIONAL" && '
                f"sort([for s in aws_ce_anomaly_subscription.services[0].subscriber : s.address]) == "
                f"sort({hcl_value(list(b.services_monitor.emails))})",
                "account_baseline: the account's services monitor alerts every asking environment's emails"))
        return result


__all__ = ["AccountBaseline", "prefix_problems"]


def prefix_problems(environments) -> list[Problem]:
    """An estate check (environments with their real views): the owner's ``<customer>-<env>`` prefix
    must fit the module's name (the AWS Config role is <prefix>-config-<region>, at most 64 characters).
    Not a ``Component.check``: those run before the estate decides who owns the baseline."""
    return [env.problem(("customer", "name"), f"the resource prefix {env.prefix!r} of this environment, which owns "
                        f"its account's baseline, is longer than {MAX_PREFIX} characters (the AWS Config role is "
                        "<prefix>-config-<region>, at most 64); use a shorter customer or environment name, or let "
                        "another environment own the baseline (aws.baseline_owner)")
            for env in environments if env.estate.owns_baseline and len(env.prefix) > MAX_PREFIX]
