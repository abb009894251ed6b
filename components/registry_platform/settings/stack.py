"""The whole stack config (namespace `registry-platform`), parsed once before any resource exists."""

from __future__ import annotations

import difflib
import importlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import pulumi
from pydantic import Field, TypeAdapter, ValidationError, ValidationInfo, field_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from .base import (
    Problem,
    SettingsError,
    SettingsModel,
    _shortened,
    cross_field_error,
    nested_models,
    parse_section,
    plain_secret_paths,
    problems_from,
)
from .docker import DockerClaim, claim_problems

if TYPE_CHECKING:  # the section models are imported on demand, see `SECTIONS`
    from .aws import AwsSettings
    from .azure import AcrRegistryArgs
    from .caches import PullThroughCaches
    from .gcp import ArtifactRegistryArgs
    from .harbor import HarborRegistryArgs
    from .kubernetes import KubernetesRegistryArgs
    from .selfhosted import SelfHostedRegistryArgs

NAMESPACE = "registry-platform"

SECTIONS: dict[str, tuple[str, str, str]] = {
    "self_hosted": ("selfHosted", ".selfhosted", "SelfHostedRegistryArgs"),
    "aws": ("aws", ".aws", "AwsSettings"),
    "gcp": ("gcp", ".gcp", "ArtifactRegistryArgs"),
    "azure": ("azure", ".azure", "AcrRegistryArgs"),
    "harbor": ("harbor", ".harbor", "HarborRegistryArgs"),
    "kubernetes": ("kubernetes", ".kubernetes", "KubernetesRegistryArgs"),
    "pull_through_caches": ("pullThroughCaches", ".caches", "PullThroughCaches"),
}
"""`StackSettings` field -> (config key, module, the name there of the section's type), in field order.

A section's module is imported when its key is present in the config, or when the whole model is asked
for (`StackSettings.model_fields`, its JSON schema, validating or dumping through it); so a stack without a
cloud section never builds that cloud's models. A test keeps this table and the annotations in step.
"""

_KEYS = {key: field for field, (key, _, _) in SECTIONS.items()}


def section_type(field: str) -> Any:
    """The type of a `StackSettings` field without its `None` (a model, or the list of caches), imported now."""
    _, module, name = SECTIONS[field]
    return getattr(importlib.import_module(module, __package__), name)


class _ResolvedFields:
    """`StackSettings.model_fields`, complete: the section models are imported first (see `SECTIONS`)."""

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        cls = owner if owner is not None else type(instance)
        cls._resolve_sections()
        return cls.__pydantic_fields__


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

    @classmethod
    def _resolve_sections(cls) -> None:
        """Import every section model and complete the class (once): the schema, the README reference and
        validating through the whole model need it; `load_stack_settings` does not."""
        if not cls.__pydantic_complete__:
            cls.model_rebuild()

    @classmethod
    def model_rebuild(cls, **kwargs: Any) -> bool | None:
        """Complete the model with every section's type, imported now. pydantic calls this itself on the
        first use that needs the whole model (validating, dumping, the JSON schema)."""
        kwargs.pop("_parent_namespace_depth", None)
        namespace = {name: section_type(field) for field, (_, _, name) in SECTIONS.items()}
        namespace.update(kwargs.pop("_types_namespace", None) or {})
        return super().model_rebuild(**kwargs, _types_namespace=namespace)

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        problems = docker_claim_problems(self.docker_claims(invalid))
        if self.pull_through_caches:  # none: no problem, and no need to import the cache settings
            from .caches import stack_cache_problems

            problems += stack_cache_problems(self, invalid)
        return problems

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
        if not self.pull_through_caches:
            return []
        from .caches import cache_targets

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
            raise _null_section(SECTIONS[info.field_name][0])
        return value



# Set after the class body, where pydantic would take it for a field.
StackSettings.model_fields = _ResolvedFields()  # type: ignore[assignment,misc]  # complete on every read


def _null_section(key: str) -> PydanticCustomError:
    return PydanticCustomError(
        "null_section",
        "is null (a key with nothing under it, or its settings indented wrongly); give its settings, "
        "or, to turn it off, remove the key: `pulumi config rm {namespace}:{key}`",
        {"namespace": NAMESPACE, "key": key},
    )


def docker_claim_problems(sections: dict[str, list[DockerClaim]]) -> list[tuple[str, str]]:
    """Collisions between the Docker containers of different sections (each section checks its own)."""
    within = {problem for claims in sections.values() for problem in claim_problems(claims)}
    every = claim_problems([claim for claims in sections.values() for claim in claims])
    return [problem for problem in every if problem not in within]


def _section_keys() -> set[str]:
    """The keys of the namespace to read: every known section, plus any other key set (to report typos)."""
    known = set(_KEYS)
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
    # Only the keys also in `values` can matter (and only their sections are imported).
    plain_in_file = set(_plain_secret_paths({k: v for k, v in written.items() if k in values})) if written else set()
    problems = []
    for path in dict.fromkeys(_plain_secret_paths(values)):
        key = path.split(".", 1)[0].split("[", 1)[0]
        if not is_secret(f"{NAMESPACE}:{key}") or path in plain_in_file:
            problems.append(
                Problem(path, f"is a secret but is stored in plain text; set it with `pulumi config set --secret --path '{path}' ...`")
            )
    return problems


def _field_of(key: Any) -> str | None:
    """The `StackSettings` field a top-level key names (its camelCase key, or the field name itself)."""
    return _KEYS.get(key) or (key if key in SECTIONS else None)


def _plain_secret_paths(data: Any) -> list[str]:
    """`plain_secret_paths(StackSettings, data)`, importing only the sections present in `data`."""
    found: list[str] = []
    if not isinstance(data, dict):
        return found
    for key, value in data.items():
        field = _field_of(key)
        if field is None:
            continue
        for nested in nested_models(section_type(field)):
            entries = enumerate(value) if isinstance(value, list) else [(None, value)]
            for index, entry in entries:
                found.extend(plain_secret_paths(nested, entry, str(key) if index is None else f"{key}[{index}]"))
    return found


_ADAPTERS: dict[str, TypeAdapter] = {}


def _validate_section(field: str, value: Any) -> Any:
    kind = section_type(field)
    if isinstance(kind, type) and issubclass(kind, SettingsModel):
        return kind.model_validate(value)
    if field not in _ADAPTERS:
        _ADAPTERS[field] = TypeAdapter(kind)
    return _ADAPTERS[field].validate_python(value)


def _stack_problems(problems: list[tuple[str, str]], given: Any) -> list[Problem]:
    """Cross-section problems, reported as the whole model reports them (at their own paths)."""
    error = ValidationError.from_exception_data(
        "StackSettings", [InitErrorDetails(type=cross_field_error(problems), loc=(), input=given)], hide_input=True
    )
    return problems_from(error, StackSettings, "")


def _parse_stack(values: dict[str, Any]) -> StackSettings:
    """`parse_section(StackSettings, values, root="")`, importing and validating only the sections present.

    Each section is validated by its own model with its key as the root of its paths; then, as the whole
    model does: null sections, unknown keys (after the sections, in the order given), and the checks
    across sections (with the sections that failed left out).
    """
    sections: dict[str, Any] = {}
    problems: list[Problem] = []
    invalid: set[str] = set()
    used: set[str] = set()
    for field, (key, _, _) in SECTIONS.items():
        given = key if key in values else field if field in values else None
        if given is None:
            continue
        used.add(given)
        value = values[given]
        try:
            if value is None:
                raise ValidationError.from_exception_data(
                    "StackSettings", [InitErrorDetails(type=_null_section(key), loc=(), input=value)], hide_input=True
                )
            sections[field] = _validate_section(field, value)
        except ValidationError as error:
            models = nested_models(section_type(field))
            problems += problems_from(error, models[0], given)
            invalid.add(field)
    for key in values:
        if key not in used:
            invalid.add(key)
            close = difflib.get_close_matches(key, sorted(_KEYS), n=1, cutoff=0.6)
            hint = f"did you mean `{close[0]}`? " if close else ""
            message = f"unknown key; {hint}valid keys here: {', '.join(sorted(_KEYS))}"
            problems.append(Problem(_shortened(key, (key,)), _shortened(message, values[key])))
    settings = StackSettings.model_construct(**sections)
    try:
        cross = settings.cross_field_problems(frozenset(invalid))
    except ValidationError:
        if problems:
            cross = []
        else:
            raise
    problems += _stack_problems(cross, values) if cross else []
    if problems:
        raise SettingsError(problems)
    return settings


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
        if isinstance(values, dict) and all(isinstance(key, str) for key in values):
            settings = _parse_stack(values)
        else:  # not a mapping of keys: the whole model says what is wrong
            settings = parse_section(StackSettings, values, root="")
    except SettingsError as error:
        raise SettingsError([*error.problems, *secret_problems]) from None
    if secret_problems:
        raise SettingsError(secret_problems)
    return settings
