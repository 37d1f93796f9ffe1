"""Security and compliance components.

* ``audit`` (switchable): a multi-region CloudTrail trail with log file validation, encrypted with
  the customer key, delivered to a dedicated audit bucket (Glacier, then expiry) and to a
  CloudWatch log group carrying the CIS AWS Foundations metric filters and alarms (to the alert
  topic). Optionally records the assets bucket's object-level (data) events.
* ``ecr`` (switchable): one immutable-tag, scan-on-push, KMS-encrypted repository per enabled
  service that deploys the default image ``<account>.dkr.ecr.<region>.amazonaws.com/<customer>/<service>``.
* ``operator_access`` (switchable): MFA-only IAM roles ``<prefix>-admin`` and ``<prefix>-readonly``
  for the listed principals. Admins may open Session Manager sessions (and EC2 Instance Connect) on
  the bastion only, and ECS Exec in the customer's cluster; the read-only role is denied every
  session and command.
* ``identity`` (switchable): the platform's own Cognito user pool (players, moderators, admins),
  its public app client and hosted domain. Services validate JWTs against the ``issuer`` output.
* ``threat_detection`` (present while GuardDuty is asked for and alerts are on): the account's
  GuardDuty findings forwarded to this environment's alert topic. The detector, AWS Config and
  Security Hub themselves are per account and region: the estate's owner environment creates them in
  its ``account_baseline`` unit (generator/components/baseline.py) from what every environment asks.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from ..errors import Problem
from ..schema.base import StrictModel
from ..schema.types import LogRetentionDays
from .application import S3_ACCESS_LOG_PREFIX
from .base import Assertion, Component, EnvContext, NamedResource, expect, expect_set, hcl_value, log_groups

# --- audit (CloudTrail) -------------------------------------------------------------------------

#: the CIS AWS Foundations Benchmark checks the audit module alarms on (metric filter names)
CIS_CHECKS = (
    "unauthorized-api-calls",
    "console-signin-without-mfa",
    "root-account-usage",
    "iam-policy-changes",
    "cloudtrail-config-changes",
    "kms-key-disable-or-deletion",
    "security-group-changes",
    "network-acl-changes",
)


class AuditSettings(StrictModel):
    enabled: bool = Field(description="Record API activity with a CloudTrail trail in this environment's account.")
    bucket_name: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$",
                                    description="Audit bucket name; default <customer>-<env>-audit-<account id>.")
    force_destroy: bool = Field(description="Allow destroying the audit bucket with log files in it (refused in "
                                            "production).")
    transition_to_glacier_days: int = Field(ge=1, le=3650, description="Move log files to Glacier after.")
    expiration_days: int = Field(ge=2, le=3653, description="Delete log files after (longer than the Glacier "
                                                            "transition).")
    log_retention_days: LogRetentionDays = Field(description="Retention of the trail's CloudWatch log group, days.")
    s3_data_events: bool = Field(description="Also record object-level (data) events of the assets bucket "
                                             "(charged per event).")
    cis_alarms: bool = Field(description="CIS AWS Foundations metric filters and alarms, notifying the alert topic.")

    @model_validator(mode="after")
    def _order(self) -> "AuditSettings":
        if self.expiration_days <= self.transition_to_glacier_days:
            raise ValueError(f"expiration_days ({self.expiration_days}) must come after "
                             f"transition_to_glacier_days ({self.transition_to_glacier_days})")
        return self


class Audit(Component):
    name = "audit"
    standby = "shared"
    module = "audit"
    description = "CloudTrail trail (multi-region, validated, KMS) with audit bucket, log group and CIS alarms."
    Settings = AuditSettings
    kms_service_principals = ("cloudtrail.amazonaws.com",)
    mock_outputs = {
        "trail_arn": "arn:aws:cloudtrail:eu-west-1:111111111111:trail/mock-trail",
        "trail_name": "mock-trail",
        "bucket_name": "mock-audit",
        "bucket_arn": "arn:aws:s3:::mock-audit",
        "log_group_name": "/aws/cloudtrail/mock",
        "cis_alarm_arns": {check: f"arn:aws:cloudwatch:eu-west-1:111111111111:alarm:mock-cis-{check}"
                           for check in CIS_CHECKS},
    }
    diagram_label = "CloudTrail audit log"
    diagram_from = ("account_baseline",)  # AWS Config delivers to the audit bucket

    def bucket_name(self, env: EnvContext) -> str:
        s: AuditSettings = self.settings(env)
        return s.bucket_name or f"{env.prefix}-audit-{env.account_id}"

    def summary(self, env: EnvContext) -> dict[str, Any]:
        s: AuditSettings = self.settings(env)
        return {"CloudTrail bucket": self.bucket_name(env),
                "Audit logs to Glacier / deleted (days)": f"{s.transition_to_glacier_days} / {s.expiration_days}",
                "CloudTrail S3 data events": "assets bucket" if s.s3_data_events else "off",
                "CIS alarms": len(CIS_CHECKS) if s.cis_alarms else "off"}

    def check(self, env: EnvContext) -> list[Problem]:
        if not self.enabled(env):
            return []
        s: AuditSettings = self.settings(env)
        problems = []
        if len(self.bucket_name(env)) > 63:
            problems.append(env.problem(("audit",), f"the default bucket name {self.bucket_name(env)!r} is longer "
                                        "than 63 characters; set audit.bucket_name"))
        if env.is_production and s.force_destroy:
            problems.append(env.problem(("audit", "force_destroy"), "production buckets may not be force-destroyed"))
        return problems

    def assertions(self, env: EnvContext) -> list[Assertion]:
        s: AuditSettings = self.settings(env)
        trail, pab = "aws_cloudtrail.this", "aws_s3_bucket_public_access_block.this"
        key = env.out("kms", "key_arn")
        alarms = "values(aws_cloudwatch_metric_alarm.cis)"
        result = [
            Assertion(f"{trail}.is_multi_region_trail && {trail}.include_global_service_events && "
                      f"{trail}.enable_log_file_validation && {trail}.enable_logging",
                      "audit: the trail must be multi-region, with global events and log file validation"),
            expect(f"{trail}.kms_key_id", key, "audit: the trail must be encrypted with the customer KMS key"),
            Assertion(f"{pab}.block_public_acls && {pab}.block_public_policy && {pab}.ignore_public_acls && "
                      f"{pab}.restrict_public_buckets", "audit: the audit bucket must block all public access"),
            log_groups("audit", "[aws_cloudwatch_log_group.this]", s.log_retention_days, key),
            expect("aws_s3_bucket_logging.this.target_bucket", env.out("log_bucket", "bucket_name"),
                   "audit: the trail bucket's server access logs must go to the log bucket"),
            Assertion(f"length(aws_cloudwatch_metric_alarm.cis) {'>' if s.cis_alarms else '=='} 0 && "
                      "length(aws_cloudwatch_metric_alarm.cis) == length(aws_cloudwatch_log_metric_filter.cis)",
                      f"audit: the CIS metric filters and alarms must {'' if s.cis_alarms else 'not '}exist "
                      "(audit.cis_alarms)"),
        ]
        if s.cis_alarms and env.enabled("alerts"):
            result.append(Assertion(f"alltrue([for a in {alarms} : contains(a.alarm_actions, "
                                    f"{hcl_value(env.out('alerts', 'topic_arn'))})])",
                                    "audit: every CIS alarm must notify the alert topic"))
        return result


    def names(self, env: EnvContext) -> list[NamedResource]:
        return [NamedResource("global", "S3 bucket", self.bucket_name(env), ("audit", "bucket_name"),
                              f"{env.prefix}-audit-{env.account_id}"),
                # a multi-region trail exists in every region of the account under its one name
                NamedResource("account", "CloudTrail trail", f"{env.prefix}-trail", ()),
                NamedResource("account-region", "CloudWatch log group", f"/aws/cloudtrail/{env.prefix}", ()),
                NamedResource("account", "IAM role", f"{env.prefix}-cloudtrail-logs", ())]

    def inputs(self, env: EnvContext) -> dict[str, Any]:
        s: AuditSettings = self.settings(env)
        return {
            "name": env.prefix,
            "bucket_name": self.bucket_name(env),
            "kms_key_arn": env.out("kms", "key_arn"),
            "force_destroy": s.force_destroy,
            "transition_to_glacier_days": s.transition_to_glacier_days,
            "expiration_days": s.expiration_days,
            "log_retention_days": s.log_retention_days,
            "data_event_bucket_arns": [env.out("assets", "bucket_arn")] if s.s3_data_events else [],
            "cis_alarms": s.cis_alarms,
            "alarm_topic_arn": env.out("alerts", "topic_arn") if s.cis_alarms and env.enabled("alerts") else None,
            # AWS Config (the account baseline this environment owns) delivers its snapshots to this bucket
            "config_delivery": env.estate.owns_baseline and env.estate.baseline.config,
            # S3 server access logs of the trail bucket (CIS); the log bucket grants delivery below this prefix
            "access_log_bucket": env.out("log_bucket", "bucket_name"),
            "access_log_prefix": f"{S3_ACCESS_LOG_PREFIX}/{self.bucket_name(env)}/",
        }


# --- ECR ----------------------------------------------------------------------------------------


class EcrSettings(StrictModel):
    enabled: bool = Field(description="Create an ECR repository <customer>/<service> per service.")
    keep_last_images: int = Field(ge=1, le=10000, description="Images kept per repository (older ones expire).")
    untagged_expiry_days: int = Field(ge=1, le=365, description="Untagged images expire after.")
    scanning: Literal["basic", "enhanced"] = Field(
        description="basic: scan on push; enhanced: Amazon Inspector continuous scanning for the whole registry "
                    "(account-wide, this region).")
    force_delete: bool = Field(description="Allow deleting repositories that hold images (refused in production).")
    owner: bool = Field(default=False, description="This environment creates the customer's repositories for every "
                        "environment of the customer in its account and region (default owner: production first, "
                        "then alphabetically). See `fgen accounts`.")


class Ecr(Component):
    name = "ecr"
    standby = "shared"
    module = "ecr"
    description = "ECR repository per service: immutable tags, scan on push, KMS encryption, lifecycle policy."
    Settings = EcrSettings
    mock_outputs = {
        "repository_urls": {"auth": "111111111111.dkr.ecr.eu-west-1.amazonaws.com/mock/auth"},
        "repository_arns": {"auth": "arn:aws:ecr:eu-west-1:111111111111:repository/mock/auth"},
    }
    diagram_label = "ECR images"

    def enabled(self, env: EnvContext) -> bool:
        """On in ONE environment of the customer per account and region (the estate's ECR owner)."""
        return self.settings(env).enabled and env.estate.owns_ecr

    def repositories(self, env: EnvContext) -> dict[str, str]:
        """Service -> repository name: every service that deploys the default image in any environment
        of the customer in this account and region (the estate's union)."""
        return dict(env.estate.ecr.repositories) if env.estate.ecr else {}

    def mocks(self, env: EnvContext) -> dict[str, Any]:
        registry = f"{env.account_id}.dkr.ecr.{env.region}.amazonaws.com"
        repos = self.repositories(env)
        return {"repository_urls": {k: f"{registry}/{v}" for k, v in repos.items()},
                "repository_arns": {k: f"arn:aws:ecr:{env.region}:{env.account_id}:repository/{v}"
                                    for k, v in repos.items()}}

    def summary(self, env: EnvContext) -> dict[str, Any]:
        s: EcrSettings = self.settings(env)
        return {"ECR repositories": len(self.repositories(env)),
                "ECR scanning": "enhanced (Inspector)" if s.scanning == "enhanced" else "basic, on push"}

    def check(self, env: EnvContext) -> list[Problem]:
        s: EcrSettings = self.settings(env)
        if s.enabled and env.is_production and s.force_delete:
            return [env.problem(("ecr", "force_delete"), "production repositories may not be force-deleted")]
        return []  # an empty registry is an estate rule: repositories are shared (generator/estate.py)

    def assertions(self, env: EnvContext) -> list[Assertion]:
        plan = env.estate.ecr
        repos = "values(aws_ecr_repository.this)"
        return [
            expect_set("[for r in values(aws_ecr_repository.this) : r.name]", self.repositories(env).values(),
                       "ecr: one repository per enabled service that deploys the default image"),
            Assertion(f"alltrue([for r in {repos} : one(r.image_scanning_configuration).scan_on_push])",
                      "ecr: every repository must scan images on push"),
            Assertion(f'alltrue([for r in {repos} : r.image_tag_mutability == "IMMUTABLE"])',
                      "ecr: image tags must be immutable"),
            Assertion(f'alltrue([for r in {repos} : one(r.encryption_configuration).encryption_type == "KMS" && '
                      f"one(r.encryption_configuration).kms_key == {hcl_value(env.out('kms', 'key_arn'))}])",
                      "ecr: every repository must be encrypted with the customer KMS key"),
            Assertion(f"alltrue([for r in {repos} : r.force_delete == {hcl_value(plan.force_delete)}])",
                      f"ecr: force_delete must be {hcl_value(plan.force_delete)} (ecr.force_delete of every "
                      "environment sharing the repositories)"),
        ]


    def names(self, env: EnvContext) -> list[NamedResource]:
        # shared by design between the environments of one customer in one account and region
        # (generator/estate_names.py SHARED_WITHIN_CUSTOMER): only another customer's claim collides
        return [NamedResource("account-region", "ECR repository", repo, ("services", service, "image"))
                for service, repo in self.repositories(env).items()]

    def inputs(self, env: EnvContext) -> dict[str, Any]:
        plan = env.estate.ecr  # the conservative merge of every sharing environment's settings
        return {
            "repository_names": self.repositories(env),
            "kms_key_arn": env.out("kms", "key_arn"),
            "keep_last_images": plan.keep_last_images,
            "untagged_expiry_days": plan.untagged_expiry_days,
            "force_delete": plan.force_delete,
        }


# --- operator access ----------------------------------------------------------------------------

IamPrincipalArn = Annotated[str, StringConstraints(
    max_length=600, pattern=r"^arn:aws(-[a-z]+)*:iam::[0-9]{12}:(root|user/[A-Za-z0-9+=,.@_/-]+|role/[A-Za-z0-9+=,.@_/-]+)$")]


def _unique(value: list[str]) -> list[str]:
    duplicates = sorted({p for p in value if value.count(p) > 1})
    if duplicates:
        raise ValueError(f"{duplicates} listed more than once")
    return value


class OperatorAccessSettings(StrictModel):
    enabled: bool = Field(description="Create the MFA-only operator roles <customer>-<env>-admin and -readonly.")
    admin_principals: list[IamPrincipalArn] = Field(
        default_factory=list, max_length=50,
        description="IAM ARNs (arn:aws:iam::<account>:root, :user/<name>, :role/<name>) that may assume the admin "
                    "role with MFA.")
    readonly_principals: list[IamPrincipalArn] = Field(
        default_factory=list, max_length=50,
        description="IAM ARNs that may assume the read-only role with MFA.")

    _admins_unique = field_validator("admin_principals")(_unique)
    _readers_unique = field_validator("readonly_principals")(_unique)


class OperatorAccess(Component):
    name = "operator_access"
    standby = "shared"
    module = "operator_access"
    description = ("MFA-only IAM roles for people: read-only (no sessions), and admin (read-only plus Session "
                   "Manager on the bastion and ECS Exec).")
    Settings = OperatorAccessSettings
    mock_outputs = {
        "role_arns": {"admin": "arn:aws:iam::111111111111:role/mock-admin",
                      "readonly": "arn:aws:iam::111111111111:role/mock-readonly"},
        "role_names": {"admin": "mock-admin", "readonly": "mock-readonly"},
    }

    def summary(self, env: EnvContext) -> dict[str, Any]:
        s: OperatorAccessSettings = self.settings(env)
        return {"Operator roles (admin / read-only principals)":
                f"{len(s.admin_principals)} / {len(s.readonly_principals)}, MFA required"}

    def check(self, env: EnvContext) -> list[Problem]:
        if not self.enabled(env):
            return []
        s: OperatorAccessSettings = self.settings(env)
        if not s.admin_principals and not s.readonly_principals:
            return [env.problem(("operator_access", "enabled"),
                                "operator_access is enabled but lists no principals; add IAM ARNs to "
                                "operator_access.admin_principals or readonly_principals, or set "
                                "operator_access.enabled: false")]
        return []

    def assertions(self, env: EnvContext) -> list[Assertion]:
        s: OperatorAccessSettings = self.settings(env)
        roles = [role for role, principals in (("admin", s.admin_principals), ("readonly", s.readonly_principals))
                 if principals]
        mfa = ('anytrue([for c in one(d.statement).condition : c.test == "Bool" && '
               'c.variable == "aws:MultiFactorAuthPresent" && contains(c.values, "true")])')
        return [
            expect_set("keys(aws_iam_role.this)", roles,
                       "operator_access: a role for each of admin_principals and readonly_principals that is set"),
            Assertion(f"alltrue([for d in values(data.aws_iam_policy_document.trust) : {mfa}])",
                      "operator_access: assuming an operator role must require MFA"),
            Assertion('alltrue([for d in values(data.aws_iam_policy_document.trust) : anytrue([for c in '
                      'one(d.statement).condition : c.variable == "aws:MultiFactorAuthAge"])])',
                      "operator_access: operator roles must limit the age of the MFA sign-in"),
        ]


    def names(self, env: EnvContext) -> list[NamedResource]:
        s: OperatorAccessSettings = self.settings(env)
        return [NamedResource("account", "IAM role", f"{env.prefix}-{role}", ())
                for role, principals in (("admin", s.admin_principals), ("readonly", s.readonly_principals))
                if principals]

    def inputs(self, env: EnvContext) -> dict[str, Any]:
        s: OperatorAccessSettings = self.settings(env)
        ecs_exec = env.enabled("ecs") and bool(env.manifest.ecs.enable_execute_command) and bool(s.admin_principals)
        return {
            "name": env.prefix,
            "customer": env.customer,
            "admin_principals": list(s.admin_principals),
            "readonly_principals": list(s.readonly_principals),
            "mfa_max_age_seconds": 3600,
            "max_session_duration": 3600,
            "ecs_exec": ecs_exec,
            "ecs_cluster_arn": env.out("ecs", "cluster_arn") if ecs_exec else None,
            "kms_key_arn": env.out("kms", "key_arn") if ecs_exec else None,
            # Session Manager and EC2 Instance Connect on the bastion, and on no other instance
            "bastion_enabled": env.enabled("bastion") and bool(s.admin_principals),
            "bastion_instance_id": (env.out("bastion", "instance_id")
                                    if env.enabled("bastion") and s.admin_principals else None),
        }


# --- identity (Cognito) -------------------------------------------------------------------------

GroupName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,63}$")]
_RESERVED_DOMAIN_WORDS = ("aws", "amazon", "cognito")


class TokenSettings(StrictModel):
    access_minutes: int = Field(ge=5, le=1440, description="Access token lifetime, minutes.")
    id_minutes: int = Field(ge=5, le=1440, description="ID token lifetime, minutes.")
    refresh_days: int = Field(ge=1, le=3650, description="Refresh token lifetime, days.")
    refresh_rotation: bool = Field(description="New refresh token on every refresh; clients must then refresh with "
                                               "GetTokensFromRefreshToken (REFRESH_TOKEN_AUTH is switched off).")


class IdentitySettings(StrictModel):
    enabled: bool = Field(description="Create the Cognito user pool for the platform's players and staff.")
    mfa: Literal["OPTIONAL", "ON"] = Field(description="TOTP MFA: OPTIONAL (users may enrol) or ON (required).")
    password_min_length: int = Field(ge=12, le=99, description="Minimum password length (every character class "
                                                               "is always required).")
    threat_protection: Literal["OFF", "AUDIT", "ENFORCED"] = Field(
        description="Cognito threat protection (advanced security); AUDIT/ENFORCED select the Plus tier (paid per "
                    "monthly active user).")
    deletion_protection: bool = Field(description="Refuse deleting the user pool (required in production).")
    domain_prefix: str | None = Field(default=None, pattern=r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$",
                                      description="Hosted domain prefix; default <customer>-<env>.")
    groups: dict[GroupName, int] = Field(min_length=1, description="User groups -> precedence (lower wins).")
    tokens: TokenSettings

    @field_validator("groups")
    @classmethod
    def _precedence(cls, value: dict[str, int]) -> dict[str, int]:
        for name, precedence in value.items():
            if precedence < 0:
                raise ValueError(f"group {name}: precedence must be 0 or more")
        if len(set(value.values())) != len(value):
            raise ValueError("every group needs its own precedence")
        return value


class Identity(Component):
    name = "identity"
    standby = "shared"
    module = "identity"
    description = "Cognito user pool (TOTP MFA, strong passwords, groups), public app client and hosted domain."
    Settings = IdentitySettings
    mock_outputs = {
        "user_pool_id": "eu-west-1_AbCdEf123",
        "user_pool_arn": "arn:aws:cognito-idp:eu-west-1:111111111111:userpool/eu-west-1_AbCdEf123",
        "issuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123",
        "client_id": "1example23456789abcdefghij",
        "domain": "mock.auth.eu-west-1.amazoncognito.com",
    }
    mock_resources = {
        "aws_cognito_user_pool": {
            "id": "eu-west-1_AbCdEf123",
            "arn": "arn:aws:cognito-idp:eu-west-1:111111111111:userpool/eu-west-1_AbCdEf123",
        },
    }
    diagram_label = "Cognito user pool"
    diagram_from = ("users",)

    def domain_prefix(self, env: EnvContext) -> str:
        s: IdentitySettings = self.settings(env)
        return s.domain_prefix or env.prefix

    def summary(self, env: EnvContext) -> dict[str, Any]:
        s: IdentitySettings = self.settings(env)
        return {"Cognito MFA": s.mfa, "Cognito threat protection": s.threat_protection,
                "Minimum password length": s.password_min_length}

    def check(self, env: EnvContext) -> list[Problem]:
        if not self.enabled(env):
            return []
        s: IdentitySettings = self.settings(env)
        problems = []
        prefix = self.domain_prefix(env)
        reserved = [w for w in _RESERVED_DOMAIN_WORDS if w in prefix]
        if reserved:
            path = ("identity", "domain_prefix") if s.domain_prefix else ("identity",)
            problems.append(env.problem(path, f"the hosted domain prefix {prefix!r} contains {reserved[0]!r}, "
                                        "which Cognito refuses; set identity.domain_prefix"))
        elif len(prefix) > 63:
            problems.append(env.problem(("identity",), f"the default domain prefix {prefix!r} is longer than 63 "
                                        "characters; set identity.domain_prefix"))
        if env.is_production and not s.deletion_protection:
            problems.append(env.problem(("identity", "deletion_protection"),
                                        "production user pools must be protected from deletion"))
        return problems

    def assertions(self, env: EnvContext) -> list[Assertion]:
        s: IdentitySettings = self.settings(env)
        pool = "aws_cognito_user_pool.this"
        policy = f"one({pool}.password_policy)"
        return [
            expect(f"{pool}.mfa_configuration", s.mfa, f"identity: MFA must be {s.mfa} (identity.mfa)"),
            Assertion(f"one({pool}.software_token_mfa_configuration).enabled == true",
                      "identity: TOTP MFA must be available"),
            Assertion(f"{policy}.minimum_length == {s.password_min_length} && {policy}.require_lowercase && "
                      f"{policy}.require_uppercase && {policy}.require_numbers && {policy}.require_symbols",
                      f"identity: passwords need {s.password_min_length}+ characters of every class "
                      "(identity.password_min_length)"),
            expect(f"{pool}.deletion_protection", "ACTIVE" if s.deletion_protection else "INACTIVE",
                   f"identity: deletion protection must be {hcl_value(s.deletion_protection)} "
                   "(identity.deletion_protection)"),
        ]


    def names(self, env: EnvContext) -> list[NamedResource]:
        # Cognito hosted domain prefixes are unique per region across all AWS accounts
        return [NamedResource("region", "Cognito domain prefix", self.domain_prefix(env), ("identity", "domain_prefix"),
                              f"{env.prefix}-players")]

    def inputs(self, env: EnvContext) -> dict[str, Any]:
        s: IdentitySettings = self.settings(env)
        return {
            "name": env.prefix,
            "domain_prefix": self.domain_prefix(env),
            "mfa_configuration": s.mfa,
            "password_minimum_length": s.password_min_length,
            "threat_protection": s.threat_protection,
            "deletion_protection": s.deletion_protection,
            "groups": dict(sorted(s.groups.items())),
            "access_token_validity_minutes": s.tokens.access_minutes,
            "id_token_validity_minutes": s.tokens.id_minutes,
            "refresh_token_validity_days": s.tokens.refresh_days,
            "refresh_token_rotation": s.tokens.refresh_rotation,
        }


# --- threat detection ---------------------------------------------------------------------------


class GuardDutySettings(StrictModel):
    enabled: bool = Field(description="GuardDuty detector in this account and region (off when run centrally).")
    s3_protection: bool = Field(description="Analyse S3 data events for threats.")
    runtime_monitoring: bool = Field(description="Runtime monitoring of the ECS Fargate tasks (agent managed by "
                                                 "GuardDuty; charged per vCPU).")
    finding_publishing_frequency: Literal["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"] = Field(
        description="How often updates of existing findings are published.")
    alert_min_severity: float = Field(ge=1.0, le=8.9, description="Findings at or above this severity go to the "
                                                                  "alert topic (4 medium, 7 high).")


class ConfigSettings(StrictModel):
    enabled: bool = Field(description="AWS Config recorder and managed rules (off when run centrally); delivers "
                                      "to the audit bucket.")
    recording_frequency: Literal["CONTINUOUS", "DAILY"] = Field(description="CONTINUOUS or DAILY (cheaper) recording.")


class SecurityHubSettings(StrictModel):
    enabled: bool = Field(description="Security Hub with the AWS Foundational Security Best Practices standard "
                                      "(off when run centrally).")


class ThreatDetectionSettings(StrictModel):
    guardduty: GuardDutySettings
    config: ConfigSettings
    security_hub: SecurityHubSettings


class ThreatDetection(Component):
    name = "threat_detection"
    standby = "regional"
    stays_on_promotion = True
    module = "threat_detection"
    description = "GuardDuty findings of the account and region forwarded to this environment's alert topic."
    Settings = ThreatDetectionSettings
    mock_outputs = {"findings_rule_name": "mock-guardduty-findings"}
    diagram_label = "GuardDuty findings"
    diagram_from = ("account_baseline",)

    def enabled(self, env: EnvContext) -> bool:
        """Only while it has something to do: GuardDuty asked for, and an alert topic to tell."""
        s: ThreatDetectionSettings = self.settings(env)
        return s.guardduty.enabled and env.enabled("alerts")

    def summary(self, env: EnvContext) -> dict[str, Any]:
        s: ThreatDetectionSettings = self.settings(env)
        on = [label for label, part in (("GuardDuty", s.guardduty), ("Config", s.config),
                                        ("Security Hub", s.security_hub)) if part.enabled]
        return {"Threat detection": ", ".join(on)}

    def check(self, env: EnvContext) -> list[Problem]:
        s: ThreatDetectionSettings = self.settings(env)
        if s.config.enabled and not env.enabled("audit"):
            return [env.problem(("threat_detection", "config", "enabled"),
                                "AWS Config delivers to the audit bucket, but audit is disabled; enable audit or "
                                "set threat_detection.config.enabled: false")]
        return []

    def assertions(self, env: EnvContext) -> list[Assertion]:
        s: ThreatDetectionSettings = self.settings(env)
        rule = "aws_cloudwatch_event_rule.findings"
        return [
            Assertion(f'jsondecode({rule}.event_pattern).source == ["aws.guardduty"] && '
                      f'jsondecode({rule}.event_pattern).detail.severity[0].numeric == [">=", '
                      f"{hcl_value(s.guardduty.alert_min_severity)}]",
                      "threat_detection: GuardDuty findings at or above threat_detection.guardduty."
                      "alert_min_severity must be forwarded"),
            expect("aws_cloudwatch_event_target.findings.arn", env.out("alerts", "topic_arn"),
                   "threat_detection: findings must reach this environment's alert topic"),
        ]

    def names(self, env: EnvContext) -> list[NamedResource]:
        # the detector, the recorder and Security Hub exist once per account and region: they are the
        # account baseline's (one owner per account and region), never an environment's name to compare
        s: ThreatDetectionSettings = self.settings(env)
        if s.guardduty.enabled and env.enabled("alerts"):
            return [NamedResource("account-region", "EventBridge rule", f"{env.prefix}-guardduty-findings", ())]
        return []

    def inputs(self, env: EnvContext) -> dict[str, Any]:
        s: ThreatDetectionSettings = self.settings(env)
        return {
            "name": env.prefix,
            "finding_min_severity": s.guardduty.alert_min_severity,
            "alert_topic_arn": env.out("alerts", "topic_arn"),
        }


__all__ = ["Audit", "Ecr", "OperatorAccess", "Identity", "ThreatDetection", "CIS_CHECKS"]
