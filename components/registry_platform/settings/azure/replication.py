"""Geo-replications (Premium): copies of the registry in other locations, served from one login server."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from ..base import SettingsModel, checked
from .formats import Location, Tags


class ReplicationSettings(SettingsModel):
    """Premium only. A replica in another location (the replication is named after it)."""

    location: Location
    """Azure location of the replica (e.g. northeurope); not the registry's own location."""
    region_endpoint_enabled: bool = True
    """Route requests to this replica. When false its data stays in sync but the global endpoint no longer sends clients to it."""
    zone_redundancy: bool = False
    """Spread the replica over the location's availability zones (set at creation; changing it replaces the replica)."""
    tags: Tags = Field(default_factory=dict)
    """Azure tags of the replication (merged over `azure.tags`)."""


def _duplicate_location_problem(replications: list[ReplicationSettings]) -> str | None:
    seen: set[str] = set()
    for replication in replications:
        if replication.location in seen:
            return f"location '{replication.location}' is listed twice; give each location once"
        seen.add(replication.location)
    return None


Replications = Annotated[list[ReplicationSettings], checked(_duplicate_location_problem)]
