"""Per-project policies: tag retention, tag immutability, webhooks.

Retention rules are typed: each rule keeps one kind of artifact (the last N pushed or pulled, or
those pushed or pulled in the last N days, or always) among the repositories and tags it selects,
which is exactly one Harbor retention template; the provider's flat rule (where the first non-zero
count silently wins) is never exposed.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from ..base import SecretInput, SettingsModel, checked
from .formats import MAX_IMMUTABLE_RULES, MAX_RETENTION_RULES, Schedule, auth_header_problem, webhook_address_problem

Pattern = Annotated[str, Field(min_length=1)]
"""A Harbor doublestar pattern (`**`, `team/*`, `v*`, `{latest,stable}` for several)."""


class Selector(SettingsModel):
    """Which repositories (or tags) a rule applies to: those matching a pattern, or all but those."""

    matching: Pattern | None = None
    """Apply to names matching this doublestar pattern (`**` for all, `{a,b}` for several)."""
    excluding: Pattern | None = None
    """Apply to every name except those matching this pattern."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        if not invalid & {"matching", "excluding"} and (self.matching is None) == (self.excluding is None):
            return [("", "give exactly one of `matching` or `excluding`")]
        return []


def _all() -> Selector:
    return Selector(matching="**")


class RetentionRule(SettingsModel):
    """One retention rule: what it keeps (exactly one of the `keep...` keys) among the selected artifacts."""

    keep_last_pushed: int | None = Field(None, ge=1)
    """Keep the N most recently pushed artifacts (Harbor template latestPushedK)."""
    keep_last_pulled: int | None = Field(None, ge=1)
    """Keep the N most recently pulled artifacts (latestPulledN)."""
    keep_pushed_within_days: int | None = Field(None, ge=1)
    """Keep the artifacts pushed in the last N days (nDaysSinceLastPush)."""
    keep_pulled_within_days: int | None = Field(None, ge=1)
    """Keep the artifacts pulled in the last N days (nDaysSinceLastPull)."""
    keep_always: bool = False
    """Keep every selected artifact (always)."""
    repositories: Selector = Field(default_factory=_all)
    """Repositories the rule applies to (default: all, `matching: "**"`)."""
    tags: Selector = Field(default_factory=_all)
    """Tags the rule applies to (default: all, `matching: "**"`)."""
    untagged: bool = True
    """Whether untagged artifacts count as selected (Harbor's default: yes)."""
    disabled: bool = False
    """Keep the rule but do not apply it."""

    KEEPS: ClassVar[tuple[str, ...]] = ("keep_last_pushed", "keep_last_pulled", "keep_pushed_within_days", "keep_pulled_within_days", "keep_always")

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        if invalid & set(self.KEEPS):
            return []
        given = [name for name in self.KEEPS if getattr(self, name) not in (None, False)]
        if len(given) != 1:
            keys = ", ".join(type(self).model_fields[name].alias for name in self.KEEPS)
            return [("", f"give exactly one of {keys} (a rule keeps one kind of artifact)")]
        return []


class RetentionSettings(SettingsModel):
    """A project's tag retention policy: artifacts no rule keeps are deleted when it runs."""

    schedule: Schedule | None = None
    """When it runs: hourly, daily, weekly or a 6-field cron with seconds first (`0 0 3 * * *`); manual only when absent."""
    rules: list[RetentionRule] = Field(min_length=1, max_length=MAX_RETENTION_RULES)
    """The rules (Harbor allows at most 15); an artifact kept by any rule is kept."""


class ImmutableTagRule(SettingsModel):
    """Tags that, once pushed, cannot be overwritten or deleted."""

    repositories: Selector = Field(default_factory=_all)
    """Repositories the rule applies to (default: all)."""
    tags: Selector
    """Tags made immutable, e.g. `{matching: "v*"}`."""
    disabled: bool = False
    """Keep the rule but do not apply it."""


ImmutableTagRules = Annotated[list[ImmutableTagRule], Field(max_length=MAX_IMMUTABLE_RULES)]

EventType = Literal[
    "PUSH_ARTIFACT",
    "PULL_ARTIFACT",
    "DELETE_ARTIFACT",
    "SCANNING_COMPLETED",
    "SCANNING_FAILED",
    "SCANNING_STOPPED",
    "QUOTA_EXCEED",
    "QUOTA_WARNING",
    "REPLICATION",
    "TAG_RETENTION",
]


class WebhookSettings(SettingsModel):
    """A webhook: Harbor calls an endpoint on the chosen events."""

    name: Annotated[str, Field(min_length=1, max_length=255)]
    """Webhook name, unique within the project."""
    address: Annotated[SecretInput, checked(webhook_address_problem)]
    """Endpoint URL, as a config secret (URLs of Slack and many receivers carry a token)."""
    auth_header: Annotated[SecretInput, checked(auth_header_problem)] | None = None
    """Value of the Authorization header Harbor sends (e.g. `Bearer <token>`), as a config secret."""
    notify_type: Literal["http", "slack"] = "http"
    """`http` (JSON POST) or `slack`."""
    events: list[EventType] = Field(min_length=1)
    """Events that trigger it, e.g. PUSH_ARTIFACT, SCANNING_COMPLETED."""
    skip_cert_verify: bool = False
    """Do not verify the endpoint's TLS certificate (off: it is verified)."""
    enabled: bool = True
    """Whether Harbor calls it."""
    description: str | None = None
    """Text shown in Harbor."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        if "events" not in invalid and len(set(self.events)) != len(self.events):
            return [("events", "lists an event twice")]
        return []
