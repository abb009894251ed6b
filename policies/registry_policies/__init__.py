"""The rules of the registry-platform policy pack, grouped by registry kind.

`all_policies()` is the pack's rule list; `pack_arguments(environ)` what `PolicyPack(...)` takes
(tests build the same analyzer from it without starting the blocking server).
"""

from __future__ import annotations

from typing import Any, Mapping

from . import acr, artifact_registry, ecr, harbor, kubernetes, outputs, selfhosted, stack
from .levels import PACK_NAME, environment_from, initial_config


def all_policies() -> list:
    return [
        *ecr.POLICIES,
        *acr.POLICIES,
        *artifact_registry.POLICIES,
        *harbor.POLICIES,
        *selfhosted.POLICIES,
        *kubernetes.POLICIES,
        *outputs.POLICIES,
        *stack.POLICIES,
    ]


def pack_arguments(environ: Mapping[str, str]) -> dict[str, Any]:
    policies = all_policies()
    environment = environment_from(environ)
    return {
        "name": PACK_NAME,
        "policies": policies,
        "initial_config": initial_config(policies, environment) or None,
        "description": f"Registry guardrails (environment: {environment})",
    }
