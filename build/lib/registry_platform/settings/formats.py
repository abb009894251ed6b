"""Checks for the string formats the config uses: DNS names, image references, Go durations, names.

Each check returns `None` when the value is fine, or a sentence saying what is wrong and what would
be valid (the settings models turn that into an error at the value's config path).
"""

from __future__ import annotations

import ipaddress
import re
from fractions import Fraction

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
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_NS = {"ns": 1, "us": 1_000, "µs": 1_000, "ms": 1_000_000, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}
_NS_PER_MS = 1_000_000
MAX_GO_DURATION_NS = 2**63 - 1
"""Go's time.Duration is an int64 of nanoseconds: about 2562047h47m16.854s at most."""


def duration_nanoseconds(value: str) -> Fraction:
    """The exact length of a Go duration in nanoseconds (`1h30m` -> 5400 * 10**9)."""
    return sum((Fraction(number) * _UNIT_NS[unit] for number, unit in _DURATION_PART.findall(value)), Fraction(0))


def duration_problem(value: str) -> str | None:
    """A positive Go duration, whole milliseconds, that Go can hold: `10s`, `1h30m`, `168h`, `250ms`.

    Whole milliseconds because Docker reports health-check durations back in Go's canonical form
    and `go_duration` writes them so: `1.5ms` would come back as `2ms` and `500us` as `0s`.
    """
    if not _GO_DURATION.match(value):
        return f"'{value}' is not a Go duration; use a number and a unit (ms, s, m, h), e.g. 10s, 5m, 168h, 1h30m"
    nanoseconds = duration_nanoseconds(value)
    if nanoseconds <= 0:
        return f"'{value}' must be longer than zero (e.g. 10s)"
    if nanoseconds > MAX_GO_DURATION_NS:
        return f"'{value}' is longer than a Go duration can be (at most 2562047h)"
    if nanoseconds % _NS_PER_MS:
        return f"'{value}' is not a whole number of milliseconds; give whole milliseconds, at least 1ms (e.g. 2ms, 1500ms, 1.5s)"
    return None


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


_DOCKER_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,127}$")
_NOT_IN_DOCKER_NAME = re.compile(r"[^a-zA-Z0-9_.-]+")


def docker_name_problem(value: str) -> str | None:
    """Docker's own rule for container and volume names (`[a-zA-Z0-9][a-zA-Z0-9_.-]+`), at most 128 characters."""
    if _DOCKER_NAME.match(value):
        return None
    return (
        f"'{value}' is not a Docker object name; use 2-128 letters, digits, '_', '.', '-', "
        "starting with a letter or digit"
    )


def docker_name(*parts: str) -> str:
    """A Docker object name made of parts joined by '-' (characters Docker refuses become '-')."""
    return _NOT_IN_DOCKER_NAME.sub("-", "-".join(parts)).strip("-_.")[:128]


def duration_seconds(value: str) -> float:
    """Seconds in a Go duration (`1h30m` -> 5400.0)."""
    return float(duration_nanoseconds(value) / 10**9)


def go_duration(value: str) -> str:
    """The canonical text Go's `time.Duration.String()` prints (`1m` -> `1m0s`, `90s` -> `1m30s`).

    Docker reports durations back in this form; declaring them so keeps `pulumi up` from seeing a diff.
    Exact for the whole-millisecond durations `duration_problem` accepts.
    """
    total_ms = int(duration_nanoseconds(value) // _NS_PER_MS)
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
