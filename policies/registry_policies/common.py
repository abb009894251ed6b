"""Helpers shared by the rules: reading camelCase props safely, building policies with their levels.

Rules read provider resource types (`aws:ecr/repository:Repository`...), never our component types,
so they also guard resources a team declares without the registry_platform library.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Callable, Iterable, Iterator, Optional

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationPolicy,
)

ADVISORY = EnforcementLevel.ADVISORY
MANDATORY = EnforcementLevel.MANDATORY


def dig(value: Any, path: str, default: Any = None) -> Any:
    """`dig(props, "imageScanningConfiguration.scanOnPush")`: None-safe nested read (lists: first item)."""
    for part in path.split("."):
        if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
            value = value[0] if len(value) else None
        if not isinstance(value, Mapping) or part not in value:
            return default
        value = value[part]
        if value is None:
            return default
    return value


def items(value: Any) -> list:
    """A list prop as a list ([] when absent; a JSON-encoded list, as provider config sends, decoded)."""
    if value is None:
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [value]
    if isinstance(value, Mapping):
        return [value]
    return list(value)


def lower(value: Any) -> str:
    return str(value).lower() if value is not None else ""


def walk_strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string inside a nested value, with its path (`registryCredentials.aws.password`)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key in value:
            yield from walk_strings(value[key], f"{path}.{key}" if path else str(key))
    elif isinstance(value, Sequence) and not isinstance(value, bytes):
        for index, item in enumerate(value):
            yield from walk_strings(item, f"{path}[{index}]")


def b64decode(text: str) -> Optional[bytes]:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def wildcard_match(pattern: str, name: str) -> bool:
    return fnmatch.fnmatchcase(name, pattern)


def parse_json(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return None


# Image references: [registry/]name[:tag][@sha256:<64 hex>]. A floating tag moves to new releases.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN = r"(?:localhost|[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+|[a-zA-Z0-9-]+:\d+|\[[0-9a-fA-F:]+\])(?::\d+)?"
IMAGE_REFERENCE = re.compile(
    rf"^(?:(?P<domain>{_DOMAIN})/)?(?P<path>{_COMPONENT}(?:/{_COMPONENT})*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>sha256:[a-f0-9]{64}))?$"
)
FLOATING_TAG = re.compile(r"^(latest|stable|edge|main|master|v?\d+(\.\d+)?)$")


def image_pin_problem(reference: str) -> Optional[str]:
    """Why an image reference is not pinned (None when pinned by a version tag or a digest)."""
    if reference.startswith("sha256:"):
        return None  # an image ID: pinned by construction
    match = IMAGE_REFERENCE.match(reference)
    if match is None:
        return f"'{reference}' is not an image reference"
    tag, digest = match.group("tag"), match.group("digest")
    if digest is not None:
        return None
    if tag is None:
        return f"'{reference}' has no tag (it means `latest`)"
    if FLOATING_TAG.match(tag):
        return f"'{reference}' uses the floating tag `{tag}`"
    return None


def exempted(names: Iterable[str], *candidates: Any) -> bool:
    """True when any candidate (logical name, registry name, URN) matches an exemption (wildcards allowed)."""
    patterns = [str(n) for n in names]
    for candidate in candidates:
        if candidate is None:
            continue
        for pattern in patterns:
            if wildcard_match(pattern, str(candidate)):
                return True
    return False


def resource_policy(
    name: str,
    description: str,
    types: Sequence[str],
    check: Callable[[ResourceValidationArgs, Callable[[str], None]], None],
    *,
    level: EnforcementLevel,
    prod_level: Optional[EnforcementLevel] = None,
    config_schema: Optional[PolicyConfigSchema] = None,
) -> ResourceValidationPolicy:
    """A resource rule that only looks at `types`. `prod_level` is what `environment: prod` raises it to."""
    type_set = frozenset(types)

    def validate(args: ResourceValidationArgs, report_violation) -> None:
        if args.resource_type in type_set:
            check(args, lambda message: report_violation(message))

    policy = ResourceValidationPolicy(
        name=name, description=description, validate=validate, enforcement_level=level, config_schema=config_schema
    )
    policy.resource_types = type_set  # type: ignore[attr-defined]
    policy.prod_enforcement_level = prod_level or level  # type: ignore[attr-defined]
    return policy


def stack_policy(
    name: str,
    description: str,
    validate,
    *,
    level: EnforcementLevel,
    prod_level: Optional[EnforcementLevel] = None,
    config_schema: Optional[PolicyConfigSchema] = None,
) -> StackValidationPolicy:
    policy = StackValidationPolicy(
        name=name, description=description, validate=validate, enforcement_level=level, config_schema=config_schema
    )
    policy.prod_enforcement_level = prod_level or level  # type: ignore[attr-defined]
    return policy


def config_value(args: Any, key: str, default: Any) -> Any:
    """A policy config value. Schema defaults are applied by the CLI, not by direct calls: fall back here."""
    config = args.get_config() or {}
    value = config.get(key)
    return default if value is None else value


EXEMPTIONS_SCHEMA = {
    "type": "array",
    "items": {"type": "string"},
    "default": [],
    "description": "Logical names, registry names or repository names (wildcards allowed) to exempt.",
}
