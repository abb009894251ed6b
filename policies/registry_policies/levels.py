"""Enforcement levels: each rule has a dev level and a prod level; one switch picks the environment.

Why the switch is read when the pack starts: the Pulumi CLI fixes every policy's level before any
rule runs. It merges (1) the level each policy declares, (2) the pack's `initialConfig`, (3) the
user's `--policy-pack-config` file, and sends the result in `Configure`; a rule cannot raise its own
level while it runs. So `environment` is resolved at start (`REGISTRY_POLICY_ENVIRONMENT`) and
turned into the pack's `initialConfig`, and a config file (`policies/config/prod.json`, the same
raise written out) or per-rule entries in it still override it, as the CLI applies them last.
"""

from __future__ import annotations

from typing import Any, Mapping

from pulumi_policy import EnforcementLevel

ENVIRONMENT_VARIABLE = "REGISTRY_POLICY_ENVIRONMENT"
ENVIRONMENTS = ("dev", "prod")
PACK_NAME = "registry-platform"


def environment_from(environ: Mapping[str, str]) -> str:
    value = (environ.get(ENVIRONMENT_VARIABLE) or "dev").strip().lower()
    if value in ("production", "prd"):
        value = "prod"
    if value not in ENVIRONMENTS:
        raise ValueError(f"{ENVIRONMENT_VARIABLE}={value!r}: expected one of {', '.join(ENVIRONMENTS)}")
    return value


def initial_config(policies: list, environment: str) -> dict[str, EnforcementLevel]:
    """Per-policy levels for `environment` where they differ from the declared (dev) level."""
    if environment not in ENVIRONMENTS:
        raise ValueError(f"environment {environment!r}: expected one of {', '.join(ENVIRONMENTS)}")
    if environment == "dev":
        return {}
    return {
        policy.name: policy.prod_enforcement_level
        for policy in policies
        if policy.prod_enforcement_level != policy.enforcement_level
    }


def raised_in_prod(policies: list) -> list[str]:
    return sorted(p.name for p in policies if p.prod_enforcement_level != p.enforcement_level)


def config_file(policies: list, environment: str) -> dict[str, Any]:
    """The same levels as a `--policy-pack-config` file (`policies/config/<environment>.json`)."""
    return {name: {"enforcementLevel": level.value} for name, level in initial_config(policies, environment).items()}
