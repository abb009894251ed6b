"""The settings layer: pydantic models of the stack config, which double as component args.

Names are resolved on first use (like the package's own `__init__`): importing one settings module,
or loading a stack, imports only the section models it needs, so a stack without a cloud section never
builds that cloud's models.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Public name -> module that defines it.
_EXPORTS: dict[str, str] = {
    "NAMESPACE": ".stack",
    "ArtifactRegistryArgs": ".gcp",
    "ArtifactRepositoryArgs": ".gcp",
    "AcrRegistryArgs": ".azure",
    "AwsSettings": ".aws",
    "EcrRegistryArgs": ".aws",
    "EcrRegistrySettingsArgs": ".aws",
    "GcpCiServiceAccountSettings": ".gcp",
    "HarborRegistryArgs": ".harbor",
    "Problem": ".base",
    "SecretInput": ".base",
    "SelfHostedRegistryArgs": ".selfhosted",
    "SettingsError": ".base",
    "SettingsModel": ".base",
    "StackSettings": ".stack",
    "TlsSettings": ".selfhosted",
    "UserSettings": ".selfhosted",
    "load_stack_settings": ".stack",
    "secret_output": ".base",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    try:
        module_name = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module_name, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .aws import AwsSettings, EcrRegistryArgs, EcrRegistrySettingsArgs
    from .azure import AcrRegistryArgs
    from .base import Problem, SecretInput, SettingsError, SettingsModel, secret_output
    from .gcp import ArtifactRegistryArgs, ArtifactRepositoryArgs, GcpCiServiceAccountSettings
    from .harbor import HarborRegistryArgs
    from .selfhosted import SelfHostedRegistryArgs, TlsSettings, UserSettings
    from .stack import NAMESPACE, StackSettings, load_stack_settings
