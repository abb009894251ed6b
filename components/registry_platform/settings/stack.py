"""The whole stack config (namespace `registry-platform`), parsed once before any resource exists."""

from __future__ import annotations

import json
from typing import Any, Callable

from .base import Problem, SettingsError, SettingsModel, parse_section, secret_paths
from .aws import AwsSettings
from .azure import AcrRegistryArgs
from .selfhosted import SelfHostedRegistryArgs

NAMESPACE = "registry-platform"


class StackSettings(SettingsModel):
    """Every top-level key of the `registry-platform` config namespace. A registry is on when its key is set."""

    self_hosted: SelfHostedRegistryArgs | None = None
    """The self-hosted registry:2 on Docker (off when absent)."""
    aws: AwsSettings | None = None
    """AWS ECR repositories and account-wide ECR settings (off when absent)."""
    azure: AcrRegistryArgs | None = None
    """Azure Container Registry with its tokens, role assignments, replications and webhooks (off when absent)."""


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


def plain_text_secret_problems(settings: StackSettings, is_secret: Callable[[str], bool]) -> list[Problem]:
    """Secret settings (passwords, private keys) written in plain text in the stack file."""
    problems = []
    for path in secret_paths(settings):
        key = path.split(".", 1)[0].split("[", 1)[0]
        if not is_secret(f"{NAMESPACE}:{key}"):
            problems.append(
                Problem(path, f"is a secret but is stored in plain text; set it with `pulumi config set --secret --path '{path}' ...`")
            )
    return problems


def load_stack_settings(values: dict[str, Any] | None = None) -> StackSettings:
    """Validate the stack config (or `values`, keyed like the YAML) into `StackSettings`.

    Raises `SettingsError` listing every problem, each with its config path. Read from the engine,
    secret settings must have been set as config secrets.
    """
    from_engine = values is None
    if values is None:
        values = _namespace_values()
    settings = parse_section(StackSettings, values, root="")
    if from_engine:
        from pulumi.runtime.config import is_config_secret

        problems = plain_text_secret_problems(settings, is_config_secret)
        if problems:
            raise SettingsError(problems)
    return settings
