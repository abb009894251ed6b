"""`RegistryPlatform`: builds every registry the stack settings enable and gathers their outputs.

`REGISTRY_BUILDERS` maps a stack-config section to the function that declares its components:
adding a registry kind is one settings model, one component module and one entry here. A builder
imports its component module itself, so a stack without a cloud never imports that cloud's SDK.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import pulumi

from .access import RegistryAccess, merged_docker_config
from .settings import StackSettings

TYPE = "registry-platform:index:RegistryPlatform"


def _self_hosted(platform: "RegistryPlatform", settings: Any) -> Any:
    from .selfhosted.registry import SelfHostedRegistry

    return SelfHostedRegistry("self-hosted", settings, pulumi.ResourceOptions(parent=platform))


def _aws(platform: "RegistryPlatform", settings: Any) -> Any:
    from .aws.ecr import EcrRegistry, EcrRegistrySettings

    registry = EcrRegistry("aws", settings, pulumi.ResourceOptions(parent=platform))
    account_settings = settings.account_settings()
    if account_settings is not None:
        platform.extras["aws-registry-settings"] = EcrRegistrySettings(
            "aws-registry-settings", account_settings, pulumi.ResourceOptions(parent=platform)
        )
    return registry


def _gcp(platform: "RegistryPlatform", settings: Any) -> Any:
    from .gcp.artifact_registry import ArtifactRegistry

    return ArtifactRegistry("gcp", settings, pulumi.ResourceOptions(parent=platform))


def _azure(platform: "RegistryPlatform", settings: Any) -> Any:
    from .azure.acr import AcrRegistry

    return AcrRegistry("azure", settings, pulumi.ResourceOptions(parent=platform))


def _harbor(platform: "RegistryPlatform", settings: Any) -> Any:
    from .harbor.registry import HarborRegistry

    return HarborRegistry("harbor", settings, pulumi.ResourceOptions(parent=platform))


def _kubernetes(platform: "RegistryPlatform", settings: Any) -> Any:
    from .kubernetes.registry import KubernetesRegistry

    return KubernetesRegistry("kubernetes", settings, pulumi.ResourceOptions(parent=platform))


REGISTRY_BUILDERS: dict[str, tuple[str, Callable[["RegistryPlatform", Any], Any]]] = {
    "self_hosted": ("selfHosted", _self_hosted),
    "aws": ("aws", _aws),
    "gcp": ("gcp", _gcp),
    "azure": ("azure", _azure),
    "harbor": ("harbor", _harbor),
    "kubernetes": ("kubernetes", _kubernetes),
}
"""StackSettings field -> (registry key in the outputs = stack-config key, builder). Each builder
returns a component with `access` (a `RegistryAccess`) and `stack_outputs()`."""


class RegistryPlatform(pulumi.ComponentResource):
    """The registries of one stack. `registries` maps a stack-config key to its `RegistryAccess`."""

    components: dict[str, Any]
    """Stack-config key -> the registry component built for it."""
    registries: dict[str, RegistryAccess]
    docker_config_json: pulumi.Output[str]
    """One docker config.json for every registry of the stack (secret)."""

    def __init__(self, name: str, settings: StackSettings, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__(TYPE, name, None, opts)
        self.components = {}
        self.extras: dict[str, pulumi.ComponentResource] = {}
        for field_name, (key, build) in REGISTRY_BUILDERS.items():
            section = getattr(settings, field_name)
            if section is not None:
                self.components[key] = build(self, section)
        self.registries = {key: component.access for key, component in self.components.items()}
        self.mirrors: dict[str, Any] = {}
        """Cache name -> its `SelfHostedMirror` (caches that target selfHosted)."""
        self.caches: dict[str, dict[str, Any]] = {}
        """Cache name -> registry key -> that registry's pull address for it (`pullThroughCaches` output)."""
        if settings.pull_through_caches:
            from .caches import build_caches

            self.caches = build_caches(self, settings)
        self.docker_config_json = merged_docker_config(self.registries)
        self.register_outputs(
            {
                "registries": {key: access.public() for key, access in self.registries.items()},
                "dockerConfigJson": self.docker_config_json,
            }
        )

    def stack_outputs(self) -> dict[str, Any]:
        """Every stack output: the shared shape for all registries, then each registry's own details."""
        outputs: dict[str, Any] = {
            "registries": {key: access.public() for key, access in self.registries.items()},
            "registryCredentials": {key: access.credentials() for key, access in self.registries.items()},
            "dockerConfigJson": self.docker_config_json,
        }
        for component in self.components.values():
            outputs.update(component.stack_outputs())
        if self.caches:
            outputs["pullThroughCaches"] = self.caches
        passwords = {name: mirror.user_passwords for name, mirror in self.mirrors.items() if mirror.user_names}
        if passwords:
            outputs["pullThroughCacheUserPasswords"] = pulumi.Output.secret(passwords)
        return outputs

    @property
    def self_hosted(self):
        return self.components.get("selfHosted")

    @property
    def ecr(self):
        return self.components.get("aws")

    @property
    def artifact_registry(self):
        return self.components.get("gcp")

    @property
    def acr(self):
        return self.components.get("azure")

    @property
    def harbor(self):
        return self.components.get("harbor")
