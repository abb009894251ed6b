"""The whole stack config (namespace `registry-platform`), parsed once before any resource exists."""

from __future__ import annotations

import json
from typing import Any, Callable

import pulumi
from pydantic import ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from .base import Problem, SettingsError, SettingsModel, parse_section, plain_secret_paths
from .aws import AwsSettings
from .azure import AcrRegistryArgs
from .docker import DockerClaim, claim_problems
from .gcp import ArtifactRegistryArgs
from .harbor import HarborRegistryArgs
from .kubernetes import KubernetesRegistryArgs
from .selfhosted import SelfHostedRegistryArgs

NAMESPACE = "registry-platform"


class StackSettings(SettingsModel):
    """Every top-level key of the `registry-platform` config namespace. A registry is on when its key is set."""

    self_hosted: SelfHostedRegistryArgs | None = None
    """The self-hosted registry:2 on Docker (off when absent)."""
    aws: AwsSettings | None = None
    """AWS ECR repositories and account-wide ECR settings (off when absent)."""
    gcp: ArtifactRegistryArgs | None = None
    """Google Artifact Registry docker repositories and their CI service accounts (off when absent)."""
    azure: AcrRegistryArgs | None = None
    """Azure Container Registry with its tokens, role assignments, replications and webhooks (off when absent)."""
    harbor: HarborRegistryArgs | None = None
    """Projects, proxy caches, robots and policies on an existing Harbor (off when absent)."""
    kubernetes: KubernetesRegistryArgs | None = None
    """A highly available registry:2 on Kubernetes: replicas sharing object storage (off when absent)."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        return docker_claim_problems(self.docker_claims(invalid))

    def docker_claims(self, invalid: frozenset[str] = frozenset()) -> dict[str, list[DockerClaim]]:
        """Container names and host ports, per config section that declares Docker containers."""
        sections: dict[str, list[DockerClaim]] = {}
        if "self_hosted" not in invalid and self.self_hosted is not None:
            sections["selfHosted"] = self.self_hosted.docker_claims("selfHosted")
        return sections

    @field_validator("*", mode="before")
    @classmethod
    def _section_is_not_null(cls, value: Any, info: ValidationInfo) -> Any:
        """A key with nothing under it (or its settings mis-indented) must not quietly turn a registry off."""
        if value is None:
            key = cls.model_fields[info.field_name].alias or info.field_name
            raise PydanticCustomError(
                "null_section",
                "is null (a key with nothing under it, or its settings indented wrongly); give its settings, "
                "or, to turn it off, remove the key: `pulumi config rm {namespace}:{key}`",
                {"namespace": NAMESPACE, "key": key},
            )
        return value


def docker_claim_problems(sections: dict[str, list[DockerClaim]]) -> list[tuple[str, str]]:
    """Collisions between the Docker containers of different sections (each section checks its own)."""
    within = {problem for claims in sections.values() for problem in claim_problems(claims)}
    every = claim_problems([claim for claims in sections.values() for claim in claims])
    return [problem for problem in every if problem not in within]


def _section_keys() -> set[str]:
    """The keys of the namespace to read: every known section, plus any other key set (to report typos)."""
    known = {field.alias or name for name, field in StackSettings.model_fields.items()}
    listed = [*pulumi.runtime.get_config_env(), *_keys_set_in_process()]
    prefix = f"{NAMESPACE}:"
    return known | {key.removeprefix(prefix) for key in listed if key.startswith(prefix) and key != prefix}


def _keys_set_in_process() -> list[str]:
    """Config keys set with `set_all_config` alone (Automation API inline programs, mocks).

    The language host also passes every key in `PULUMI_CONFIG`, which `get_config_env()` lists; for
    the others no public API lists keys, so this reads the SDK's private config map, guarded: an SDK
    that changes it only loses the unknown-key check for such programs (a test pins it).
    """
    try:
        from pulumi.runtime import config as runtime_config

        keys = runtime_config.CONFIG.get()
    except Exception:  # noqa: BLE001 any change in the private API
        return []
    return [key for key in keys if isinstance(key, str)] if isinstance(keys, dict) else []


def _namespace_values() -> dict[str, Any]:
    """Every `registry-platform:*` key set, as parsed values (objects arrive as JSON text)."""
    values: dict[str, Any] = {}
    for key in sorted(_section_keys()):
        value = pulumi.runtime.get_config(f"{NAMESPACE}:{key}")
        if value is None:
            continue
        try:
            values[key] = json.loads(value) if isinstance(value, str) else value
        except json.JSONDecodeError:
            values[key] = value
    return values


def plain_text_secret_problems(values: dict[str, Any], is_secret: Callable[[str], bool]) -> list[Problem]:
    """Secret settings (passwords, private keys) written in plain text in the stack file.

    Read from the raw values, so that they are reported beside every other problem of the config.
    """
    problems = []
    for path in dict.fromkeys(plain_secret_paths(StackSettings, values)):
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
    secret_problems = plain_text_secret_problems(values, pulumi.runtime.is_config_secret) if from_engine else []
    try:
        settings = parse_section(StackSettings, values, root="")
    except SettingsError as error:
        raise SettingsError([*error.problems, *secret_problems]) from None
    if secret_problems:
        raise SettingsError(secret_problems)
    return settings
