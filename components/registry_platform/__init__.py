"""registry-platform: container registries as code (a hardened self-hosted registry:2 and the clouds').

The public API is importable from here:

    from registry_platform import SelfHostedRegistry, SelfHostedRegistryArgs, load_stack_settings
    from registry_platform import EcrRegistry, EcrRepository   # needs the [aws] extra
    from registry_platform import ArtifactRegistry             # needs the [gcp] extra
    from registry_platform import AcrRegistry                  # needs the [azure] extra
    from registry_platform import RegistryPublisher            # needs the [publish] extra
    from registry_platform import HarborRegistry               # needs the [harbor] extra
    from registry_platform import KubernetesRegistry           # needs the [kubernetes] extra

Names are resolved on first use, so importing the package costs little and a component whose cloud
SDK is not installed fails only when it is asked for, with the extra to install.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

# Public name -> (module, extra that provides its cloud SDK, or None for the base install).
_EXPORTS: dict[str, tuple[str, str | None]] = {
    # The stack config and its models (component args).
    "load_stack_settings": (".settings.stack", None),
    "StackSettings": (".settings.stack", None),
    "SettingsError": (".settings.base", None),
    "Problem": (".settings.base", None),
    "SelfHostedRegistryArgs": (".settings.selfhosted", None),
    "AwsSettings": (".settings.aws", None),
    "EcrRegistryArgs": (".settings.aws", None),
    "EcrRepositoryArgs": (".settings.aws", None),
    "EcrRegistrySettingsArgs": (".settings.aws", None),
    "EcrCiRoleSettings": (".settings.aws", None),
    "ArtifactRegistryArgs": (".settings.gcp", None),
    "ArtifactRepositoryArgs": (".settings.gcp", None),
    "GcpCiServiceAccountSettings": (".settings.gcp", None),
    "AcrRegistryArgs": (".settings.azure", None),
    "HarborRegistryArgs": (".settings.harbor", None),
    "PullThroughCacheSettings": (".settings.caches", None),
    "KubernetesRegistryArgs": (".settings.kubernetes", None),
    # The shared output shape.
    "RegistryAccess": (".access", None),
    "CiIdentity": (".access", None),
    "render_docker_config": (".access", None),
    # Components.
    "RegistryPlatform": (".platform", None),
    "SelfHostedRegistry": (".selfhosted.registry", None),
    "render_registry_config": (".selfhosted.config_file", None),
    "SelfHostedMirror": (".selfhosted.mirror", None),
    "render_mirror_config": (".selfhosted.mirror", None),
    "EcrPullThroughCache": (".aws.pull_through_cache", "aws"),
    "AcrCache": (".azure.cache", "azure"),
    "ArtifactRegistryRemoteCache": (".gcp.remote_cache", "gcp"),
    "EcrRegistry": (".aws.ecr", "aws"),
    "EcrRepository": (".aws.repository", "aws"),
    "EcrRegistrySettings": (".aws.ecr", "aws"),
    "EcrCiRole": (".aws.ci_role", "aws"),
    "ArtifactRegistry": (".gcp.artifact_registry", "gcp"),
    "ArtifactRepository": (".gcp.repository", "gcp"),
    "GcpCiServiceAccount": (".gcp.ci_account", "gcp"),
    "render_cleanup_policies": (".gcp.cleanup", None),
    "AcrRegistry": (".azure.acr", "azure"),
    "AcrTokenPassword": (".azure.token_password", "azure"),
    # Ops: publish one image to every registry of a stack.
    "RegistryPublisher": (".ops.publish", "publish"),
    "PublishArgs": (".ops.publish", "publish"),
    "registries_from_stack": (".ops.publish", "publish"),
    "HarborRegistry": (".harbor.registry", "harbor"),
    "HarborProject": (".harbor.project", "harbor"),
    "KubernetesRegistry": (".kubernetes.registry", "kubernetes"),
}

__all__ = sorted(name for name, (_module, extra) in _EXPORTS.items() if extra is None) + ["MissingExtraError", "__version__"]
"""`from registry_platform import *` brings the base install's names; those of an extra are imported by name."""


class MissingExtraError(ImportError):
    """A component was asked for whose cloud SDK is not installed."""


def __getattr__(name: str) -> Any:
    try:
        module_name, extra = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'registry_platform' has no attribute '{name}'") from None
    try:
        module = importlib.import_module(module_name, __name__)
    except ModuleNotFoundError as error:
        if extra is None or not (error.name or "").startswith(("pulumi_", "pulumiverse_")):
            raise
        raise MissingExtraError(
            f"{name} needs the '{extra}' extra: pip install 'registry-platform[{extra}]' ({error.name} is missing)"
        ) from error
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .access import CiIdentity, RegistryAccess, render_docker_config
    from .aws.ci_role import EcrCiRole
    from .aws.ecr import EcrRegistry, EcrRegistrySettings
    from .aws.repository import EcrRepository
    from .gcp.artifact_registry import ArtifactRegistry
    from .gcp.ci_account import GcpCiServiceAccount
    from .gcp.cleanup import render_cleanup_policies
    from .gcp.repository import ArtifactRepository
    from .azure.acr import AcrRegistry
    from .azure.token_password import AcrTokenPassword
    from .ops.publish import PublishArgs, RegistryPublisher, registries_from_stack
    from .harbor.project import HarborProject
    from .harbor.registry import HarborRegistry
    from .kubernetes.registry import KubernetesRegistry
    from .platform import RegistryPlatform
    from .selfhosted.config_file import render_registry_config
    from .selfhosted.registry import SelfHostedRegistry
    from .selfhosted.mirror import SelfHostedMirror, render_mirror_config
    from .aws.pull_through_cache import EcrPullThroughCache
    from .azure.cache import AcrCache
    from .gcp.remote_cache import ArtifactRegistryRemoteCache
    from .settings.caches import PullThroughCacheSettings
    from .settings.aws import (
        AwsSettings,
        EcrCiRoleSettings,
        EcrRegistryArgs,
        EcrRegistrySettingsArgs,
        EcrRepositoryArgs,
    )
    from .settings.azure import AcrRegistryArgs
    from .settings.base import Problem, SettingsError
    from .settings.gcp import ArtifactRegistryArgs, ArtifactRepositoryArgs, GcpCiServiceAccountSettings
    from .settings.harbor import HarborRegistryArgs
    from .settings.kubernetes import KubernetesRegistryArgs
    from .settings.selfhosted import SelfHostedRegistryArgs
    from .settings.stack import StackSettings, load_stack_settings
