"""The checkov configuration of an environment: which checks its own settings explain, and why.

``output/<customer>/infra/environments/<env>.checkov.yaml`` is a checkov ``--config-file``:

    checkov -d output/<c>/infra --var-file output/<c>/infra/environments/<env>.tfvars \\
            --config-file output/<c>/infra/environments/<env>.checkov.yaml

Findings that never depend on the environment carry an inline ``# checkov:skip=<ID>:<reason>`` in
the module (templates/modules). What depends on the environment's resolved settings is decided here,
check by check, with the setting, its value and the manifest file that chose it as the reason:

- deviations: choices only a non-production environment makes (short log retention, no deletion
  protection, a single-AZ database, no container insights). A production environment never skips
  them, whatever its settings: there the scanner must report them.
- unseen: the modules do what the check asks, but in a way checkov cannot follow (a value passed
  through the root's object variables, a web ACL associated from another module); skipped only
  while the setting that makes it true holds (e.g. waf.enabled).
- choices: a setting the customer decides on the merits (HSTS preload).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .components import EnvContext
from .yamlload import KeyPath, format_path

#: checkov's minimum CloudWatch Logs retention (CKV_AWS_338)
CHECKOV_MIN_RETENTION_DAYS = 365
#: what a check ID looks like (the config file is YAML; IDs are written as JSON strings)
CHECK_ID = re.compile(r"^CKV2?_AWS_[0-9]+$")


@dataclass(frozen=True)
class Skip:
    """One skipped check of one environment."""

    check_id: str
    reason: str
    #: a non-production deviation: never skipped in a production environment
    deviation: bool = False

    def __post_init__(self) -> None:
        if not CHECK_ID.match(self.check_id):
            raise ValueError(f"not a checkov AWS check id: {self.check_id!r}")
        if not self.reason or "\n" in self.reason:
            raise ValueError(f"{self.check_id}: the reason must be one non-empty line")


def _setting(env: EnvContext, path: KeyPath, value: object) -> str:
    """``rds.multi_az: false (customers/x/dev.yaml)``: the setting and the file that chose it."""
    shown = json.dumps(value) if isinstance(value, bool) or value is None else str(value)
    winner = env.merged.winner(path)
    where = f" ({winner.file})" if winner is not None else " (schema default)"
    return f"{format_path(path)}: {shown}{where}"


def _deviations(env: EnvContext) -> list[Skip]:
    m = env.manifest
    result: list[Skip] = []
    short = [(("logging", "retention_days"), m.logging.retention_days)]
    if env.enabled("audit"):
        short.append((("audit", "log_retention_days"), m.audit.log_retention_days))
    short = [(path, days) for path, days in short if days < CHECKOV_MIN_RETENTION_DAYS]
    if short:
        result.append(Skip("CKV_AWS_338", "log groups keep their events less than a year: "
                           + "; ".join(_setting(env, p, d) for p, d in short)
                           + f"; profile {env.profile}: a non-production environment's logs are short-lived",
                           deviation=True))
    if not m.alb.deletion_protection:
        result.append(Skip("CKV_AWS_150", "the ALB can be deleted: " + _setting(
            env, ("alb", "deletion_protection"), False) + f"; profile {env.profile}: torn down and rebuilt freely",
            deviation=True))
    if env.enabled("rds"):
        if not m.rds.deletion_protection:
            result.append(Skip("CKV_AWS_293", "the database can be deleted: " + _setting(
                env, ("rds", "deletion_protection"), False) + f"; profile {env.profile}: torn down and rebuilt freely",
                deviation=True))
        if not m.rds.multi_az:
            result.append(Skip("CKV_AWS_157", "a single-AZ database: " + _setting(
                env, ("rds", "multi_az"), False) + f"; profile {env.profile}: no standby, an AZ outage stops it",
                deviation=True))
    if env.enabled("redis") and not m.redis.automatic_failover:
        result.append(Skip("CKV2_AWS_50", "a cache without automatic failover: " + _setting(
            env, ("redis", "automatic_failover"), False) + f"; profile {env.profile}: one node, a node failure "
            "empties the cache until ElastiCache replaces it", deviation=True))
    if m.ecs.container_insights == "disabled":
        result.append(Skip("CKV_AWS_65", "no Container Insights: " + _setting(
            env, ("ecs", "container_insights"), "disabled") + f"; profile {env.profile}", deviation=True))
    return result


def _unseen(env: EnvContext) -> list[Skip]:
    result: list[Skip] = []
    # CKV_AWS_65 (Container Insights through an object variable) is skipped inline on the cluster:
    # production may not disable it, and validate --terraform asserts the value
    if env.enabled("waf"):
        result.append(Skip("CKV2_AWS_28", "the waf unit associates its REGIONAL web ACL with the ALB "
                           "(aws_wafv2_web_acl_association in the waf module, which checkov does not connect to "
                           "the ALB of another module); " + _setting(env, ("waf", "enabled"), True)))
        if env.enabled("cdn"):
            result.append(Skip("CKV2_AWS_47", "the distribution's CLOUDFRONT web ACL (waf unit, web_acl_id) runs "
                               "AWSManagedRulesKnownBadInputsRuleSet, whose Log4JRCE rule blocks; it is built by "
                               "dynamic blocks in another module, which checkov cannot follow; "
                               + _setting(env, ("waf", "enabled"), True)))
    return result


def _choices(env: EnvContext) -> list[Skip]:
    result: list[Skip] = []
    h = env.manifest.cdn.security_headers
    # CKV_AWS_259 wants max-age >= 1 year, includeSubDomains, preload and override (always true in the
    # module): skipped only when preload is the one gap, a decision for the domain owner
    if env.enabled("cdn") and not h.hsts_preload and h.hsts_include_subdomains and h.hsts_max_age_seconds >= 31536000:
        result.append(Skip("CKV_AWS_259", f"HSTS is sent with max-age={h.hsts_max_age_seconds} and includeSubDomains, "
                           "without preload: " + "; ".join(_setting(env, ("cdn", "security_headers", key), value) for key, value in (
                               ("hsts_max_age_seconds", h.hsts_max_age_seconds), ("hsts_include_subdomains", True),
                               ("hsts_preload", False)))
                           + "; preload lists the whole domain in browsers, a commitment for the domain owner"))
    # CKV_AWS_374 wants a CloudFront geo restriction: where players may play is the operator's business
    # (licences, sanctions), not a security property fgen can decide; a whitelist or blacklist passes
    if env.enabled("cdn") and env.manifest.cdn.geo_restriction_type == "none":
        result.append(Skip("CKV_AWS_374", "CloudFront serves every country: "
                           + _setting(env, ("cdn", "geo_restriction_type"), "none")
                           + "; which countries may play is the operator's decision (licences, sanctions)"))
    return result


def skips(env: EnvContext) -> list[Skip]:
    """The environment's skipped checks, sorted by check id; a production environment gets no deviation."""
    found = _unseen(env) + _choices(env) + ([] if env.is_production else _deviations(env))
    return sorted(found, key=lambda s: (s.check_id, s.reason))


def checkov_config_path(env_name: str) -> str:
    """Where the config of ``env_name`` lives, relative to output/<customer>/."""
    return f"infra/environments/{env_name}.checkov.yaml"


def checkov_view(customer: str, env: EnvContext) -> dict[str, object]:
    """What templates/plain/checkov.yaml.j2 lays out: the intro comment's lines, and per skip its
    comment line and check id."""
    infra = f"output/{customer}/infra"
    intro = [f"checkov configuration of environment {env.name} (profile {env.profile}), from its resolved settings:",
             f"checkov -d {infra} --var-file {infra}/environments/{env.name}.tfvars \\",
             f"  --config-file output/{customer}/{checkov_config_path(env.name)}",
             "Checks every environment passes or skips for the same reason are skipped inline in the modules",
             "(# checkov:skip=<ID>:<reason>). Below: the checks this environment's settings explain, each with the",
             "setting and the manifest file that chose it. A production environment never skips a non-production",
             "deviation (short log retention, no deletion protection, single-AZ, ...)."]
    return {
        "intro": intro,
        "skips": [{"comment": ("non-production deviation: " if s.deviation else "") + s.reason, "check_id": s.check_id}
                  for s in skips(env)],
    }
