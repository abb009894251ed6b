"""Registry notifications: webhook endpoints that receive push, pull, mount and delete events.

Delivery is best effort: the registry queues events in memory per endpoint, retries after `backoff`
once `threshold` deliveries failed, and loses what is queued when it restarts.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator

from .base import SecretInput, SettingsModel, checked, unique_names
from .values import Duration, HeaderName, HttpUrl

EventAction = Literal["push", "pull", "mount", "delete"]


def _endpoint_name_problem(value: str) -> str | None:
    if re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", value):
        return None
    return f"'{value}' is not an endpoint name (1-64 letters, digits, '.', '_', '-')"


def _media_type_problem(value: str) -> str | None:
    if re.match(r"^[a-z0-9][a-z0-9.+_-]*/[a-z0-9][a-z0-9.+_-]*$", value, re.IGNORECASE):
        return None
    return f"'{value}' is not a media type (type/subtype, e.g. application/octet-stream)"


class AuthHeaderSettings(SettingsModel):
    """A header carrying the receiver's credentials; its value is a secret."""

    name: HeaderName = "Authorization"
    """Header name."""
    value: SecretInput
    """Header value (e.g. `Bearer <token>`), as a config secret."""


def _sends_in_clear(url: str) -> bool:
    """http:// to anything but this machine's loopback."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1", "::1")


class EndpointSettings(SettingsModel):
    """One webhook that receives the registry's events as JSON envelopes."""

    name: Annotated[str, checked(_endpoint_name_problem)]
    """Name of the endpoint (in the registry's logs and metrics)."""
    url: HttpUrl
    """Where events are POSTed, e.g. https://events.example.com/registry."""
    headers: dict[HeaderName, Annotated[list[str], Field(min_length=1)]] = Field(default_factory=dict)
    """Further request headers (plain values; put credentials in `authHeader`)."""
    auth_header: AuthHeaderSettings | None = None
    """A header with the receiver's credentials (value secret)."""
    timeout: Duration = "1s"
    """Time a delivery may take."""
    threshold: int = Field(10, ge=1)
    """Failed deliveries before the endpoint backs off."""
    backoff: Duration = "1s"
    """Wait after `threshold` failures before retrying."""
    ignored_media_types: list[Annotated[str, checked(_media_type_problem)]] = Field(default_factory=list)
    """Events about targets of these media types are not sent (e.g. application/octet-stream: layers)."""
    ignore_actions: list[EventAction] = Field(default_factory=list)
    """Events of these actions are not sent (e.g. `pull`, which a busy registry sends a lot of)."""
    disabled: bool = False
    """Keep the endpoint configured but send nothing."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        if invalid & {"headers", "auth_header"} or self.auth_header is None:
            return []
        problems = []
        names = {name.lower() for name in self.headers}
        if self.auth_header.name.lower() in names:
            problems.append((f"headers.{self.auth_header.name}", "is already set by `authHeader` (its value is a secret)"))
        if "url" not in invalid and _sends_in_clear(self.url):
            problems.append((
                "authHeader",
                "would be sent in clear text over http://; use an https:// url (plain http only to a loopback receiver)",
            ))
        return problems

    @field_validator("headers")
    @classmethod
    def _no_credentials_in_plain_headers(cls, headers: dict[str, list[str]]) -> dict[str, list[str]]:
        for name in headers:
            if name.lower() in ("authorization", "proxy-authorization"):
                raise ValueError(f"{name} carries credentials: set it with `authHeader` (its value is a secret)")
        return headers


class NotificationSettings(SettingsModel):
    """Where the registry sends its events."""

    endpoints: Annotated[list[EndpointSettings], unique_names("endpoint"), Field(min_length=1)]
    """Webhook endpoints."""
    include_references: bool = False
    """Include the references (layers, config) of a manifest in its events."""
