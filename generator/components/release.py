"""Delivery and lifecycle components: blue/green releases with CodeDeploy, and verified backups.

- ``codedeploy``: an ECS CodeDeploy application and one deployment group per service with
  ``deployment: blue_green``. The service's ECS deployment controller is CODE_DEPLOY (ecs unit), it
  gets a second ("green") target group and rules on a test listener (alb unit). A release is started
  with ``aws deploy create-deployment`` and an AppSpec (docs/releases.md); CodeDeploy shifts traffic
  by the manifest's deployment configuration and rolls back automatically when the deployment fails
  or one of the service's rollback alarms (5xx responses, unhealthy targets, created here over both
  target groups of the pair) fires. The unit exists only when some enabled service is blue/green.
- ``backup``: an AWS Backup vault (customer KMS key), a daily plan for the database and the assets
  bucket, vault notifications to the alert topic, and a restore testing plan that restores the latest
  database recovery point on a schedule (small instance class) and deletes it after validation.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator

from ..errors import Problem
from ..schema.base import StrictModel
from ..schema.types import Cidr
from .application import blue_green_services, fit_name
from .base import Component, EnvContext, NamedResource

# --- CodeDeploy -----------------------------------------------------------------------------------

#: CodeDeploy's predefined ECS deployment configurations
DEPLOYMENT_CONFIGS = (
    "CodeDeployDefault.ECSAllAtOnce",
    "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
    "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
    "CodeDeployDefault.ECSCanary10Percent5Minutes",
    "CodeDeployDefault.ECSCanary10Percent15Minutes",
)
DeploymentConfig = Literal[
    "CodeDeployDefault.ECSAllAtOnce",
    "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
    "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
    "CodeDeployDefault.ECSCanary10Percent5Minutes",
    "CodeDeployDefault.ECSCanary10Percent15Minutes",
]


class RollbackAlarmSettings(StrictModel):
    period_seconds: Literal[60, 300] = Field(description="Period of the rollback alarms' statistics, seconds.")
    evaluation_periods: int = Field(ge=1, le=10, description="Breaching periods in a row that raise the alarm.")
    target_5xx_threshold: int = Field(ge=1, le=1_000_000,
                                      description="5xx responses of the service's tasks (both target groups) "
                                                  "per period that stop a release and roll it back.")
    unhealthy_targets_threshold: int = Field(ge=1, le=1000,
                                             description="Unhealthy targets (either target group) that stop a "
                                                         "release and roll it back.")


class CodedeploySettings(StrictModel):
    enabled: bool = Field(description="Release services with `deployment: blue_green` through CodeDeploy "
                                      "(required by such services).")
    deployment_config: DeploymentConfig = Field(
        description="How CodeDeploy shifts production traffic to the new task set: all at once, linear 10% "
                    "steps, or a 10% canary then the rest.")
    termination_wait_minutes: int = Field(ge=0, le=2880,
                                          description="Minutes the old (blue) task set keeps running after a "
                                                      "successful release, for a fast manual rollback.")
    test_listener_port: int = Field(ge=1024, le=65535,
                                    description="HTTPS port of the ALB test listener, which reaches the new task "
                                                "set before production traffic does.")
    test_listener_cidrs: list[Cidr] = Field(default_factory=list, max_length=20,
                                            description="IPv4 CIDRs (besides the platform's NAT addresses) that "
                                                        "may reach the test listener; 0.0.0.0/0 is refused.")
    rollback_alarms: RollbackAlarmSettings

    @field_validator("test_listener_cidrs")
    @classmethod
    def _narrow(cls, value: list[str]) -> list[str]:
        for cidr in value:
            if cidr.endswith("/0"):
                raise ValueError(f"{cidr} would open the test listener to the whole internet")
        if len(set(value)) != len(value):
            raise ValueError("a CIDR is listed twice")
        return value


class Codedeploy(Component):
    name = "codedeploy"
    standby = "regional"
    module = "codedeploy"
    description = ("CodeDeploy blue/green releases of the services with deployment: blue_green: traffic "
                   "shifting, test listener, automatic rollback on failure or alarm.")
    Settings = CodedeploySettings
    diagram_label = "CodeDeploy (blue/green)"
    mock_outputs = {
        "application_name": "mock",
        "deployment_group_names": {"auth": "mock-auth"},
        "service_role_arn": "arn:aws:iam::111111111111:role/mock-codedeploy",
        "rollback_alarm_names": {"auth": ["mock-auth-release-5xx", "mock-auth-release-unhealthy"]},
    }

    def enabled(self, env: EnvContext) -> bool:
        s: CodedeploySettings = self.settings(env)
        return s.enabled and bool(blue_green_services(env))

    def group_name(self, env: EnvContext, service: str) -> str:
        return fit_name(f"{env.prefix}-{service}", 100)

    def role_name(self, env: EnvContext) -> str:
        return fit_name(f"{env.prefix}-codedeploy", 64)

    def mocks(self, env: EnvContext) -> dict[str, Any]:
        names = list(blue_green_services(env))
        return {
            "application_name": env.prefix,
            "deployment_group_names": {n: self.group_name(env, n) for n in names},
            "service_role_arn": f"arn:aws:iam::{env.account_id}:role/{self.role_name(env)}",
            "rollback_alarm_names": {n: [f"{self.group_name(env, n)}-release-5xx",
                                         f"{self.group_name(env, n)}-release-unhealthy"] for n in names},
        }

    def summary(self, env: EnvContext) -> dict[str, Any]:
        if not self.enabled(env):
            return {}
        s: CodedeploySettings = self.settings(env)
        return {"Blue/green services (CodeDeploy)": ", ".join(blue_green_services(env)),
                "Release traffic shifting": s.deployment_config.removeprefix("CodeDeployDefault.")}

    def check(self, env: EnvContext) -> list[Problem]:
        s: CodedeploySettings = self.settings(env)
        names = list(blue_green_services(env))
        if s.enabled or not names:
            return []
        listed = ", ".join(f"'{n}'" for n in names)
        return [env.problem(("codedeploy", "enabled"),
                            f"services {listed} are released blue_green, which needs CodeDeploy; set "
                            "codedeploy.enabled: true (or deployment: rolling on those services)")]


    def names(self, env: EnvContext) -> list[NamedResource]:
        return [NamedResource("account-region", "CodeDeploy application", env.prefix, ()),
                NamedResource("account", "IAM role", self.role_name(env), ())]

    def inputs(self, env: EnvContext) -> dict[str, Any]:
        s: CodedeploySettings = self.settings(env)
        a = s.rollback_alarms
        return {
            "name": env.prefix,
            "service_role_name": self.role_name(env),
            "cluster_name": env.out("ecs", "cluster_name"),
            "ecs_service_names": env.out("ecs", "service_names"),
            "prod_listener_arn": env.out("alb", "https_listener_arn"),
            "test_listener_arn": env.out("alb", "test_listener_arn"),
            "alb_arn_suffix": env.out("alb", "alb_arn_suffix"),
            "target_group_names": env.out("alb", "target_group_names"),
            "target_group_arn_suffixes": env.out("alb", "target_group_arn_suffixes"),
            "green_target_group_names": env.out("alb", "green_target_group_names"),
            "green_target_group_arn_suffixes": env.out("alb", "green_target_group_arn_suffixes"),
            "alarm_topic_arn": env.out("alerts", "topic_arn") if env.enabled("alerts") else None,
            "services": {
                name: {
                    "deployment_group_name": self.group_name(env, name),
                    "deployment_config_name": s.deployment_config,
                    "termination_wait_minutes": s.termination_wait_minutes,
                }
                for name in blue_green_services(env)
            },
            "rollback_alarms": {
                "period": a.period_seconds,
                "evaluation_periods": a.evaluation_periods,
                "target_5xx_threshold": a.target_5xx_threshold,
                "unhealthy_targets_threshold": a.unhealthy_targets_threshold,
            },
        }


# --- AWS Backup -----------------------------------------------------------------------------------

CRON = r"^cron\([0-9*?/,LW#A-Z -]+\)$"


class RestoreTestingSettings(StrictModel):
    enabled: bool = Field(description="Restore the database's latest recovery point on a schedule, validate "
                                      "and delete it (AWS Backup restore testing).")
    schedule: str = Field(pattern=CRON, description="When restore tests start, an AWS cron expression (UTC), "
                                                    "e.g. cron(0 6 ? * MON *).")
    start_window_hours: int = Field(ge=1, le=168, description="Hours after the scheduled time a test may start.")
    selection_window_days: int = Field(ge=1, le=365,
                                       description="Only recovery points this recent are candidates.")
    algorithm: Literal["LATEST_WITHIN_WINDOW", "RANDOM_WITHIN_WINDOW"] = Field(
        description="Which candidate recovery point is restored.")
    validation_window_hours: int = Field(ge=0, le=168,
                                         description="Hours the restored database is kept for validation "
                                                     "before AWS Backup deletes it.")
    db_instance_class: str = Field(pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$",
                                   description="Instance class of the restored (test) database; small and cheap.")


class BackupSettings(StrictModel):
    enabled: bool = Field(description="Back up the database and the assets bucket with AWS Backup.")
    schedule: str = Field(pattern=CRON, description="Daily backup time, an AWS cron expression (UTC), "
                                                    "e.g. cron(0 3 * * ? *).")
    start_window_minutes: int = Field(ge=60, le=1440, description="Minutes after the scheduled time a job may start.")
    completion_window_minutes: int = Field(ge=120, le=10080, description="Minutes a job may run before it is "
                                                                         "cancelled.")
    delete_after_days: int = Field(ge=1, le=36500, description="Days each recovery point is kept.")
    include_assets: bool = Field(description="Back up the assets bucket too (S3 backups need versioning, which "
                                             "the assets bucket has).")
    force_destroy: bool = Field(description="Let Terraform delete the vault with its recovery points "
                                            "(refused in production).")
    restore_testing: RestoreTestingSettings


#: vault events sent to the alert topic (BACKUP_JOB_COMPLETED carries failed and expired jobs too)
VAULT_EVENTS = (
    "BACKUP_JOB_COMPLETED",
    "COPY_JOB_FAILED",
    "RESTORE_JOB_COMPLETED",
    "S3_BACKUP_OBJECT_FAILED",
    "S3_RESTORE_OBJECT_FAILED",
)


class Backup(Component):
    name = "backup"
    standby = "promoted"
    module = "backup"
    description = ("AWS Backup: KMS-encrypted vault, daily plan for the database and assets bucket, "
                   "vault notifications and scheduled restore tests.")
    Settings = BackupSettings
    diagram_label = "AWS Backup vault"
    diagram_from = ("rds", "assets")
    #: vault notifications are published to the (customer-key encrypted) alert topic
    kms_service_principals = ("backup.amazonaws.com",)
    mock_outputs = {
        "vault_name": "mock-backup",
        "vault_arn": "arn:aws:backup:eu-west-1:111111111111:backup-vault:mock-backup",
        "plan_id": "00000000-0000-0000-0000-000000000000",
        "role_arn": "arn:aws:iam::111111111111:role/mock-backup",
        "restore_testing_plan_name": "mock_restore_test",
    }

    def vault_name(self, env: EnvContext) -> str:
        return fit_name(f"{env.prefix}-backup", 50)

    def restore_testing_plan_name(self, env: EnvContext) -> str:
        # letters, digits and underscores only, at most 50
        return fit_name(re.sub(r"[^A-Za-z0-9_]", "_", f"{env.prefix}_restore_test"), 50).replace("-", "_")

    def mocks(self, env: EnvContext) -> dict[str, Any]:
        s: BackupSettings = self.settings(env)
        vault = self.vault_name(env)
        return {
            "vault_name": vault,
            "vault_arn": f"arn:aws:backup:{env.region}:{env.account_id}:backup-vault:{vault}",
            "plan_id": "00000000-0000-0000-0000-000000000000",
            "role_arn": f"arn:aws:iam::{env.account_id}:role/{fit_name(f'{env.prefix}-backup', 64)}",
            "restore_testing_plan_name": (self.restore_testing_plan_name(env)
                                          if s.restore_testing.enabled and env.enabled("rds") else None),
        }

    def summary(self, env: EnvContext) -> dict[str, Any]:
        s: BackupSettings = self.settings(env)
        return {"AWS Backup": f"{s.schedule}, kept {s.delete_after_days} days",
                "Restore tests": s.restore_testing.schedule if s.restore_testing.enabled else None}

    def check(self, env: EnvContext) -> list[Problem]:
        if not self.enabled(env):
            return []
        s: BackupSettings = self.settings(env)
        problems = []
        if env.is_production and s.force_destroy:
            problems.append(env.problem(("backup", "force_destroy"),
                                        "a production backup vault may not be force-destroyed"))
        if not env.enabled("rds") and not s.include_assets:
            problems.append(env.problem(("backup", "include_assets"),
                                        "backup has nothing to protect: rds is disabled and include_assets is "
                                        "false; set backup.enabled: false or include_assets: true"))
        if s.restore_testing.enabled and not env.enabled("rds"):
            problems.append(env.problem(("backup", "restore_testing", "enabled"),
                                        "restore testing restores the rds database, which is disabled; set "
                                        "backup.restore_testing.enabled: false"))
        if s.restore_testing.enabled and s.restore_testing.selection_window_days > s.delete_after_days:
            problems.append(env.problem(("backup", "restore_testing", "selection_window_days"),
                                        f"selection_window_days ({s.restore_testing.selection_window_days}) is "
                                        f"longer than backup.delete_after_days ({s.delete_after_days}): no "
                                        "recovery point lives that long"))
        if s.completion_window_minutes <= s.start_window_minutes:
            problems.append(env.problem(("backup", "completion_window_minutes"),
                                        f"completion_window_minutes ({s.completion_window_minutes}) must be "
                                        f"longer than start_window_minutes ({s.start_window_minutes})"))
        return problems


    def names(self, env: EnvContext) -> list[NamedResource]:
        s: BackupSettings = self.settings(env)
        names = [NamedResource("account-region", "Backup vault", self.vault_name(env), ()),
                 NamedResource("account-region", "Backup plan", env.prefix, ()),
                 NamedResource("account", "IAM role", fit_name(f"{env.prefix}-backup", 64), ())]
        if s.restore_testing.enabled and env.enabled("rds"):
            names.append(NamedResource("account-region", "Backup restore testing plan",
                                       self.restore_testing_plan_name(env), ()))
        return names

    @staticmethod
    def standby_assets_replica(env: EnvContext) -> str | None:
        """The promoted standby's assets bucket to back up: the primary's replica in the standby region.

        A backup plan selects resources of its own region only, and the primary's assets unit (its
        state in the primary region) may be unreachable after a failover: the replica's ARN follows
        from the manifest (S3 ARNs carry no region or account). None: no replica in this region.
        """
        primary = env.primary_env
        assets = primary.components.get("assets")
        if assets is None or not primary.renders("assets"):
            return None
        if not assets.settings(primary).replication.enabled or primary.manifest.aws.dr_region != env.region:
            return None
        return f"arn:aws:s3:::{assets.replica_bucket_name(primary)}"

    def inputs(self, env: EnvContext) -> dict[str, Any]:
        s: BackupSettings = self.settings(env)
        t = s.restore_testing
        rds = env.enabled("rds")
        bucket = s.include_assets and env.enabled("assets")
        bucket_arn = env.out("assets", "bucket_arn") if bucket else None
        if env.is_standby:  # rendered once promoted: back up what lives in the standby region
            replica = self.standby_assets_replica(env)
            bucket, bucket_arn = (True, replica) if s.include_assets and replica is not None else (False, None)
        return {
            "name": env.prefix,
            "vault_name": self.vault_name(env),
            "role_name": fit_name(f"{env.prefix}-backup", 64),
            "kms_key_arn": env.out("kms", "key_arn"),
            "force_destroy": s.force_destroy,
            "rule": {
                "schedule": s.schedule,
                "start_window": s.start_window_minutes,
                "completion_window": s.completion_window_minutes,
                "delete_after": s.delete_after_days,
            },
            "db_instance_arn": env.out("rds", "db_instance_arn") if rds else None,
            "bucket_arn": bucket_arn,
            "back_up_bucket": bucket,
            "notification_topic_arn": env.out("alerts", "topic_arn") if env.enabled("alerts") else None,
            "notify": env.enabled("alerts"),
            "notification_events": list(VAULT_EVENTS),
            "restore_testing": {
                "name": self.restore_testing_plan_name(env),
                "schedule": t.schedule,
                "start_window_hours": t.start_window_hours,
                "selection_window_days": t.selection_window_days,
                "algorithm": t.algorithm,
                "validation_window_hours": t.validation_window_hours,
                "rds_metadata_overrides": {"dbInstanceClass": t.db_instance_class},
            } if t.enabled and rds else None,
        }
