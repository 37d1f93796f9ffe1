"""The one typed schema every resolved environment is validated against.

It is assembled from the base sections and from each component's ``Settings`` model, so adding a
component adds its manifest section without touching this file.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import Field, create_model, field_validator

from ..components import CATALOGUE
from ..components.data import DataSets
from ..components.preview import Previews
from ..standby import StandbySettings
from .base import Aws, Dns, Identity, State, StrictModel, Tags, check_tags
from .services import Services
from .types import EnvName, LogRetentionDays


class LoggingSettings(StrictModel):
    retention_days: LogRetentionDays = Field(description="Retention of every CloudWatch log group, in days.")


class ManifestBase(StrictModel):
    profile: EnvName | None = Field(default=None, description="Environment files only: the profile to start from "
                                    "(default: the profile named like the environment).")
    customer: Identity
    aws: Aws
    dns: Dns
    tags: Tags = Field(default_factory=dict, description="Extra tags for every resource (keys fgen sets are refused).")
    state: State = Field(default_factory=State, description="Terraform state settings.")
    logging: LoggingSettings
    services: Services = Field(description="Application services (ECS on Fargate behind the ALB), by name.")
    data_sets: DataSets = Field(default_factory=dict, description="Named database snapshots environments may be "
                                "created from (rds.restore_from_snapshot), usually in customer.yaml.")
    standby: StandbySettings = Field(default_factory=StandbySettings, description="A warm standby of this "
                                     "environment in a second region that can take over (generator/standby.py).")
    previews: Previews = Field(default_factory=dict, description="Feature-branch previews of this (non-production) "
                               "environment, by branch name; edit with `fgen preview add/remove`.")

    @field_validator("services")
    @classmethod
    def _services(cls, value: dict) -> dict:
        if not any(s.enabled for s in value.values()):
            raise ValueError("at least one service must be enabled")
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: dict[str, str]) -> dict[str, str]:
        return check_tags(value)


@lru_cache(maxsize=1)
def manifest_model() -> type[ManifestBase]:
    fields: dict[str, Any] = {}
    for component in CATALOGUE:
        if component.Settings is not None:
            fields[component.name] = (component.Settings, Field(description=component.description))
    return create_model("Manifest", __base__=ManifestBase, **fields)


#: top-level keys a profile may set (profiles give defaults for settings, never identity)
PROFILE_KEYS = frozenset({"logging", "tags", "state", "services", "standby"} | {c.name for c in CATALOGUE if c.Settings is not None})
