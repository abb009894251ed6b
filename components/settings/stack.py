"""The whole stack config (namespace `registry-platform`), parsed once before any resource exists."""

from __future__ import annotations

import json
from typing import Any

import pulumi

from .base import SettingsModel, parse_section
from .aws import AwsSettings
from .selfhosted import SelfHostedRegistryArgs

NAMESPACE = "registry-platform"


class StackSettings(SettingsModel):
    """Every top-level key of the `registry-platform` config namespace. A registry is on when its key is set."""

    self_hosted: SelfHostedRegistryArgs | None = None
    """The self-hosted registry:2 on Docker (off when absent)."""
    aws: AwsSettings | None = None
    """AWS ECR repositories and account-wide ECR settings (off when absent)."""


def _namespace_values() -> dict[str, Any]:
    """Every `registry-platform:*` key the engine passed, as parsed values (objects arrive as JSON)."""
    from pulumi.runtime import config as runtime_config

    raw = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    values: dict[str, Any] = {}
    for full_key, value in raw.items():
        namespace, _, key = full_key.partition(":")
        if namespace != NAMESPACE or not key:
            continue
        try:
            values[key] = json.loads(value) if isinstance(value, str) else value
        except json.JSONDecodeError:
            values[key] = value
    return values


def load_stack_settings(values: dict[str, Any] | None = None) -> StackSettings:
    """Validate the stack config (or `values`, keyed like the YAML) into `StackSettings`.

    Raises `SettingsError` listing every problem, each with its config path.
    """
    if values is None:
        values = _namespace_values()
    settings = parse_section(StackSettings, values, root="")
    pulumi.log.debug(f"registry-platform: enabled sections: {sorted(settings.model_fields_set)}")
    return settings
