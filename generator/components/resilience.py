"""Resilience components: service configuration in SSM Parameter Store, cost control, disaster recovery.

- ``parameters``: one SecureString parameter (customer KMS key) per entry of each enabled service's
  ``secrets`` map, named ``/<customer>/<env>/<service>/<name>`` — the path the ECS execution roles may
  read. fgen creates placeholders with a fixed non-secret value and never touches the value again;
  operators set it out of band. Parameters that exist already are only referenced.
- ``budgets``: a monthly cost budget per environment filtered by the customer's cost-allocation tag,
  forecast/actual notifications, and Cost Anomaly Detection with an absolute impact threshold.
- ``dr``: the RDS instance's automated backups replicated into the customer's DR region, encrypted
  with a key of that region.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from ..errors import Problem
from ..schema.base import StrictModel
from ..schema.types import Email
from .application import enabled_services
from .base import Assertion, Component, EnvContext, NamedResource, expect_set, hcl_value

# --- SSM Parameter Store --------------------------------------------------------------------------


class ParametersSettings(StrictModel):
    enabled: bool = Field(description="Manage the services' SSM parameters in this environment.")
    placeholders: bool = Field(
        description="true: create every parameter not listed in `existing` as a SecureString placeholder "
                    "(value CHANGE_ME, set the real value with `aws ssm put-parameter --overwrite`); "
                    "false: every parameter must exist already and is only referenced.")
    existing: list[str] = Field(
        default_factory=list, max_length=500,
        description="Parameters that exist already and are only referenced, as '<service>/<name>' "
                    "(a name from that service's `secrets` map).")
    tier: Literal["Standard", "Advanced"] = Field(
        description="Tier of the placeholders: Standard (up to 4 KB, free) or Advanced (8 KB, charged).")

    @field_validator("existing")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        seen: set[str] = set()
        for item in value:
            if item in seen:
                raise ValueError(f"{item!r} is listed twice")
            seen.add(item)
        return value


def service_secrets(env: EnvContext) -> dict[str, list[str]]:
    """Every parameter the enabled services read, '<service>/<name>' -> the variables that read it."""
    result: dict[str, list[str]] = {}
    for service, s in enabled_services(env).items():
        for variable, parameter in sorted(s.secrets.items()):
            result.setdefault(f"{service}/{parameter}", []).append(variable)
    return dict(sorted(result.items()))


def parameter_path_prefix(env: EnvContext) -> str:
    """``/<customer>/<env>``: the hierarchy the ECS execution roles may read below."""
    return f"/{env.customer}/{env.name}"


class Parameters(Component):
    name = "parameters"
    standby = "regional"
    module = "parameters"
    description = "SSM Parameter Store: the services' secret configuration as SecureString parameters (customer key)."
    Settings = ParametersSettings
    diagram_label = "SSM Parameter Store"
    diagram_from = ("ecs",)
    mock_outputs = {
        "parameter_arns": {"auth/jwt-signing-key":
                           "arn:aws:ssm:eu-west-1:111111111111:parameter/mock/dev/auth/jwt-signing-key"},
        "parameter_names": {"auth/jwt-signing-key": "/mock/dev/auth/jwt-signing-key"},
        "parameter_path_prefix": "/mock/dev",
        "read_policy_arn": "arn:aws:iam::111111111111:policy/mock-read-parameters",
    }

    def mocks(self, env: EnvContext) -> dict[str, Any]:
        prefix = parameter_path_prefix(env)
        keys = list(service_secrets(env))
        return {
            "parameter_arns": {k: f"arn:aws:ssm:{env.region}:{env.account_id}:parameter{prefix}/{k}" for k in keys},
            "parameter_names": {k: f"{prefix}/{k}" for k in keys},
            "parameter_path_prefix": prefix,
            "read_policy_arn": f"arn:aws:iam::{env.account_id}:policy/{self.read_policy_name(env)}",
        }

    def read_policy_name(self, env: EnvContext) -> str:
        return f"{env.prefix}-read-parameters"

    def summary(self, env: EnvContext) -> dict[str, Any]:
        s: ParametersSettings = self.settings(env)
        secrets = service_secrets(env)
        existing = len([k for k in secrets if k in s.existing or not s.placeholders])
        summary: dict[str, Any] = {
            "SSM parameters (placeholders / existing)": f"{len(secrets) - existing} / {existing}"}
        standby = env.standby_env or (env if env.is_standby else None)
        if standby is not None and secrets:
            primary = standby.primary_env
            what = (f"placeholders (CHANGE_ME: {len(secrets) - existing}) are created in both regions: set each "
                    "value in both" if existing < len(secrets) else "the existing parameters must exist in both")
            summary["SSM parameters in the standby region"] = (
                f"the same names in {primary.region} and {standby.region} ({parameter_path_prefix(env)}/...); {what} "
                f"(aws ssm put-parameter --overwrite --region {primary.region} and --region {standby.region})")
        return summary

    def check(self, env: EnvContext) -> list[Problem]:
        if not self.enabled(env):
            return []
        s: ParametersSettings = self.settings(env)
        known = service_secrets(env)
        problems = []
        for index, item in enumerate(s.existing):
            if item not in known:
                hint = f"known: {', '.join(known)}" if known else "no enabled service has secrets"
                problems.append(env.problem(("parameters", "existing", index),
                                            f"{item!r} is not a secret of an enabled service ({hint})"))
        return problems


    def names(self, env: EnvContext) -> list[NamedResource]:
        # the path is /<customer>/<env>: distinct for distinct (customer, environment) pairs
        return [NamedResource("account-region", "SSM parameter path", parameter_path_prefix(env) + "/", ()),
                NamedResource("account", "IAM policy", self.read_policy_name(env), ())]

    def inputs(self, env: EnvContext) -> dict[str, Any]:
        s: ParametersSettings = self.settings(env)
        parameters = {}
        for key, variables in service_secrets(env).items():
            service = key.split("/", 1)[0]
            parameters[key] = {
                "description": f"{', '.join(variables)} of {service} ({env.prefix}); value set out of band",
                "existing": (not s.placeholders) or key in s.existing,
            }
        return {
            "path_prefix": parameter_path_prefix(env),
            "kms_key_arn": env.out("kms", "key_arn"),
            "parameters": parameters,
            "tier": s.tier,
            "read_policy_name": self.read_policy_name(env),
        }


# --- Budgets and Cost Anomaly Detection -----------------------------------------------------------

#: the cost-allocation tag (set on every resource by the provider's default_tags) that selects the costs
COST_TAG = "customer"


class AnomalySettings(StrictModel):
    enabled: bool = Field(description="Create a Cost Anomaly Detection monitor and alert subscriptions.")
    monitor: Literal["tag", "services"] = Field(
        description="tag: a custom monitor of the customer's cost-allocation tag (AWS lets only a management or "
                    "standalone account create it); services: the account-wide AWS services monitor "
                    "(AWS allows one per account).")
    threshold_usd: float = Field(gt=0, le=1_000_000,
                                 description="Alert when an anomaly's total cost impact reaches this many USD.")


class BudgetsSettings(StrictModel):
    enabled: bool = Field(description="Create the environment's cost budget and anomaly alerts.")
    monthly_limit_usd: float = Field(gt=0, le=100_000_000, description="Monthly cost budget, USD (above 0).")
    forecasted_threshold_percent: int = Field(
        ge=1, le=1000, description="Notify when the forecast for the month exceeds this % of the budget.")
    actual_threshold_percent: int = Field(
        ge=1, le=1000, description="Notify when the actual cost of the month exceeds this % of the budget.")
    emails: list[Email] | None = Field(default=None, min_length=1, max_length=10,
                                       description="Recipients (AWS allows 10); default the owner email.")
    anomaly_detection: AnomalySettings

    @field_validator("emails")
    @classmethod
    def _unique(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len({v.lower() for v in value}) != len(value):
            raise ValueError("an address is listed twice")
        return value


class Budgets(Component):
    name = "budgets"
    standby = "shared"
    module = "budgets"
    description = "Monthly AWS Budgets cost budget per environment and Cost Anomaly Detection alerts."
    Settings = BudgetsSettings
    #: budget notifications and anomaly alerts published to the (customer-key encrypted) alert topic
    kms_service_principals = ("budgets.amazonaws.com", "costalerts.amazonaws.com")
    diagram_label = "AWS Budgets, Cost Anomaly Detection"
    mock_outputs = {
        "budget_name": "mock-monthly",
        "budget_arn": "arn:aws:budgets::111111111111:budget/mock-monthly",
        "anomaly_monitor_arn": "arn:aws:ce::111111111111:anomalymonitor/00000000-0000-0000-0000-000000000000",
    }

    def emails(self, env: EnvContext) -> list[str]:
        s: BudgetsSettings = self.settings(env)
        return list(s.emails) if s.emails else [env.manifest.customer.owner_email]

    def summary(self, env: EnvContext) -> dict[str, Any]:
        s: BudgetsSettings = self.settings(env)
        a = s.anomaly_detection
        where = " (account services monitor, in the account baseline)" if a.monitor == "services" else ""
        return {"Monthly budget (USD)": _amount(s.monthly_limit_usd),
                "Cost anomaly alerts (USD)": f"≥ {_amount(a.threshold_usd)}{where}" if a.enabled else None}

    def assertions(self, env: EnvContext) -> list[Assertion]:
        s: BudgetsSettings = self.settings(env)
        budget = "aws_budgets_budget.monthly"
        return [
            Assertion(f'tonumber({budget}.limit_amount) == {hcl_value(_number(s.monthly_limit_usd))} && '
                      f'{budget}.limit_unit == "USD" && {budget}.time_unit == "MONTHLY"',
                      f"budgets: the monthly budget must be {_number(s.monthly_limit_usd)} USD "
                      "(budgets.monthly_limit_usd)"),
            expect_set(f"[for n in {budget}.notification : \"${{n.notification_type}}:${{n.threshold}}\"]",
                       [f"FORECASTED:{s.forecasted_threshold_percent}", f"ACTUAL:{s.actual_threshold_percent}"],
                       "budgets: notify at budgets.forecasted_threshold_percent (forecast) and "
                       "actual_threshold_percent (actual)"),
        ]


    def names(self, env: EnvContext) -> list[NamedResource]:
        # budgets are account-wide (AWS Budgets is a global service); anomaly monitor names are not unique
        return [NamedResource("account", "budget", f"{env.prefix}-monthly", ())]

    def inputs(self, env: EnvContext) -> dict[str, Any]:
        s: BudgetsSettings = self.settings(env)
        a = s.anomaly_detection
        return {
            "name": env.prefix,
            "monthly_limit_usd": _number(s.monthly_limit_usd),
            "cost_allocation_tag": {"key": COST_TAG, "value": env.customer},
            "notifications": [
                {"threshold_percent": s.forecasted_threshold_percent, "type": "FORECASTED"},
                {"threshold_percent": s.actual_threshold_percent, "type": "ACTUAL"},
            ],
            "emails": self.emails(env),
            "sns_topic_arn": env.out("alerts", "topic_arn") if env.enabled("alerts") else None,
            "notify_sns": env.enabled("alerts"),
            # the account-wide services monitor is the account baseline's (one per account)
            "anomaly_detection": ({"monitor": a.monitor, "threshold_usd": _number(a.threshold_usd)}
                                  if a.enabled and a.monitor == "tag" else None),
        }


def _number(value: float) -> int | float:
    """Whole amounts as integers (500, not 500.0) in the generated inputs."""
    return int(value) if float(value).is_integer() else value


def _amount(value: float) -> str:
    return f"{_number(value):,}"


# --- Disaster recovery ----------------------------------------------------------------------------


class DrSettings(StrictModel):
    enabled: bool = Field(description="Replicate the database's automated backups into aws.dr_region.")
    backup_retention_days: int = Field(ge=1, le=35,
                                       description="Days the replicated backups are kept in the DR region (1-35).")
    kms_deletion_window_days: int = Field(ge=7, le=30,
                                          description="Waiting period before the DR region's key is destroyed.")


class Dr(Component):
    name = "dr"
    standby = "primary"
    module = "dr"
    description = "Disaster recovery: RDS automated backups replicated to the DR region under a key of that region."
    Settings = DrSettings
    provider_aliases = ("dr",)
    diagram_label = "RDS backups (DR region)"
    diagram_from = ("rds",)
    mock_outputs = {
        "automated_backups_replication_arn": "arn:aws:rds:eu-central-1:111111111111:auto-backup:ab-mock",
        "dr_kms_key_arn": "arn:aws:kms:eu-central-1:111111111111:key/11111111-1111-1111-1111-111111111111",
        "dr_kms_alias_name": "alias/mock-dr",
        "dr_region": "eu-central-1",
    }

    def summary(self, env: EnvContext) -> dict[str, Any]:
        s: DrSettings = self.settings(env)
        return {"DR region backups": f"{env.manifest.aws.dr_region} ({s.backup_retention_days} days)"}

    def check(self, env: EnvContext) -> list[Problem]:
        if not self.enabled(env):
            return []
        problems = []
        if env.manifest.aws.dr_region is None:
            problems.append(env.problem(("aws", "dr_region"),
                                        "dr is enabled but aws.dr_region is not set; set aws.dr_region to the "
                                        "disaster-recovery region or set dr.enabled: false"))
        if not env.enabled("rds"):
            problems.append(env.problem(("rds", "enabled"),
                                        "dr replicates the rds database's automated backups; enable rds or "
                                        "set dr.enabled: false"))
        return problems


    def names(self, env: EnvContext) -> list[NamedResource]:
        return [NamedResource("account-region", "KMS alias", f"alias/{env.prefix}-dr", (),
                              region=env.manifest.aws.dr_region)]

    def inputs(self, env: EnvContext) -> dict[str, Any]:
        s: DrSettings = self.settings(env)
        return {
            "name": env.prefix,
            "source_db_instance_arn": env.out("rds", "db_instance_arn"),
            "retention_days": s.backup_retention_days,
            "kms_deletion_window_days": s.kms_deletion_window_days,
        }
