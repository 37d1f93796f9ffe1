"""Data components: the PostgreSQL database (RDS) and the Redis/Valkey cache (ElastiCache).

Both live in the VPC's non-public subnets behind the security groups the ``security_groups`` unit
owns, are encrypted at rest with the customer KMS key and in transit with TLS, and hold no secret
anywhere in code or inputs: RDS keeps its master password in Secrets Manager (managed by RDS,
encrypted with the customer key); the cache authenticates by IAM (RBAC user group) or with an AUTH
token read at apply time from an existing SSM SecureString parameter.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints

from ..errors import Problem
from ..schema.base import StrictModel
from ..standby import GLOBAL_DATASTORE_FAMILIES
from .base import Assertion, Component, EnvContext, NamedResource, expect, hcl_value, log_groups

# --- shared value types -------------------------------------------------------------------------

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = r"([01][0-9]|2[0-3]):([0-5][0-9])"
_DAILY_RE = re.compile(rf"^{_HHMM}-{_HHMM}$")
_WEEKLY_RE = re.compile(rf"^({'|'.join(_DAYS)}):{_HHMM}-({'|'.join(_DAYS)}):{_HHMM}$")
_DAY_MINUTES = 24 * 60
_WEEK_MINUTES = 7 * _DAY_MINUTES


def _between(low: int, high: int) -> AfterValidator:
    def check(value: int) -> int:
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return value

    return AfterValidator(check)


def _daily_span(value: str) -> tuple[int, int]:
    """``hh24:mi-hh24:mi`` (UTC) -> (start minute of the day, length in minutes)."""
    m = _DAILY_RE.match(value)
    assert m is not None
    start = int(m[1]) * 60 + int(m[2])
    end = int(m[3]) * 60 + int(m[4])
    return start, (end - start) % _DAY_MINUTES


def _weekly_span(value: str) -> tuple[int, int]:
    """``ddd:hh24:mi-ddd:hh24:mi`` (UTC) -> (start minute of the week, length in minutes)."""
    m = _WEEKLY_RE.match(value)
    assert m is not None
    start = _DAYS.index(m[1]) * _DAY_MINUTES + int(m[2]) * 60 + int(m[3])
    end = _DAYS.index(m[4]) * _DAY_MINUTES + int(m[5]) * 60 + int(m[6])
    return start, (end - start) % _WEEK_MINUTES


def _daily_window(minimum: int) -> AfterValidator:
    def check(value: str) -> str:
        if not _DAILY_RE.match(value):
            raise ValueError(f"must be a daily UTC window 'hh24:mi-hh24:mi' such as '03:00-04:00', got {value!r}")
        if _daily_span(value)[1] < minimum:
            raise ValueError(f"must be at least {minimum} minutes long, got {value!r}")
        return value

    return AfterValidator(check)


def _weekly_window(minimum: int) -> AfterValidator:
    def check(value: str) -> str:
        if not _WEEKLY_RE.match(value):
            raise ValueError("must be a weekly UTC window 'ddd:hh24:mi-ddd:hh24:mi' with lowercase days such as "
                             f"'sun:04:00-sun:05:00', got {value!r}")
        length = _weekly_span(value)[1]
        if length < minimum:
            raise ValueError(f"must be at least {minimum} minutes long, got {value!r}")
        if length > _DAY_MINUTES:
            raise ValueError(f"may be at most 24 hours long, got {value!r}")
        return value

    return AfterValidator(check)


def windows_overlap(daily: str, weekly: str) -> bool:
    """Whether a daily window (every day of the week) overlaps a weekly one."""
    d_start, d_len = _daily_span(daily)
    w_start, w_len = _weekly_span(weekly)
    weekly_minutes = {(w_start + i) % _WEEK_MINUTES for i in range(w_len)}
    return any((day * _DAY_MINUTES + d_start + i) % _WEEK_MINUTES in weekly_minutes
               for day in range(7) for i in range(d_len))


def _instance_type(prefix: str, families: tuple[str, ...], burstable: tuple[str, ...]) -> AfterValidator:
    pattern = re.compile(rf"^{prefix}\.([a-z0-9]+)\.(micro|small|medium|large|xlarge|[1-9][0-9]?xlarge)$")

    def check(value: str) -> str:
        m = pattern.match(value)
        if not m:
            raise ValueError(f"must look like {prefix}.<family>.<size> (e.g. {prefix}.{families[0]}.large), "
                             f"got {value!r}")
        family, size = m[1], m[2]
        if family not in families:
            raise ValueError(f"unsupported instance family {family!r} in {value!r}; use one of "
                             f"{', '.join(families)}")
        if family not in burstable and size in ("micro", "small", "medium"):
            raise ValueError(f"{family} has no {size} size (the smallest is large); got {value!r}")
        return value

    return AfterValidator(check)


# Current-generation families (Graviton and Intel/AMD) that RDS for PostgreSQL and ElastiCache offer.
RDS_FAMILIES = ("t3", "t4g", "m5", "m5d", "m6g", "m6gd", "m6i", "m6id", "m6in", "m7g", "m7i", "m8g",
                "r5", "r5b", "r5d", "r6g", "r6gd", "r6i", "r6id", "r6in", "r7g", "r7i", "r8g",
                "x2g", "x2idn", "x2iedn")
CACHE_FAMILIES = ("t3", "t4g", "m5", "m6g", "m7g", "r5", "r6g", "r7g", "c7gn")
_BURSTABLE = ("t3", "t4g")

DbInstanceClass = Annotated[str, _instance_type("db", RDS_FAMILIES, _BURSTABLE)]
CacheNodeType = Annotated[str, _instance_type("cache", CACHE_FAMILIES, _BURSTABLE)]
PgIdentifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
SsmParameterName = Annotated[str, StringConstraints(
    pattern=r"^/?[a-zA-Z0-9_.-]{1,128}(/[a-zA-Z0-9_.-]{1,128})*$", max_length=2048)]


def _pi_retention(value: int) -> int:
    if value in (7, 731) or (value % 31 == 0 and 31 <= value <= 713):
        return value
    raise ValueError("must be 7, 731 or a multiple of 31 up to 713 (whole months)")


# --- RDS PostgreSQL -----------------------------------------------------------------------------

_RESERVED_PG_USERS = {"rdsadmin", "rdsrepladmin", "rds_superuser", "postgres_fdw", "public", "admin"}


def _master_username(value: str) -> str:
    if value in _RESERVED_PG_USERS or value.startswith(("pg_", "rds")):
        raise ValueError(f"{value!r} is reserved by PostgreSQL or RDS")
    return value


# --- non-production data sets ---------------------------------------------------------------------

DataSetName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,62}$")]
_SNAPSHOT_NAME = r"(rds:)?[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*"
SNAPSHOT_ID = re.compile(rf"^{_SNAPSHOT_NAME}$")
SNAPSHOT_ARN = re.compile(rf"^arn:aws[a-z-]*:rds:([a-z0-9-]+):([0-9]{{12}}):snapshot:{_SNAPSHOT_NAME}$")


def _snapshot(value: str) -> str:
    if len(value) > 1024 or not (SNAPSHOT_ID.match(value) and len(value) <= 255 or SNAPSHOT_ARN.match(value)):
        raise ValueError(f"{value!r} is neither a DB snapshot identifier (a letter, then letters, digits and "
                         "single hyphens) nor a DB snapshot ARN (arn:aws:rds:<region>:<account>:snapshot:<id>)")
    return value


class DataSet(StrictModel):
    """A named database snapshot environments may be created from (``rds.restore_from_snapshot``)."""

    snapshot: Annotated[str, AfterValidator(_snapshot)] = Field(
        description="DB snapshot identifier (same account and region) or ARN (shared snapshots); encrypted with "
                    "the restoring environment's customer KMS key (copy it with that key first).")
    source_environment: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]{0,15}$")] = Field(
        description="The environment whose database the snapshot was taken from.")
    sanitised: bool = Field(description="Personal and secret data removed (required for non-production use).")
    description: str | None = Field(default=None, max_length=200, description="What the data set holds.")


DataSets = dict[DataSetName, DataSet]


class RdsSettings(StrictModel):
    enabled: bool = Field(description="Deploy the PostgreSQL database in this environment.")
    restore_from_snapshot: DataSetName | None = Field(
        default=None, description="Create the database from this data set (a name under data_sets). Changing it "
                                  "replaces the database: its data is lost.")
    engine_version: str = Field(pattern=r"^(1[3-7])\.[0-9]{1,2}$",
                                description="PostgreSQL version, major 13-17 with minor (e.g. '16.4').")
    instance_class: DbInstanceClass = Field(description="DB instance class, db.<family>.<size>.")
    db_name: PgIdentifier = Field(description="Name of the database created on the instance.")
    master_username: Annotated[PgIdentifier, AfterValidator(_master_username)] = Field(
        description="Master user name; its password is generated and kept in Secrets Manager by RDS.")
    port: int = Field(ge=1150, le=65535, description="Port PostgreSQL listens on.")
    allocated_storage_gb: int = Field(ge=20, le=65536, description="Initial gp3 storage, GiB.")
    max_allocated_storage_gb: int = Field(ge=21, le=65536,
                                          description="Storage autoscaling ceiling, GiB (above allocated_storage_gb).")
    multi_az: bool = Field(description="Synchronous standby in another zone (required in production).")
    deletion_protection: bool = Field(description="Refuse deletion of the instance (required in production).")
    final_snapshot: bool = Field(description="Take a final snapshot when the instance is deleted "
                                 "(required in production).")
    backup_retention_days: Annotated[int, _between(1, 35)] = Field(
        description="Days automated backups are kept (1-35).")
    backup_window: Annotated[str, _daily_window(30)] = Field(
        description="Daily UTC backup window 'hh24:mi-hh24:mi', at least 30 minutes.")
    maintenance_window: Annotated[str, _weekly_window(30)] = Field(
        description="Weekly UTC maintenance window 'ddd:hh24:mi-ddd:hh24:mi'; must not overlap backup_window.")
    log_min_duration_statement_ms: int = Field(ge=-1, le=2147483647,
                                               description="Log statements slower than this, ms (-1: off).")
    performance_insights_retention_days: Annotated[int, AfterValidator(_pi_retention)] = Field(
        description="Performance Insights retention: 7, 731 or a multiple of 31 up to 713.")
    monitoring_interval_seconds: Literal[0, 1, 5, 10, 15, 30, 60] = Field(
        description="Enhanced monitoring interval in seconds (0: off).")
    read_replicas: int = Field(ge=0, le=5, description="Read replicas, spread over the other zones.")
    apply_immediately: bool = Field(description="Apply modifications at once instead of in the maintenance window.")


class Rds(Component):
    name = "rds"
    standby = "regional"
    module = "rds_postgres"
    description = "PostgreSQL on RDS: encrypted, TLS only, password in Secrets Manager, optional read replicas."
    Settings = RdsSettings
    diagram_label = "RDS PostgreSQL"
    diagram_from = ("ecs",)
    mock_outputs = {
        "address": "mock-postgres.abcdefghijkl.eu-west-1.rds.amazonaws.com",
        "port": 5432,
        "endpoint": "mock-postgres.abcdefghijkl.eu-west-1.rds.amazonaws.com:5432",
        "db_name": "game",
        "db_instance_identifier": "mock-postgres",
        "db_instance_arn": "arn:aws:rds:eu-west-1:111111111111:db:mock-postgres",
        "db_instance_resource_id": "db-ABCDEFGHIJKLMNOPQRSTUVWXY0",
        "master_user_secret_arn": "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!db-mock-AbCdEf",
        "replica_addresses": ["mock-postgres-replica-1.abcdefghijkl.eu-west-1.rds.amazonaws.com"],
        "kms_key_arn": "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000",
    }

    #: computed attributes the mock provider must fill (it leaves nested computed blocks empty), by resource type;
    #: real RDS always returns master_user_secret when manage_master_user_password is true
    mock_resources = {
        "aws_db_instance": {
            # the standby's replica checks that its source is a DB instance ARN
            "arn": mock_outputs["db_instance_arn"],
            "master_user_secret": [{
                "secret_arn": mock_outputs["master_user_secret_arn"],
                "kms_key_id": mock_outputs["kms_key_arn"],
                "secret_status": "active",
            }],
        },
    }

    def identifier(self, env: EnvContext) -> str:
        return f"{env.prefix}-postgres"

    @staticmethod
    def is_replica(env: EnvContext) -> bool:
        """The warm standby's database, until promoted: a cross-region read replica of the primary's.

        It takes engine, version, database, master user (and its secret) from the primary. Single-AZ,
        no read replicas of its own and no final snapshot (RDS takes none of a replica); automated
        backups from PostgreSQL 14.1 (RDS keeps none on older replicas). Promotion (``standby.promoted``)
        drops the source: the instance becomes a standalone primary with the manifest's settings
        (Multi-AZ, read replicas, final snapshot, its own master user secret in the standby region).
        """
        return env.standing_by

    @staticmethod
    def replica_backups(s: RdsSettings) -> bool:
        """RDS for PostgreSQL keeps automated backups on read replicas from 14.1 only."""
        return int(s.engine_version.split(".")[0]) >= 14

    def summary(self, env: EnvContext) -> dict[str, Any]:
        s: RdsSettings = self.settings(env)
        if self.is_replica(env):
            backups = s.backup_retention_days if self.replica_backups(s) else "none (PostgreSQL before 14.1)"
            return {"PostgreSQL": f"cross-region read replica of {env.primary_env.region} ({s.instance_class}, "
                                  "single-AZ until promoted)",
                    "PostgreSQL backups (days)": backups}
        return {"PostgreSQL": f"{s.engine_version} on {s.instance_class}",
                "PostgreSQL Multi-AZ / read replicas": f"{'yes' if s.multi_az else 'no'} / {s.read_replicas}",
                "PostgreSQL backups (days)": s.backup_retention_days}

    def check(self, env: EnvContext) -> list[Problem]:
        if not self.enabled(env):
            return []
        s: RdsSettings = self.settings(env)
        problems = []
        if s.max_allocated_storage_gb <= s.allocated_storage_gb:
            problems.append(env.problem(("rds", "max_allocated_storage_gb"),
                                        f"must be above allocated_storage_gb ({s.allocated_storage_gb}) for storage "
                                        f"autoscaling, got {s.max_allocated_storage_gb}"))
        if windows_overlap(s.backup_window, s.maintenance_window):
            problems.append(env.problem(("rds", "maintenance_window"),
                                        f"{s.maintenance_window} overlaps the backup window {s.backup_window}"))
        if env.is_production:
            for key in ("deletion_protection", "multi_az", "final_snapshot"):
                if not getattr(s, key):
                    problems.append(env.problem(("rds", key), "may not be disabled in production"))
        problems.extend(self._data_set_problems(env))  # none in the standby: standby.derive drops the data set
        return problems

    def data_set(self, env: EnvContext) -> DataSet | None:
        s: RdsSettings = self.settings(env)
        if s.restore_from_snapshot is None:
            return None
        return (getattr(env.manifest, "data_sets", None) or {}).get(s.restore_from_snapshot)

    def _data_set_problems(self, env: EnvContext) -> list[Problem]:
        """Production restores only production data; other environments only sanitised data."""
        s: RdsSettings = self.settings(env)
        name = s.restore_from_snapshot
        if name is None:
            return []
        where = ("rds", "restore_from_snapshot")
        data_sets = getattr(env.manifest, "data_sets", None) or {}
        data_set = data_sets.get(name)
        if data_set is None:
            from difflib import get_close_matches

            close = get_close_matches(name, sorted(data_sets), 1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            known = ", ".join(sorted(data_sets)) or "none"
            return [env.problem(where, f"no data set {name!r} under data_sets{hint}; known: {known}")]
        problems = []
        source = data_set.source_environment
        profiles = env.environment_profiles
        if source not in env.manifest.aws.accounts:
            problems.append(env.problem(("data_sets", name, "source_environment"),
                                        f"{source!r} is not an environment of this customer "
                                        f"({', '.join(sorted(env.manifest.aws.accounts))})"))
        source_is_production = profiles.get(source, source) == "prod"
        if env.is_production and not source_is_production:
            problems.append(env.problem(where, f"production may only be restored from production data; data set "
                                        f"{name!r} comes from the non-production environment {source!r}"))
        if not env.is_production and not data_set.sanitised:
            problems.append(env.problem(where, f"data set {name!r} is not sanitised (sanitised: false); "
                                        "non-production environments may only use sanitised data"))
        arn = SNAPSHOT_ARN.match(data_set.snapshot)
        if arn and arn.group(1) != env.region:
            problems.append(env.problem(("data_sets", name, "snapshot"),
                                        f"the snapshot is in {arn.group(1)}, the database in {env.region}; copy it "
                                        f"to {env.region} (with the environment's KMS key) first"))
        return problems

    def assertions(self, env: EnvContext) -> list[Assertion]:
        s: RdsSettings = self.settings(env)
        if self.is_replica(env):
            return self._replica_assertions(env, s)
        db = "aws_db_instance.this"
        key = env.out("kms", "key_arn")
        promoted = ([Assertion(f"{db}.replicate_source_db == null",
                               "rds: the promoted standby's database must be standalone (no replication source)")]
                    if env.is_standby else [])
        return [
            expect(f"{db}.multi_az", s.multi_az, f"rds: multi_az must be {hcl_value(s.multi_az)} (rds.multi_az)"),
            expect(f"{db}.deletion_protection", s.deletion_protection,
                   f"rds: deletion_protection must be {hcl_value(s.deletion_protection)} (rds.deletion_protection)"),
            expect(f"{db}.skip_final_snapshot", not s.final_snapshot,
                   f"rds: a final snapshot must {'' if s.final_snapshot else 'not '}be taken (rds.final_snapshot)"),
            Assertion(f"{db}.storage_encrypted", "rds: storage must be encrypted"),
            expect(f"{db}.kms_key_id", key, "rds: storage must be encrypted with the customer KMS key"),
            Assertion(f"{db}.manage_master_user_password && {db}.password == null && "
                      f"{db}.master_user_secret_kms_key_id == {hcl_value(key)}",
                      "rds: the master password must be managed by RDS in Secrets Manager (customer key), "
                      "never set in code"),
            Assertion(f"!{db}.publicly_accessible", "rds: the instance must not be publicly accessible"),
            expect(f"{db}.backup_retention_period", s.backup_retention_days,
                   f"rds: backups must be kept {s.backup_retention_days} days (rds.backup_retention_days)"),
            expect(f"{db}.instance_class", s.instance_class,
                   f"rds: instance class must be {s.instance_class} (rds.instance_class)"),
            expect("length(aws_db_instance.replica)", s.read_replicas,
                   f"rds: there must be {s.read_replicas} read replicas (rds.read_replicas)"),
            Assertion("alltrue([for r in aws_db_instance.replica : r.storage_encrypted && r.kms_key_id == "
                      f"{hcl_value(key)} && !r.publicly_accessible])",
                      "rds: every read replica must be encrypted with the customer KMS key and private"),
            log_groups("rds", "values(aws_cloudwatch_log_group.exports)", env.manifest.logging.retention_days, key),
        ] + promoted

    def _replica_assertions(self, env: EnvContext, s: RdsSettings) -> list[Assertion]:
        """The standby's cross-region read replica: its source is the primary's ARN, its key its own region's."""
        db = "aws_db_instance.this"
        key = env.out("kms", "key_arn")
        backups = s.backup_retention_days if self.replica_backups(s) else 0
        return [
            expect(f"{db}.replicate_source_db", env.primary_out("rds", "db_instance_arn"),
                   f"rds: the standby's database must be a read replica of the primary's in "
                   f"{env.primary_env.region}, named by its ARN"),
            Assertion(f"{db}.storage_encrypted", "rds: storage must be encrypted"),
            expect(f"{db}.kms_key_id", key,
                   f"rds: the replica must be encrypted with the customer KMS key of its own region ({env.region})"),
            Assertion(f"{db}.manage_master_user_password == null && {db}.password == null",
                      "rds: the replica sets no master password (its master user is the primary's)"),
            Assertion(f"!{db}.publicly_accessible", "rds: the instance must not be publicly accessible"),
            expect(f"{db}.deletion_protection", s.deletion_protection,
                   f"rds: deletion_protection must be {hcl_value(s.deletion_protection)} (rds.deletion_protection)"),
            expect(f"{db}.backup_retention_period", backups,
                   f"rds: the replica must keep backups {backups} days (rds.backup_retention_days; RDS keeps none "
                   "on replicas before PostgreSQL 14.1)"),
            expect(f"{db}.instance_class", s.instance_class,
                   f"rds: instance class must be {s.instance_class} (rds.instance_class)"),
            expect("length(aws_db_instance.replica)", 0, "rds: the standby's replica has no read replicas of its own"),
            log_groups("rds", "values(aws_cloudwatch_log_group.exports)", env.manifest.logging.retention_days, key),
        ]

    def names(self, env: EnvContext) -> list[NamedResource]:
        s: RdsSettings = self.settings(env)
        primary = self.identifier(env)
        replicas = 0 if self.is_replica(env) else s.read_replicas
        instances = [primary] + [f"{primary}-replica-{i}" for i in range(1, replicas + 1)]
        names = [NamedResource("account-region", "RDS DB subnet group", primary, ())]
        for instance in instances:
            names.append(NamedResource("account-region", "RDS DB instance", instance, ()))
            # RDS log exports go to /aws/rds/instance/<id>/<log>: the groups follow the identifiers
            names += [NamedResource("account-region", "CloudWatch log group", f"/aws/rds/instance/{instance}/{log}", ())
                      for log in ("postgresql", "upgrade")]
        return names

    def inputs(self, env: EnvContext) -> dict[str, Any]:
        s: RdsSettings = self.settings(env)
        replica = self.is_replica(env)
        inputs = {
            "identifier": self.identifier(env),
            "engine_version": s.engine_version,
            "instance_class": s.instance_class,
            "db_name": s.db_name,
            "master_username": s.master_username,
            "port": s.port,
            "allocated_storage": s.allocated_storage_gb,
            "max_allocated_storage": s.max_allocated_storage_gb,
            "kms_key_arn": env.out("kms", "key_arn"),
            "subnet_ids": env.out("vpc", "database_subnet_ids"),
            "availability_zones": env.out("vpc", "azs"),
            "security_group_ids": [env.out("security_groups", "rds_security_group_id")],
            "multi_az": s.multi_az and not replica,
            "deletion_protection": s.deletion_protection,
            "final_snapshot": s.final_snapshot,
            # RDS keeps no automated backups on PostgreSQL read replicas before 14.1
            "backup_retention_period": 0 if replica and not self.replica_backups(s) else s.backup_retention_days,
            "backup_window": s.backup_window,
            "maintenance_window": s.maintenance_window,
            "log_min_duration_statement": s.log_min_duration_statement_ms,
            "performance_insights_retention_period": s.performance_insights_retention_days,
            "monitoring_interval": s.monitoring_interval_seconds,
            "read_replica_count": 0 if replica else s.read_replicas,
            "log_retention_days": env.manifest.logging.retention_days,
            "apply_immediately": s.apply_immediately,
            # never in the standby: its data comes from the primary (standby.derive drops the data set)
            "snapshot_identifier": data_set.snapshot if (data_set := self.data_set(env)) else None,
        }
        if replica:
            # a cross-region source is named by its ARN; encrypted with the standby region's key (kms_key_arn)
            inputs["replicate_source_db"] = env.primary_out("rds", "db_instance_arn")
            inputs["replicate"] = True  # known at plan time, unlike the ARN
        return inputs


# --- ElastiCache Redis / Valkey -----------------------------------------------------------------

#: engine -> supported versions (IAM authentication and transit_encryption_mode need Redis OSS 7 or Valkey)
CACHE_VERSIONS: dict[str, re.Pattern[str]] = {
    "redis": re.compile(r"^7\.[01]$"),
    "valkey": re.compile(r"^(7\.2|8\.[0-9])$"),
}
CACHE_VERSION_HINT = {"redis": "7.0 or 7.1", "valkey": "7.2 or 8.x"}

#: Regions that offer ElastiCache Global Datastore (AWS ElastiCache guide, "Prerequisites and
#: limitations"). Every engine version fgen accepts qualifies (Redis OSS 5.0.6+, Valkey 7.2+), and the
#: guide lists TLS, encryption at rest, AUTH and KMS keys as supported. RBAC user groups (regional: each
#: member attaches its own region's) are not named there: to confirm against AWS before relying on it.
GLOBAL_DATASTORE_REGIONS = frozenset({
    "af-south-1", "ap-east-1", "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
    "ap-southeast-4", "ap-southeast-5", "ap-southeast-7", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ca-central-1", "ca-west-1", "cn-north-1", "cn-northwest-1", "eu-central-1", "eu-central-2", "eu-north-1",
    "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "me-central-1",
    "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
    "us-gov-east-1", "us-gov-west-1",
})


def global_datastore_refusal(env: EnvContext) -> str | None:
    """Why the warm standby's cache cannot join a Global Datastore of the primary's (None: it can).

    AWS's constraints: the node families of ``GLOBAL_DATASTORE_FAMILIES`` in size large or bigger
    (every member has the primary's node type, engine version and shard count), both regions among
    ``GLOBAL_DATASTORE_REGIONS``. Without it the standby runs an empty cache that warms up.
    """
    primary = env.primary_env
    standby = primary.standby_env
    if standby is None:
        return "the environment has no warm standby"
    s: RedisSettings = primary.manifest.redis
    _, family, size = s.node_type.split(".")
    if family not in GLOBAL_DATASTORE_FAMILIES or size in ("micro", "small", "medium"):
        return (f"{s.node_type} nodes cannot join a Global Datastore (it needs "
                f"{', '.join(GLOBAL_DATASTORE_FAMILIES)} nodes, large or bigger)")
    for region in (primary.region, standby.region):
        if region not in GLOBAL_DATASTORE_REGIONS:
            return f"ElastiCache Global Datastore is not offered in {region}"
    if {primary.region, standby.region} & {"cn-north-1", "cn-northwest-1"} and \
            {primary.region, standby.region} != {"cn-north-1", "cn-northwest-1"}:
        return "China regions replicate only between cn-north-1 and cn-northwest-1"
    return None


class RedisSettings(StrictModel):
    enabled: bool = Field(description="Deploy the cache in this environment.")
    engine: Literal["redis", "valkey"] = Field(description="Cache engine: redis (Redis OSS) or valkey.")
    engine_version: str = Field(pattern=r"^[0-9]+\.[0-9]+$",
                                description="Engine version: redis 7.0/7.1, valkey 7.2/8.x.")
    node_type: CacheNodeType = Field(description="Node type, cache.<family>.<size>.")
    port: int = Field(ge=1024, le=65535, description="Port the cache listens on.")
    cluster_mode: Literal["enabled", "disabled"] = Field(
        description="enabled: sharded (num_node_groups shards); disabled: one primary plus replicas.")
    num_node_groups: int = Field(ge=1, le=500, description="Shards (cluster mode enabled only; else 1).")
    replicas_per_node_group: int = Field(ge=0, le=5, description="Replicas per shard (or of the primary).")
    automatic_failover: bool = Field(description="Promote a replica when the primary fails.")
    multi_az: bool = Field(description="Place replicas in other zones and fail over across zones.")
    auth: Literal["iam", "auth_token"] = Field(
        default="iam", description="iam: RBAC user group with an IAM-authenticated application user; "
                                   "auth_token: AUTH token read from an existing SSM SecureString parameter.")
    auth_token_parameter: SsmParameterName | None = Field(
        default=None, description="Name of the SSM SecureString parameter holding the AUTH token (auth_token only).")
    app_access_string: str = Field(min_length=1, max_length=1024, pattern=r"^on( .+)?$",
                                   description="ACL access string of the IAM application user (starts with 'on').")
    snapshot_retention_days: int = Field(ge=0, le=35, description="Days automatic snapshots are kept (0: none).")
    snapshot_window: Annotated[str, _daily_window(60)] = Field(
        description="Daily UTC snapshot window 'hh24:mi-hh24:mi', at least 60 minutes.")
    maintenance_window: Annotated[str, _weekly_window(60)] = Field(
        description="Weekly UTC maintenance window 'ddd:hh24:mi-ddd:hh24:mi'; must not overlap snapshot_window.")
    apply_immediately: bool = Field(description="Apply modifications at once instead of in the maintenance window.")


class Redis(Component):
    name = "redis"
    standby = "regional"
    module = "redis"
    description = "ElastiCache Redis OSS / Valkey replication group: encrypted, TLS only, IAM or AUTH token auth."
    Settings = RedisSettings
    diagram_label = "ElastiCache"
    diagram_from = ("ecs",)
    mock_outputs = {
        "primary_endpoint_address": "master.mock-redis.abcdef.euw1.cache.amazonaws.com",
        "reader_endpoint_address": "replica.mock-redis.abcdef.euw1.cache.amazonaws.com",
        "port": 6379,
        "replication_group_id": "mock-redis",
        "replication_group_arn": "arn:aws:elasticache:eu-west-1:111111111111:replicationgroup:mock-redis",
        "user_group_id": "mock-redis",
        "app_user_id": "mock-redis-app",
        "app_user_arn": "arn:aws:elasticache:eu-west-1:111111111111:user:mock-redis-app",
        # auth_token mode only (null with iam); mocks() derives it from the manifest's parameter name
        "auth_token_parameter_arn": "arn:aws:ssm:eu-west-1:111111111111:parameter/mock/redis/auth-token",
        # null without a warm standby on a Global Datastore; AWS prefixes the suffix with 5 letters
        "global_replication_group_id": "ldgnf-mock-redis",
    }
    #: the mock provider's random strings fail the standby module's check of the datastore id's form
    mock_resources = {
        "aws_elasticache_global_replication_group": {"global_replication_group_id": "ldgnf-mock-redis"},
    }
    mock_data = {
        # the provider validates auth_token (16-128 printable characters) even under a mock
        "aws_ssm_parameter": {"value": "mock-auth-token-0123456789abcdef", "type": "SecureString"},
    }

    def mocks(self, env: EnvContext) -> dict[str, Any]:
        """Mocks naming this environment's AUTH token parameter (the ecs unit's secret on a first plan)."""
        s: RedisSettings = self.settings(env)
        mocks = dict(self.mock_outputs)
        if s.auth == "auth_token" and s.auth_token_parameter is not None:
            name = s.auth_token_parameter.lstrip("/")
            mocks["auth_token_parameter_arn"] = f"arn:aws:ssm:{env.region}:{env.account_id}:parameter/{name}"
        return mocks

    @staticmethod
    def cache_name(env: EnvContext) -> str:
        """The replication group id and the prefix of its users, groups and log groups. ElastiCache ids
        are regional: the warm standby's cache keeps the primary's name in its own region (the
        ``-standby`` prefix would not fit ElastiCache's 40 characters for names the primary's fit)."""
        return env.primary_env.prefix

    @staticmethod
    def global_datastore(env: EnvContext) -> bool:
        """Whether this environment's cache and its warm standby's share a Global Datastore now: the
        primary's founds it, the standby's is its read-only secondary (until promoted)."""
        primary = env.primary_env
        return (primary.standby_env is not None and not primary.promoted and primary.renders("redis")
                and primary.standby_env.renders("redis") and global_datastore_refusal(primary) is None)

    def standby_fact(self, env: EnvContext) -> str | None:
        """One line on the warm standby's cache (README), from either context; None without a standby.

        Promotion (RUNBOOK.md): with both regions up, ``aws elasticache failover-global-replication-group``
        makes the standby's group the datastore's primary (then the old primary is disassociated); with
        the primary region lost, ``aws elasticache disassociate-global-replication-group`` (in the standby
        region) detaches the standby's group as a standalone primary. Either way the standby's group must
        be standalone before ``standby.promoted: true`` is applied: it renders the same group standalone
        (the manifest's engine, node type, parameter group and encryption settings, no datastore id) and
        removes the primary region's cache and the datastore (guarded like any unit removal).
        """
        primary = env.primary_env
        standby = primary.standby_env
        if standby is None or not standby.renders("redis"):
            return None
        if primary.promoted:
            return (f"promoted in {standby.region}: a standalone primary (after failover-global-replication-group "
                    "or disassociate-global-replication-group; see RUNBOOK.md)")
        if self.global_datastore(primary):
            return (f"Global Datastore: {standby.region} is a read-only secondary of {primary.region}, replicated "
                    "asynchronously (typically under a second) and promoted by failing the datastore over")
        return (f"empty cache in {standby.region} that warms up after a failover (no Global Datastore: "
                f"{global_datastore_refusal(primary)})")

    def summary(self, env: EnvContext) -> dict[str, Any]:
        s: RedisSettings = self.settings(env)
        nodes = s.num_node_groups * (1 + s.replicas_per_node_group)
        facts = {"Cache": f"{s.engine} {s.engine_version} on {nodes} × {s.node_type}",
                 "Cache failover / Multi-AZ": f"{'yes' if s.automatic_failover else 'no'} / "
                                              f"{'yes' if s.multi_az else 'no'}",
                 "Cache authentication": "IAM (RBAC)" if s.auth == "iam" else "AUTH token (SSM)"}
        if (fact := self.standby_fact(env)) is not None:
            facts["Cache warm standby"] = fact
        return facts

    def check(self, env: EnvContext) -> list[Problem]:
        if not self.enabled(env):
            return []
        s: RedisSettings = self.settings(env)
        problems = []
        if not CACHE_VERSIONS[s.engine].match(s.engine_version):
            problems.append(env.problem(("redis", "engine_version"),
                                        f"{s.engine} {s.engine_version} is not supported; use "
                                        f"{CACHE_VERSION_HINT[s.engine]} (IAM auth and TLS-only mode need them)"))
        if len(f"{self.cache_name(env)}-default") > 40:
            problems.append(env.problem(("redis",), f"the cache ids derived from '{self.cache_name(env)}' exceed "
                                        "ElastiCache's 40 characters; shorten the customer or environment name"))
        if s.cluster_mode == "disabled" and s.num_node_groups != 1:
            problems.append(env.problem(("redis", "num_node_groups"),
                                        f"must be 1 when cluster_mode is disabled, got {s.num_node_groups}"))
        if s.cluster_mode == "enabled" and not s.automatic_failover:
            problems.append(env.problem(("redis", "automatic_failover"), "must be true when cluster_mode is enabled"))
        if s.multi_az and not s.automatic_failover:
            problems.append(env.problem(("redis", "automatic_failover"), "must be true when multi_az is true"))
        if s.automatic_failover and s.replicas_per_node_group < 1:
            problems.append(env.problem(("redis", "replicas_per_node_group"),
                                        "automatic_failover needs at least 1 replica, got 0"))
        if s.auth == "auth_token" and s.auth_token_parameter is None:
            problems.append(env.problem(("redis", "auth"),
                                        "auth: auth_token needs auth_token_parameter (the SSM SecureString name)"))
        if s.auth == "iam" and s.auth_token_parameter is not None:
            problems.append(env.problem(("redis", "auth_token_parameter"), "only used with auth: auth_token"))
        if windows_overlap(s.snapshot_window, s.maintenance_window):
            problems.append(env.problem(("redis", "maintenance_window"),
                                        f"{s.maintenance_window} overlaps the snapshot window {s.snapshot_window}"))
        if env.is_production:
            for key in ("automatic_failover", "multi_az"):
                if not getattr(s, key):
                    problems.append(env.problem(("redis", key), "may not be disabled in production"))
        return problems

    def assertions(self, env: EnvContext) -> list[Assertion]:
        s: RedisSettings = self.settings(env)
        rg = "aws_elasticache_replication_group.this"
        key = env.out("kms", "key_arn")
        nodes = "" if s.cluster_mode == "enabled" else f" && {rg}.num_cache_clusters == {1 + s.replicas_per_node_group}"
        if env.is_standby and self.global_datastore(env):
            return self._secondary_assertions(env, s, nodes)
        founds = self.global_datastore(env) and not env.is_standby
        global_group = [expect("length(aws_elasticache_global_replication_group.this)", 1 if founds else 0,
                               "redis: the primary's cache must found the Global Datastore its warm standby joins"
                               if founds else "redis: no Global Datastore without a warm standby that joins it")]
        if env.standby_env is None and not env.is_standby:
            global_group = []  # no standby: exactly the assertions of before
        return global_group + [
            Assertion(f'tostring({rg}.at_rest_encryption_enabled) == "true" && {rg}.kms_key_id == {hcl_value(key)}',
                      "redis: data at rest must be encrypted with the customer KMS key"),
            Assertion(f'{rg}.transit_encryption_enabled == true && {rg}.transit_encryption_mode == "required"',
                      "redis: clients must use TLS (transit encryption required)"),
            expect(f"{rg}.automatic_failover_enabled", s.automatic_failover,
                   f"redis: automatic failover must be {hcl_value(s.automatic_failover)} (redis.automatic_failover)"),
            expect(f"{rg}.multi_az_enabled", s.multi_az,
                   f"redis: Multi-AZ must be {hcl_value(s.multi_az)} (redis.multi_az)"),
            expect(f"{rg}.node_type", s.node_type, f"redis: node type must be {s.node_type} (redis.node_type)"),
            Assertion(f"{rg}.cluster_mode == {hcl_value(s.cluster_mode)}{nodes}",
                      f"redis: {s.cluster_mode} cluster mode with {s.replicas_per_node_group} replicas "
                      "(redis.cluster_mode, redis.replicas_per_node_group)"),
            log_groups("redis", "values(aws_cloudwatch_log_group.this)", env.manifest.logging.retention_days, key),
        ]

    def _secondary_assertions(self, env: EnvContext, s: RedisSettings, nodes: str) -> list[Assertion]:
        """The standby's cache on the primary's Global Datastore: engine, node type and encryption flags
        are the datastore's (unset here), the key and the replicas its own region's."""
        rg = "aws_elasticache_replication_group.this"
        key = env.out("kms", "key_arn")
        return [
            expect(f"{rg}.global_replication_group_id", env.primary_out("redis", "global_replication_group_id"),
                   f"redis: the standby's cache must be a secondary of the primary's Global Datastore "
                   f"({env.primary_env.region})"),
            expect(f"{rg}.kms_key_id", key,
                   "redis: the secondary must be encrypted with the customer KMS key of its own region "
                   f"({env.region})"),
            Assertion(f"{rg}.engine == null",
                      "redis: a secondary takes its engine (and version, node type, encryption) from the Global "
                      "Datastore"),
            expect("length(aws_elasticache_global_replication_group.this)", 0,
                   "redis: the standby's cache joins the primary's Global Datastore and founds none"),
            Assertion(f"{rg}.automatic_failover_enabled == {hcl_value(s.automatic_failover)}{nodes}",
                      f"redis: {s.replicas_per_node_group} replicas, automatic failover "
                      f"{hcl_value(s.automatic_failover)} (redis.replicas_per_node_group, redis.automatic_failover)"),
            log_groups("redis", "values(aws_cloudwatch_log_group.this)", env.manifest.logging.retention_days, key),
        ]

    def names(self, env: EnvContext) -> list[NamedResource]:
        s: RedisSettings = self.settings(env)
        name = self.cache_name(env)
        family = f"{s.engine}{s.engine_version.split('.')[0]}"
        names = [NamedResource("account-region", "ElastiCache replication group", name, ()),
                 NamedResource("account-region", "ElastiCache subnet group", name, ()),
                 NamedResource("account-region", "ElastiCache parameter group",
                               f"{name}-{family}{'-cluster' if s.cluster_mode == 'enabled' else ''}", ())]
        names += [NamedResource("account-region", "CloudWatch log group", f"/aws/elasticache/{name}/{log}", ())
                  for log in ("slow-log", "engine-log")]
        if s.auth == "iam":
            names += [NamedResource("account-region", "ElastiCache user", f"{name}-default", ()),
                      NamedResource("account-region", "ElastiCache user", f"{name}-app", ()),
                      NamedResource("account-region", "ElastiCache user group", name, ())]
        if self.global_datastore(env) and not env.is_standby:
            # AWS prefixes the suffix with a code of the primary region; the suffix is what fgen chooses
            names.append(NamedResource("account", "ElastiCache Global Datastore suffix", name, ()))
        return names

    def inputs(self, env: EnvContext) -> dict[str, Any]:
        s: RedisSettings = self.settings(env)
        inputs = {
            "name": self.cache_name(env),
            "engine": s.engine,
            "engine_version": s.engine_version,
            "node_type": s.node_type,
            "port": s.port,
            "cluster_mode_enabled": s.cluster_mode == "enabled",
            "num_node_groups": s.num_node_groups,
            "replicas_per_node_group": s.replicas_per_node_group,
            "automatic_failover_enabled": s.automatic_failover,
            "notification_topic_arn": env.out("alerts", "topic_arn") if env.enabled("alerts") else None,
            "multi_az_enabled": s.multi_az,
            "kms_key_arn": env.out("kms", "key_arn"),
            "subnet_ids": env.out("vpc", "private_subnet_ids"),
            "security_group_ids": [env.out("security_groups", "redis_security_group_id")],
            "auth_mode": s.auth,
            "auth_token_parameter_name": s.auth_token_parameter,
            "app_user_access_string": s.app_access_string,
            "snapshot_retention_limit": s.snapshot_retention_days,
            "snapshot_window": s.snapshot_window,
            "maintenance_window": s.maintenance_window,
            "apply_immediately": s.apply_immediately,
            "log_retention_days": env.manifest.logging.retention_days,
        }
        if self.global_datastore(env):
            if env.is_standby:  # engine, version, node type, shards and encryption: the datastore's
                inputs["global_replication_group_id"] = env.primary_out("redis", "global_replication_group_id")
                inputs["join_global_datastore"] = True  # known at plan time, unlike the id
            else:
                inputs["global_datastore_suffix"] = env.prefix
        return inputs
