"""Value types the self-hosted settings share (durations, ports, addresses, header names, URLs)."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field

from .base import checked
from .formats import duration_problem, is_ip_address

Duration = Annotated[str, checked(duration_problem)]
Port = Annotated[int, Field(ge=1, le=65535)]


def _ip_problem(value: str) -> str | None:
    return None if is_ip_address(value) else f"'{value}' is not an IP address (e.g. 127.0.0.1, 0.0.0.0, ::1)"


IpAddress = Annotated[str, checked(_ip_problem)]


def header_name_problem(value: str) -> str | None:
    if re.match(r"^[A-Za-z0-9][A-Za-z0-9-]*$", value):
        return None
    return f"'{value}' is not an HTTP header name (letters, digits and '-')"


HeaderName = Annotated[str, checked(header_name_problem)]


def http_url_problem(value: str) -> str | None:
    """An absolute http(s) URL with a host (no credentials in it: they would be in plain config)."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 raises on a bad port
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        return f"'{value}' is not an http(s) URL (e.g. https://events.example.com/registry)"
    if parts.username or parts.password:
        return "must not carry credentials (user:password@); give them as a secret header instead"
    return None


HttpUrl = Annotated[str, checked(http_url_problem)]


def host_port_problem(value: str) -> str | None:
    match = re.match(r"^(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(?P<port>\d{1,5})$", value)
    if match and 1 <= int(match.group("port")) <= 65535:
        return None
    return f"'{value}' is not host:port (e.g. redis.internal:6379, 127.0.0.1:6379)"


HostPort = Annotated[str, checked(host_port_problem)]
