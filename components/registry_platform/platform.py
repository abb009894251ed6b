"""`RegistryPlatform`: builds every registry the stack settings enable and gathers their outputs.

Component modules are imported only when their section is set, so a stack without a cloud never
imports that cloud's SDK.
"""

from __future__ import annotations

from typing import Optional

import pulumi

from .access import RegistryAccess, merged_docker_config
from .settings import StackSettings

TYPE = "registry-platform:index:RegistryPlatform"


class RegistryPlatform(pulumi.ComponentResource):
    """The registries of one stack. `registries` maps a stack-config key to its `RegistryAccess`."""

    registries: dict[str, RegistryAccess]
    docker_config_json: pulumi.Output[str]
    """One docker config.json for every registry of the stack (secret)."""

    def __init__(self, name: str, settings: StackSettings, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__(TYPE, name, None, opts)
        self.registries: dict[str, RegistryAccess] = {}
        self.self_hosted = None
        if settings.self_hosted is not None:
            from .selfhosted import SelfHostedRegistry

            self.self_hosted = SelfHostedRegistry(
                "self-hosted", settings.self_hosted, pulumi.ResourceOptions(parent=self)
            )
            self.registries["selfHosted"] = self.self_hosted.access

        self.ecr = None
        self.ecr_settings = None
        if settings.aws is not None:
            from .aws.ecr import EcrRegistry, EcrRegistrySettings

            self.ecr = EcrRegistry("aws", settings.aws, pulumi.ResourceOptions(parent=self))
            self.registries["aws"] = self.ecr.access
            account_settings = settings.aws.account_settings()
            if account_settings is not None:
                self.ecr_settings = EcrRegistrySettings(
                    "aws-registry-settings", account_settings, pulumi.ResourceOptions(parent=self)
                )

        self.docker_config_json = merged_docker_config(self.registries)
        self.register_outputs(
            {
                "registries": {key: access.public() for key, access in self.registries.items()},
                "dockerConfigJson": self.docker_config_json,
            }
        )
