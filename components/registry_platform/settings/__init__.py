"""The settings layer: pydantic models of the stack config, which double as component args."""

from .aws import AwsSettings, EcrRegistryArgs, EcrRegistrySettingsArgs
from .gcp import ArtifactRegistryArgs, ArtifactRepositoryArgs, GcpCiServiceAccountSettings
from .azure import AcrRegistryArgs
from .harbor import HarborRegistryArgs
from .base import Problem, SecretInput, SettingsError, SettingsModel, secret_output
from .selfhosted import SelfHostedRegistryArgs, TlsSettings, UserSettings
from .stack import NAMESPACE, StackSettings, load_stack_settings

__all__ = [
    "NAMESPACE",
    "ArtifactRegistryArgs",
    "ArtifactRepositoryArgs",
    "AcrRegistryArgs",
    "AwsSettings",
    "EcrRegistryArgs",
    "EcrRegistrySettingsArgs",
    "GcpCiServiceAccountSettings",
    "HarborRegistryArgs",
    "Problem",
    "SecretInput",
    "SelfHostedRegistryArgs",
    "SettingsError",
    "SettingsModel",
    "StackSettings",
    "TlsSettings",
    "UserSettings",
    "load_stack_settings",
    "secret_output",
]
