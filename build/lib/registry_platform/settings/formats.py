"""Checks for the string formats the config uses: DNS names, image references, Go durations, names.

Each check returns `None` when the value is fine, or a sentence saying what is wrong and what would
be valid (the settings models turn that into an error at the value's config path).
"""

from __future__ import annotations

import ipaddress
import re

_DNS_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def is_ip_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def dns_name_problem(value: str) -> str | None:
    """RFC 1123 host name; a leading `*.` wildcard label is allowed (for certificates)."""
    name = value[2:] if value.startswith("*.") else value
    if not name or len(value) > 253:
        return f"'{value}' is not a DNS name (1-253 characters)"
    labels = name.rstrip(".").split(".")
    if all(_DNS_LABEL.match(label) for label in labels) and not labels[-1].isdigit():
        return None
    return (
        f"'{value}' is neither an IP address nor a DNS name "
        "(labels of letters, digits and inner hyphens, separated by dots, e.g. registry.example.com)"
    )


def san_problem(value: str) -> str | None:
    """A subject alternative name must be an IP address or a DNS name."""
    return None if is_ip_address(value) else dns_name_problem(value)


# The grammar of github.com/distribution/reference, written out.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN = r"(?:localhost|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:]+\])(?::[0-9]+)?"
_REFERENCE = re.compile(
    rf"^(?:(?P<domain>{_DOMAIN})/)?(?P<path>{_COMPONENT}(?:/{_COMPONENT})*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>sha256:[a-f0-9]{64}))?$"
)


def image_reference_problem(value: str) -> str | None:
    """A docker image reference, pinned by a version tag or a digest (not `latest`, not bare)."""
    match = _REFERENCE.match(value)
    if match is None:
        return (
            f"'{value}' is not an image reference; expected [registry/]name[:tag][@sha256:<64 hex>], "
            "e.g. registry:2.8.3 or registry@sha256:..."
        )
    tag, digest = match.group("tag"), match.group("digest")
    if digest is None and (tag is None or _FLOATING_TAG.match(tag)):
        return (
            f"'{value}' is not pinned (the tag moves to new releases); give a full version tag "
            "(e.g. registry:2.8.3) or a digest (@sha256:...)"
        )
    return None


_FLOATING_TAG = re.compile(r"^(latest|stable|edge|main|master|v?\d+(\.\d+)?)$")


_GO_DURATION = re.compile(r"^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$")


def duration_problem(value: str) -> str | None:
    """A Go duration as Distribution reads it: `10s`, `1h30m`, `168h`."""
    if _GO_DURATION.match(value) and re.search(r"[1-9]", value):
        return None
    return f"'{value}' is not a positive Go duration (e.g. 10s, 5m, 168h, 1h30m)"


_HTPASSWD_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


def htpasswd_user_problem(value: str) -> str | None:
    """htpasswd is `name:hash` per line, so a name can hold neither `:` nor whitespace."""
    if _HTPASSWD_NAME.match(value):
        return None
    reason = ""
    if ":" in value:
        reason = " (':' separates name and hash in htpasswd)"
    elif any(ch.isspace() for ch in value):
        reason = " (whitespace cannot be part of an htpasswd name)"
    return (
        f"'{value}' cannot be an htpasswd user name{reason}; use 1-64 letters, digits, '.', '_', '@', '-', "
        "starting with a letter or digit"
    )


_DOCKER_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$")


def docker_name_problem(value: str) -> str | None:
    if _DOCKER_NAME.match(value):
        return None
    return f"'{value}' is not a Docker object name; use letters, digits, '_', '.', '-', starting with a letter or digit"


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def duration_seconds(value: str) -> float:
    """Seconds in a Go duration (`1h30m` -> 5400.0)."""
    return sum(float(number) * _UNIT_SECONDS[unit] for number, unit in _DURATION_PART.findall(value))


def go_duration(value: str) -> str:
    """The canonical text Go's `time.Duration.String()` prints (`1m` -> `1m0s`, `90s` -> `1m30s`).

    Docker reports durations back in this form; declaring them so keeps `pulumi up` from seeing a diff.
    """
    total_ms = round(duration_seconds(value) * 1000)
    if total_ms < 1000:
        return f"{total_ms}ms" if total_ms else "0s"
    hours, rest = divmod(total_ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    text = f"{seconds}.{millis:03d}".rstrip("0").rstrip(".") + "s"
    if hours:
        return f"{hours}h{minutes}m{text}"
    if minutes:
        return f"{minutes}m{text}"
    return text
