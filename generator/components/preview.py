"""Feature-branch previews of a non-production environment.

A preview is one Terragrunt unit per branch, at ``infra/environments/<env>/previews/<slug>/``, that
reuses the environment's VPC, cluster, ALB, security groups, database and cache (as dependencies)
and adds, per previewed service, an ECS service (one task, image tagged by branch), a target group
and a listener rule on the HTTPS listener matching ``Host: <slug>.<env domain>`` plus the service's
paths. Requests to the preview host for services that are not previewed fall through to the
environment's own rules, so a preview only needs to run what the branch changes.

Previews are listed in the environment manifest (``previews: {<branch>: {...}}``), never in
production. They are not a catalogue component: their units are derived per branch.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from ..errors import Problem
from ..schema.base import StrictModel
from ..schema.services import ServiceName
from .application import NONPROD_RULES_BASE, enabled_services, fit_name, target_group_name
from ..hcl import encode
from .base import Assertion, EnvContext, NamedResource

#: the Terraform module of every preview unit (templates/modules/preview)
PREVIEW_MODULE = "preview"

# --- names ----------------------------------------------------------------------------------------

#: the longest slug: it goes into unit folders, ECS service names, DNS labels (63) and, truncated
#: with a hash, into target group names (32)
SLUG_MAX = 32
_HASH = 6
_CLEAN = re.compile(r"^[a-z](?:[a-z0-9]|-(?!-))*$")

BranchName = Annotated[str, StringConstraints(min_length=1, max_length=200,
                                              pattern=r"^[A-Za-z0-9][A-Za-z0-9._/+@-]*$")]
ImageTag = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:_HASH]


def branch_slug(branch: str) -> str:
    """A branch name as a unit, resource and DNS-label name: ``[a-z][a-z0-9-]*``, at most 32 characters.

    A branch that already is such a name keeps it. Any other (upper case, ``/``, ``_``, runs of
    separators, too long, leading digit) becomes its lowercased, collapsed form, cut to fit,
    plus ``-`` and a 6-character hash of the *original* name. So the slug of one branch never
    depends on the other branches, and ``feature/Foo`` (``feature-foo-<hash>``) and
    ``feature-foo`` (``feature-foo``) stay apart.
    """
    if len(branch) <= SLUG_MAX and _CLEAN.fullmatch(branch) and not branch.endswith("-"):
        return branch
    base = re.sub(r"[^a-z0-9]+", "-", branch.lower()).strip("-")
    if not base or not base[0].isalpha():
        base = f"b-{base}".rstrip("-")
    base = base[:SLUG_MAX - _HASH - 1].rstrip("-")
    return f"{base}-{_digest(branch)}"


def preview_db_name(db_name: str, slug: str) -> str:
    """The preview's database on the environment's instance: ``<db>_<slug>`` as a PostgreSQL identifier
    (at most 63 characters; longer names are cut and hashed)."""
    return fit_name(f"{db_name}_{slug.replace('-', '_')}", 63).replace("-", "_")


def preview_folder(env_name: str, slug: str) -> str:
    return f"infra/environments/{env_name}/previews/{slug}"


def preview_unit_name(slug: str) -> str:
    return f"previews/{slug}"


# --- listener rule priorities ---------------------------------------------------------------------

#: In environments that may have previews the environment's own path rules start here, so that
#: every preview rule (host *and* path) is evaluated before the path-only rule it narrows.
MAIN_RULES_BASE = NONPROD_RULES_BASE
PREVIEW_FIRST = 1000
#: rules per preview: one per service, at base + the service's index among all services
PREVIEW_SLOT = 50
PREVIEW_SLOTS = (MAIN_RULES_BASE - PREVIEW_FIRST) // PREVIEW_SLOT
#: Application Load Balancer quota: rules per load balancer (default, excluding default rules)
ALB_RULES_QUOTA = 100
#: ALB: condition values per rule; the host header takes one
ALB_CONDITION_VALUES = 5


def default_rule_base(slug: str) -> int:
    """The first listener rule priority of a preview: a slot chosen by a hash of its slug."""
    return PREVIEW_FIRST + (int(hashlib.sha256(slug.encode()).hexdigest(), 16) % PREVIEW_SLOTS) * PREVIEW_SLOT


# --- manifest -------------------------------------------------------------------------------------


class PreviewSettings(StrictModel):
    expires: datetime.date = Field(description="Last day of the preview (YYYY-MM-DD); afterwards validation "
                                   "fails until it is removed.")
    services: list[ServiceName] | None = Field(
        default=None, min_length=1,
        description="Services the preview runs (default: every enabled service); the others are served by "
                    "the environment's own services.")
    image_tag: ImageTag | None = Field(default=None, description="Image tag to run (default: the branch slug).")
    rule_priority: int | None = Field(
        default=None, ge=PREVIEW_FIRST, le=MAIN_RULES_BASE - PREVIEW_SLOT,
        description="First listener rule priority of the preview (default: derived from the branch name); "
                    "set it only when two previews collide.")


Previews = dict[BranchName, PreviewSettings]


def today() -> datetime.date:
    """Today (UTC), by the same clock as event windows: ``FGEN_NOW`` pins it for tests and reproducible runs."""
    from .operations import utc_now

    return utc_now().date()


def previews(env: EnvContext) -> dict[str, PreviewSettings]:
    return dict(sorted((getattr(env.manifest, "previews", None) or {}).items()))


def preview_services(env: EnvContext, preview: PreviewSettings) -> list[str]:
    enabled = enabled_services(env)
    return sorted(preview.services) if preview.services is not None else list(enabled)


def rule_base(preview: PreviewSettings, slug: str) -> int:
    return preview.rule_priority if preview.rule_priority is not None else default_rule_base(slug)


def service_index(env: EnvContext) -> dict[str, int]:
    """Offset of each service's rule within a preview's slot: its index among *all* services."""
    return {name: index for index, name in enumerate(sorted(env.manifest.services))}


def destroy_command(customer: str, env_name: str, slug: str) -> str:
    return f"cd output/{customer}/{preview_folder(env_name, slug)} && terragrunt destroy"


def check_previews(env: EnvContext) -> list[Problem]:
    """Every rule about previews, each located at the manifest line that set the value."""
    items = previews(env)
    if not items:
        return []
    if env.is_production:
        return [env.problem(("previews",), "previews are for non-production environments only; remove this "
                            "section (production runs released images only)")]
    problems: list[Problem] = []
    if env.manifest.alb.ingress != "internet":
        problems.append(env.problem(("alb", "ingress"), "previews are reached at the load balancer under "
                                    f"<branch>.{env.manifest.dns.domain}, which alb.ingress: "
                                    f"{env.manifest.alb.ingress} closes to all but CloudFront; use ingress: "
                                    "internet or remove the previews"))
    enabled = enabled_services(env)
    index = service_index(env)
    if len(index) > PREVIEW_SLOT:
        problems.append(env.problem(("previews",), f"previews support at most {PREVIEW_SLOT} services, "
                                    f"the environment has {len(index)}"))
    now = today()
    slugs: dict[str, str] = {}
    slots: dict[int, str] = {}
    rules = len(enabled)
    for branch, p in items.items():
        slug = branch_slug(branch)
        where = ("previews", branch)
        if slug in slugs:
            problems.append(env.problem(where, f"branch {branch!r} and {slugs[slug]!r} have the same name "
                                        f"{slug!r} once sanitised; remove one"))
        slugs[slug] = branch
        if p.expires < now:
            problems.append(env.problem(where + ("expires",), (
                f"preview {branch!r} expired on {p.expires.isoformat()}: destroy it "
                f"({destroy_command(env.customer, env.name, slug)}), then "
                f"`fgen preview remove {env.customer} {branch}` and `fgen render {env.customer} "
                "--allow-unit-removal`; or move expires to a later date")))
        for name in p.services or []:
            if name not in enabled:
                known = ", ".join(enabled)
                problems.append(env.problem(where + ("services",), f"unknown or disabled service {name!r}; "
                                            f"enabled services: {known}"))
        names = [n for n in preview_services(env, p) if n in enabled]
        rules += len(names)
        for name in names:
            if len(env.manifest.services[name].path_patterns) > ALB_CONDITION_VALUES - 1:
                problems.append(env.problem(("services", name, "path_patterns"), (
                    f"a preview rule matches the host and the paths of service {name!r}; ALB rules take "
                    f"{ALB_CONDITION_VALUES} condition values, so previewed services may have at most "
                    f"{ALB_CONDITION_VALUES - 1} path patterns")))
        base = rule_base(p, slug)
        slot = (base - PREVIEW_FIRST) // PREVIEW_SLOT
        span = {(base + index[n] - PREVIEW_FIRST) // PREVIEW_SLOT for n in names} | {slot}
        for taken in sorted(span):
            if taken in slots:
                other = slots[taken]
                free = next((PREVIEW_FIRST + s * PREVIEW_SLOT for s in range(PREVIEW_SLOTS)
                             if s not in slots and s not in span), None)
                problems.append(env.problem(where, (
                    f"the listener rule priorities of preview {branch!r} collide with those of preview "
                    f"{other!r}; set previews.{branch}.rule_priority to a free slot, e.g. {free}")))
                break
        for taken in span:
            slots.setdefault(taken, branch)
        host = f"{slug}.{env.manifest.dns.domain}"
        if len(host) > 253:
            problems.append(env.problem(where, f"the preview host name {host!r} is longer than 253 characters"))
    if rules > ALB_RULES_QUOTA:
        problems.append(env.problem(("previews",), (
            f"the load balancer would need {rules} listener rules (the environment's and the previews'), "
            f"more than the default quota of {ALB_RULES_QUOTA}; remove previews or narrow their services")))
    return problems


# --- unit inputs ----------------------------------------------------------------------------------


def preview_inputs(env: EnvContext, branch: str, p: PreviewSettings) -> dict[str, Any]:
    """The inputs of one preview's unit (module ``preview``)."""
    from .application import Ecs

    slug = branch_slug(branch)
    name = f"{env.prefix}-{slug}"
    host = f"{slug}.{env.manifest.dns.domain}"
    ecs = Ecs()
    services = enabled_services(env)
    index = service_index(env)
    base = rule_base(p, slug)
    tag = p.image_tag or slug
    arn_prefix = ecs.parameter_arn_prefix(env)
    alb = env.manifest.alb
    database = None
    config = {"PREVIEW_NAME": slug, "PREVIEW_HOST": host}
    if env.enabled("rds"):
        db_name = preview_db_name(env.manifest.rds.db_name, slug)
        database = {
            "host": env.out("rds", "address"),
            "port": env.out("rds", "port"),
            "name": db_name,
            "secret_arn": env.out("rds", "master_user_secret_arn"),
        }
    config.update(ecs.identity_config(env))
    result = {}
    for service in preview_services(env, p):
        s = services[service]
        family = f"{name}-{service}"
        result[service] = {
            **ecs.task(env, service, s, family, f"/ecs/{env.prefix}/previews/{slug}/{service}", tag, config),
            "target_group_name": target_group_name(name, service, s.port),
            "priority": base + index[service],
            "path_patterns": list(s.path_patterns),
            "health_check_path": s.health_check_path,
            "stickiness": s.stickiness,
        }
    return {
        "name": name,
        "branch": branch,
        "host": host,
        "expires": p.expires.isoformat(),
        "cluster_arn": env.out("ecs", "cluster_arn"),
        "listener_arn": env.out("alb", "https_listener_arn"),
        "vpc_id": env.out("vpc", "vpc_id"),
        "private_subnet_ids": env.out("vpc", "private_subnet_ids"),
        "service_security_group_ids": env.out("security_groups", "service_security_group_ids"),
        "kms_key_arn": env.out("kms", "key_arn"),
        "log_retention_days": env.manifest.logging.retention_days,
        "ssm_parameter_arn_prefix": arn_prefix,
        "deregistration_delay": alb.deregistration_delay_seconds,
        "health_check": {
            "interval": alb.health_check.interval_seconds,
            "timeout": alb.health_check.timeout_seconds,
            "healthy_threshold": alb.health_check.healthy_threshold,
            "unhealthy_threshold": alb.health_check.unhealthy_threshold,
            "matcher": alb.health_check.matcher,
        },
        "database": database,
        "redis": ecs.redis(env),  # exactly what dev's services get
        "services": result,
    }


def preview_names(env: EnvContext) -> list[NamedResource]:
    """The names AWS requires unique that the environment's preview units create (for the estate
    check): each previewed service's IAM roles, log group and target group."""
    names = []
    for branch, settings in previews(env).items():
        for service in preview_inputs(env, branch, settings)["services"].values():
            names += [NamedResource("account", "IAM role", service["task_role_name"], ()),
                      NamedResource("account", "IAM role", service["execution_role_name"], ()),
                      NamedResource("account-region", "CloudWatch log group", service["log_group_name"], ()),
                      NamedResource("account-region", "target group", service["target_group_name"], ())]
    return names


def preview_assertions(env: EnvContext, unit: str) -> list[Assertion]:
    """What ``fgen validate --terraform`` asserts on a preview's planned resources (see tfassert)."""
    from .base import expect, expect_set

    slug = unit.removeprefix("previews/")
    branch, settings = next((b, p) for b, p in previews(env).items() if branch_slug(b) == slug)
    services = preview_services(env, settings)
    host = f"{slug}.{env.manifest.dns.domain}"
    base = rule_base(settings, slug)
    index = service_index(env)
    return [
        expect_set("keys(aws_ecs_service.this)", services, f"preview {branch}: one ECS service per previewed service"),
        Assertion("alltrue([for s in aws_ecs_service.this : s.desired_count == 1])",
                  f"preview {branch}: every service runs one task"),
        Assertion("alltrue([for s in aws_ecs_service.this : one(s.network_configuration).assign_public_ip == false])",
                  f"preview {branch}: tasks get no public IP"),
        Assertion(f"alltrue([for r in aws_lb_listener_rule.this : contains(flatten([for c in r.condition : "
                  f"[for h in c.host_header : tolist(h.values)]]), {encode(host)})])",
                  f"preview {branch}: every listener rule matches the host {host}"),
        expect("{for k, r in aws_lb_listener_rule.this : k => r.priority}",
               {s: base + index[s] for s in services}, f"preview {branch}: rule priorities as planned"),
    ]
