"""SKU gates: which settings need which ACR tier, checked before anything is created.

The anchors' most common complaint is a Premium-only default breaking a Standard deployment half
way through; here every such setting is refused up front, naming the feature and the SKU it needs.
No default needs more than Basic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Literal

from .webhook import WEBHOOK_LIMITS

if TYPE_CHECKING:
    from . import AcrRegistryArgs

Sku = Literal["Basic", "Standard", "Premium"]

PREMIUM: tuple[str, ...] = ("Premium",)
STANDARD_OR_PREMIUM: tuple[str, ...] = ("Standard", "Premium")

# (config key, field name, feature as users know it, SKUs that have it, "is it used?")
SKU_GATES: list[tuple[str, str, str, tuple[str, ...], Callable[[Any], bool]]] = [
    ("anonymousPullEnabled", "anonymous_pull_enabled", "anonymous pull", STANDARD_OR_PREMIUM, bool),
    ("publicNetworkAccess", "public_network_access", "disabling public network access (reachable through private endpoints only)",
     PREMIUM, lambda value: value == "Disabled"),
    ("networkRuleSet", "network_rule_set", "network rules (IP allow lists)", PREMIUM, lambda value: value is not None),
    ("exportPolicyEnabled", "export_policy_enabled", "disabling export", PREMIUM, lambda value: value is False),
    ("zoneRedundancy", "zone_redundancy", "zone redundancy", PREMIUM, bool),
    ("untaggedRetentionDays", "untagged_retention_days", "retention of untagged manifests", PREMIUM, lambda value: value is not None),
    ("dataEndpointEnabled", "data_endpoint_enabled", "dedicated data endpoints", PREMIUM, bool),
    ("contentTrust", "content_trust", "content trust", PREMIUM, bool),
    ("replications", "replications", "geo-replication", PREMIUM, bool),
    ("customerManagedKey", "customer_managed_key", "customer-managed keys", PREMIUM, lambda value: value is not None),
]


def sku_problems(args: "AcrRegistryArgs", invalid: frozenset[str]) -> list[tuple[str, str]]:
    """Every setting the chosen SKU does not have, each at its own config path."""
    if "sku" in invalid:
        return []
    problems = []
    for key, field, feature, skus, used in SKU_GATES:
        if field in invalid or args.sku in skus:
            continue
        if used(getattr(args, field)):
            needed = " or ".join(skus)
            problems.append((key, f"{feature} needs the {needed} SKU, but sku is {args.sku}; set `sku: Premium` or remove this setting"))
    if "webhooks" not in invalid and len(args.webhooks) > WEBHOOK_LIMITS[args.sku]:
        limits = ", ".join(f"{sku} {limit}" for sku, limit in WEBHOOK_LIMITS.items())
        problems.append(("webhooks", f"{len(args.webhooks)} webhooks, but the {args.sku} SKU allows at most "
                                     f"{WEBHOOK_LIMITS[args.sku]} ({limits})"))
    return problems
