"""Registry webhooks: a call to your service on push, delete or quarantine events."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, SecretStr

from ..base import SecretInput, SettingsModel, checked
from .formats import WebhookName

_SCOPE = re.compile(r"^[a-z0-9]+(?:[._/-][a-z0-9*]+)*(:[\w.*-]+)?$")

WEBHOOK_LIMITS = {"Basic": 2, "Standard": 10, "Premium": 500}
"""Webhooks per registry by SKU."""


def _scope_problem(value: str) -> str | None:
    if _SCOPE.match(value) or value == "*":
        return None
    return f"'{value}' is not a webhook scope: repository[:tag], wildcards allowed (e.g. team/api:*, team/api:v1)"


class WebhookSettings(SettingsModel):
    """A webhook: ACR POSTs an event to `serviceUri` when a matching image is pushed, deleted or quarantined."""

    name: WebhookName
    """Webhook name (5-50 letters and digits)."""
    service_uri: SecretInput
    """Secret (it often carries a key): the https endpoint called (`pulumi config set --secret --path azure.webhooks[0].serviceUri`)."""
    actions: Annotated[
        list[Literal["push", "delete", "quarantine"]],
        checked(lambda items: "lists an action twice" if len(set(items)) != len(items) else None),
    ] = Field(default_factory=lambda: ["push"], min_length=1)
    """Events that trigger it: push, delete, quarantine (the retired Helm 2 chart events are not offered)."""
    scope: Annotated[str, checked(_scope_problem)] | None = None
    """Repository and tag filter (`team/api:*`); none: every repository."""
    custom_headers: dict[str, str] = Field(default_factory=dict)
    """Headers sent with each call. Stored as given in stack config: put credentials in `serviceUri` (a secret)."""
    enabled: bool = True
    """Whether events are sent."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        if "service_uri" in invalid or not isinstance(self.service_uri, SecretStr):
            return []
        if not self.service_uri.get_secret_value().startswith("https://"):
            return [("serviceUri", "must be an https:// URL (the value is not shown: it is a secret)")]
        return []
