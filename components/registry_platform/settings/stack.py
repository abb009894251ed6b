"""The whole stack config (namespace `registry-platform`), parsed once before any resource exists."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pulumi
from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from .base import Problem, SettingsError, SettingsModel, parse_section, plain_secret_paths
from .aws import AwsSettings
from .azure import AcrRegistryArgs
from .caches import PullThroughCaches, cache_targets, stack_cache_problems
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
    pull_through_caches: PullThroughCaches = Field(default_factory=list)
    """Upstream registries (Docker Hub, ghcr.io...) cached by the stack's registries: a registry:2 mirror, ECR
    pull-through cache rules, ACR cache rules, Artifact Registry remote repositories."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        return docker_claim_problems(self.docker_claims(invalid)) + stack_cache_problems(self, invalid)

    def docker_claims(self, invalid: frozenset[str] = frozenset()) -> dict[str, list[DockerClaim]]:
        """Container names and host ports, per config section that declares Docker containers."""
        sections: dict[str, list[DockerClaim]] = {}
        if "self_hosted" not in invalid and self.self_hosted is not None:
            sections["selfHosted"] = self.self_hosted.docker_claims("selfHosted")
        if not invalid & {"self_hosted", "pull_through_caches"} and self.self_hosted is not None:
            sections["pullThroughCaches"] = self.mirror_claims()
        return sections

    def mirror_claims(self) -> list[DockerClaim]:
        """The container names and host ports of the registry:2 mirrors (caches that target selfHosted)."""
        claims = []
        for index, cache in enumerate(self.pull_through_caches):
            options = cache.self_hosted
            if options is None or "selfHosted" not in cache_targets(cache, self):
                continue
            prefix = f"pullThroughCaches[{index}].selfHosted"
            if options.name is not None:
                claims.append(DockerClaim("container name", options.name, f"{prefix}.name"))
            address = options.bind_address or self.self_hosted.bind_address
            claims.append(DockerClaim("host port", options.port, f"{prefix}.port", address))
        return claims

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


def stack_file_values(path: Path | None = None) -> dict[str, Any] | None:
    """Our namespace's keys as written in the stack file (`Pulumi.<stack>.yaml` in the project directory,
    where the CLI runs the program), `secure:` values still encrypted; None without a readable file."""
    path = path or Path.cwd() / f"Pulumi.{pulumi.get_stack()}.yaml"
    try:
        import yaml

        config = (yaml.safe_load(path.read_text()) or {}).get("config") or {}
    except (OSError, ValueError, AttributeError):
        return None
    prefix = f"{NAMESPACE}:"
    return {key.removeprefix(prefix): value for key, value in config.items() if isinstance(key, str) and key.startswith(prefix)}


def plain_text_secret_problems(
    values: dict[str, Any], is_secret: Callable[[str], bool], written: dict[str, Any] | None = None
) -> list[Problem]:
    """Secret settings (passwords, private keys) written in plain text in the stack file.

    Read from the raw values, so that they are reported beside every other problem of the config. The
    engine only says whether a whole top-level key holds a secret (one `--secret --path` marks all of
    it), so `written` (the stack file's own values, see `stack_file_values`) also catches a plain
    password beside a secure one.
    """
    plain_in_file = set(plain_secret_paths(StackSettings, written)) if written else set()
    problems = []
    for path in dict.fromkeys(plain_secret_paths(StackSettings, values)):
        key = path.split(".", 1)[0].split("[", 1)[0]
        if not is_secret(f"{NAMESPACE}:{key}") or path in plain_in_file:
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
    secret_problems = (
        plain_text_secret_problems(values, pulumi.runtime.is_config_secret, stack_file_values()) if from_engine else []
    )
    try:
        settings = parse_section(StackSettings, values, root="")
    except SettingsError as error:
        raise SettingsError([*error.problems, *secret_problems]) from None
    if secret_problems:
        raise SettingsError(secret_problems)
    return settings
