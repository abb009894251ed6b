"""Formats of Harbor values in the `harbor` section: names, schedules, URLs, secrets.

Each check returns None when the value is fine, or what is wrong and what would be valid. The
rules are Harbor's own (goharbor/harbor `src/server/v2.0/handler`), so a name Harbor would refuse
at `pulumi up` is refused here first.
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import SecretStr

from ..base import checked

_NAME = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")
_CVE = re.compile(r"^CVE-\d{4}-\d{4,}$")
MAX_PROJECT_NAME = 255
MAX_ROBOT_NAME = 255
MAX_RETENTION_RULES = 15
MAX_IMMUTABLE_RULES = 15
MAX_ROBOT_DURATION_DAYS = 2**31 - 2
"""Harbor takes a duration of -1 (never) or 1 .. MaxInt32-1 days."""
SCHEDULE_PRESETS = ("hourly", "daily", "weekly")


def project_name_problem(value: str) -> str | None:
    if 1 <= len(value) <= MAX_PROJECT_NAME and _NAME.match(value):
        return None
    return (
        f"'{value}' is not a Harbor project name: 1-{MAX_PROJECT_NAME} lowercase letters and digits, "
        "in parts joined by one '.', '_' or '-' (e.g. team-api, platform.images)"
    )


def robot_name_problem(value: str) -> str | None:
    if 1 <= len(value) <= MAX_ROBOT_NAME and _NAME.match(value):
        return None
    return (
        f"'{value}' is not a Harbor robot name: lowercase letters and digits, in parts joined by one "
        "'.', '_' or '-' (e.g. ci, ci-push); Harbor adds its robot prefix and the project to make the login name"
    )


def cve_problem(value: str) -> str | None:
    return None if _CVE.match(value) else f"'{value}' is not a CVE ID (e.g. CVE-2024-3094)"


# Harbor schedules run on robfig/cron with seconds: six fields, `sec min hour day-of-month month day-of-week`.
_FIELDS = (
    ("second", 0, 59, {}),
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, {m: i + 1 for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split())}),
    ("day of week", 0, 6, {d: i for i, d in enumerate("SUN MON TUE WED THU FRI SAT".split())}),
)


def _number(text: str, low: int, high: int, names: dict[str, int]) -> int | None:
    value = names.get(text.upper()) if text.upper() in names else (int(text) if text.isdigit() else None)
    return value if value is not None and low <= value <= high else None


def _field_problem(text: str, name: str, low: int, high: int, names: dict[str, int]) -> str | None:
    for part in text.split(","):
        base, _, step = part.partition("/")
        if step and (not step.isdigit() or int(step) < 1):
            return f"the {name} field has a step '/{step}' that is not a positive number"
        if base in ("*", "?"):
            if base == "?" and name not in ("day of month", "day of week"):
                return f"'?' is only allowed in the day-of-month and day-of-week fields, not the {name} field"
            continue
        first, _, last = base.partition("-")
        start = _number(first, low, high, names)
        end = _number(last, low, high, names) if last else start
        if start is None or end is None or start > end:
            return f"the {name} field '{part}' is not *, a number {low}-{high}, a range or a list of them"
    return None


def cron_problem(value: str) -> str | None:
    """A 6-field cron as Harbor reads it (seconds first), or one of the presets."""
    if value in SCHEDULE_PRESETS:
        return None
    fields = value.split()
    example = "e.g. '0 0 3 * * *' runs at 03:00 every day"
    if len(fields) == 5:
        return (
            f"'{value}' has 5 fields, but Harbor's cron has 6, seconds first ({example}); "
            f"put the second in front: '0 {value}'"
        )
    if len(fields) != 6:
        return (
            f"'{value}' is not a schedule: give hourly, daily, weekly or a 6-field cron "
            f"'second minute hour day-of-month month day-of-week' ({example})"
        )
    if not fields[0].isdigit():
        return f"the second field of '{value}' must be one number (0-59): a job that runs every second is never meant ({example})"
    for text, (name, low, high, names) in zip(fields, _FIELDS):
        problem = _field_problem(text, name, low, high, names)
        if problem:
            return f"'{value}': {problem} ({example})"
    return None


Schedule = Annotated[str, checked(cron_problem)]
"""`hourly`, `daily`, `weekly`, or a 6-field cron with seconds first (`0 0 3 * * *`)."""


def url_host(value: str) -> str:
    """`host[:port]` of a URL as written, without any `user:password@`."""
    return urlsplit(value).netloc.rpartition("@")[2]


def https_url_problem(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.username is not None or parts.password is not None:
        # The URL ends up in plain outputs (login server, pull prefixes): credentials must not; never echo them.
        shown = parts._replace(netloc=url_host(value)).geturl() if parts.hostname else "https://harbor.example.com"
        return (
            f"has a user name or password in it (user:password@); give the URL without them, like '{shown}', "
            "and put the credentials in `username` and `password` (a config secret)"
        )
    if parts.scheme in ("https", "http") and parts.hostname and not parts.query and not parts.fragment:
        return None
    return f"'{value}' is not a URL like https://harbor.example.com (scheme, host, optional port and path)"


def secret_text(value: Any) -> str | None:
    """The text of a secret given in config (None when it is a pulumi.Output, known only at deploy time)."""
    return value.get_secret_value() if isinstance(value, SecretStr) else None


def robot_secret_problem(value: Any) -> str | None:
    """Harbor's rule for a given robot secret (goharbor/terraform-provider-harbor#546); never echoes it."""
    text = secret_text(value)
    if text is None:
        return None
    if 8 <= len(text) <= 128 and re.search(r"[a-z]", text) and re.search(r"[A-Z]", text) and re.search(r"\d", text):
        return None
    return "Harbor needs a robot secret of 8-128 characters with an uppercase letter, a lowercase letter and a digit"


def webhook_address_problem(value: Any) -> str | None:
    text = secret_text(value)
    if text is None:
        return None
    parts = urlsplit(text)
    if parts.scheme in ("https", "http") and parts.hostname:
        return None
    return "is not an http(s) URL (the value is a secret and is not shown)"


def auth_header_problem(value: Any) -> str | None:
    text = secret_text(value)
    if text is None or (text.strip() and "\n" not in text and "\r" not in text):
        return None
    return "must be one line of header value, e.g. 'Bearer <token>' (the value is a secret and is not shown)"
