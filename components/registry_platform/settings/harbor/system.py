"""Harbor-wide settings the provider manages: garbage collection, the scan-all schedule, audit log purge.

They are singletons of one Harbor: exactly one stack should own them (as with ECR's account-wide settings).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..base import SettingsModel
from .formats import Schedule


class GarbageCollectionSettings(SettingsModel):
    schedule: Schedule
    """When garbage collection runs: hourly, daily, weekly or a 6-field cron (`0 0 2 * * 6`: Saturdays 02:00)."""
    delete_untagged: bool = False
    """Also delete untagged artifacts."""
    workers: int = Field(1, ge=1, le=5)
    """Parallel workers (1-5)."""


class ScanAllSettings(SettingsModel):
    schedule: Schedule
    """When every image is scanned again (`vulnerability_scan_policy`): hourly, daily, weekly or a 6-field cron."""
    default_scanner: str | None = None
    """Name of the scanner to make Harbor's default (e.g. `Trivy`); unchanged when absent."""


class AuditLogPurgeSettings(SettingsModel):
    schedule: Schedule
    """When old audit logs are purged: hourly, daily, weekly or a 6-field cron."""
    retention_hours: int = Field(ge=1)
    """Purge audit logs older than this many hours (e.g. 720 = 30 days)."""
    operations: list[Literal["create", "delete", "pull"]] = Field(default_factory=lambda: ["create", "delete", "pull"], min_length=1)
    """Which operations' logs are purged."""


class SystemSettings(SettingsModel):
    """Harbor-wide settings; set them in exactly one stack per Harbor."""

    garbage_collection: GarbageCollectionSettings | None = None
    """Garbage collection schedule; Harbor's own (none) when absent."""
    scan_all: ScanAllSettings | None = None
    """Scheduled re-scan of every image (interrogation services)."""
    audit_log_purge: AuditLogPurgeSettings | None = None
    """Scheduled purge of old audit logs."""
