"""The application services section: one ECS service (and target group, security group) each."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, ValidationInfo, field_validator, model_validator

from .base import StrictModel

ServiceName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,22}[a-z0-9]$")]
EnvVarName = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{0,127}$")]
ParameterName = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9_.-]{1,128}(/[a-zA-Z0-9_.-]{1,128})*$")]
PathPattern = Annotated[str, StringConstraints(pattern=r"^/[A-Za-z0-9_\-./*?]{0,127}$")]

# Fargate's valid cpu (units) -> memory (MiB) combinations.
FARGATE_SIZES: dict[int, range] = {
    256: range(512, 2049, 512),
    512: range(1024, 4097, 1024),
    1024: range(2048, 8193, 1024),
    2048: range(4096, 16385, 1024),
    4096: range(8192, 30721, 1024),
    8192: range(16384, 61441, 4096),
    16384: range(32768, 122881, 8192),
}


class AutoscalingSettings(StrictModel):
    cpu_target_percent: int = Field(ge=10, le=95, description="Target average CPU utilisation.")
    memory_target_percent: int = Field(ge=10, le=95, description="Target average memory utilisation.")
    requests_per_target: int | None = Field(default=None, ge=1, le=100000,
                                            description="Target ALB requests per task per minute (null: off).")
    scale_in_cooldown_seconds: int = Field(ge=0, le=3600, description="Wait after scaling in.")
    scale_out_cooldown_seconds: int = Field(ge=0, le=3600, description="Wait after scaling out.")


class ServiceSettings(StrictModel):
    enabled: bool = Field(default=True, description="Deploy this service in this environment.")
    image: str | None = Field(default=None, pattern=r"^[a-z0-9.\-/:]+$", max_length=255,
                              description="Image repository; default the customer's ECR repository for the service.")
    image_tag: str = Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", description="Image tag to deploy.")
    port: int = Field(ge=1024, le=65535, description="Container port the service listens on.")
    cpu: Literal[256, 512, 1024, 2048, 4096, 8192, 16384] = Field(description="Fargate task CPU units.")
    memory: int = Field(ge=512, le=122880, description="Fargate task memory, MiB (must fit the CPU size).")
    path_patterns: list[PathPattern] = Field(min_length=1, max_length=5, description="ALB path patterns routed here.")
    health_check_path: PathPattern = Field(description="HTTP path the ALB health check calls.")
    health_check_grace_seconds: int = Field(ge=0, le=2147483647, description="Grace period after a task starts.")
    stickiness: bool = Field(description="Sticky sessions at the ALB (websocket services).")
    min_tasks: int = Field(ge=0, le=1000, description="Minimum (and initial) task count.")
    max_tasks: int = Field(ge=1, le=1000, description="Maximum task count under auto-scaling.")
    critical: bool = Field(description="Critical services never run on FARGATE_SPOT in production.")
    spot: bool = Field(description="Run on FARGATE_SPOT (refused for critical services in production).")
    read_only_root_filesystem: bool = Field(description="Mount the container's root filesystem read-only.")
    deployment: Literal["rolling", "blue_green"] = Field(
        default="rolling",
        description="rolling: ECS rolling update with circuit-breaker rollback; blue_green: CodeDeploy shifts "
                    "traffic to a green task set (needs the codedeploy section enabled).")
    environment: dict[EnvVarName, str] = Field(default_factory=dict, description="Plain environment variables.")
    secrets: dict[EnvVarName, ParameterName] = Field(
        default_factory=dict,
        description="Environment variables read from SSM Parameter Store, by name under /<customer>/<env>/<service>/.")
    autoscaling: AutoscalingSettings

    @field_validator("memory")
    @classmethod
    def _fits_cpu(cls, memory: int, info: ValidationInfo) -> int:
        cpu = info.data.get("cpu")
        sizes = FARGATE_SIZES.get(cpu) if cpu is not None else None
        if sizes is not None and memory not in sizes:
            raise ValueError(f"Fargate with cpu {cpu} takes memory {sizes[0]}-{sizes[-1]} MiB "
                             f"in steps of {sizes.step}; got {memory}")
        return memory

    @model_validator(mode="after")
    def _consistent(self) -> "ServiceSettings":
        if self.min_tasks > self.max_tasks:
            raise ValueError(f"min_tasks ({self.min_tasks}) is above max_tasks ({self.max_tasks})")
        overlap = set(self.environment) & set(self.secrets)
        if overlap:
            raise ValueError(f"{sorted(overlap)} are both plain environment variables and secrets")
        return self


Services = dict[ServiceName, ServiceSettings]
