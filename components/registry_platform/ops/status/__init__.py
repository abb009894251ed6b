"""`python -m registry_platform status`: is every registry of a stack up, trusted, and usable?

`outputs` reads the stack's outputs (from `pulumi stack output` or a file), `checks` probes each
registry with bounded timeouts, `report` renders a rich table or JSON. Needs the `[ops]` extra.
"""

from .checks import Check, CheckOptions, RegistryReport, check_registries, check_registry
from .outputs import OutputsError, StackRegistry, load_outputs, registries_from_outputs

__all__ = [
    "Check",
    "CheckOptions",
    "OutputsError",
    "RegistryReport",
    "StackRegistry",
    "check_registries",
    "check_registry",
    "load_outputs",
    "registries_from_outputs",
]
