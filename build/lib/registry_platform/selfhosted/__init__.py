"""The self-hosted registry:2 component and its pure renderers."""

from .config_file import render_registry_config
from .layout import LAYOUT, ContainerLayout
from .registry import SelfHostedRegistry

__all__ = ["LAYOUT", "ContainerLayout", "SelfHostedRegistry", "render_registry_config"]
