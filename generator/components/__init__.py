"""The component catalogue. Order matters only for display; dependencies come from the inputs."""

from __future__ import annotations

from .base import Component, EnvContext
from .foundation import Assets, Kms, Vpc

#: every component fgen knows, in the order units are listed
CATALOGUE: tuple[Component, ...] = (
    Kms(),
    Vpc(),
    Assets(),
)

BY_NAME: dict[str, Component] = {c.name: c for c in CATALOGUE}

__all__ = ["CATALOGUE", "BY_NAME", "Component", "EnvContext"]
