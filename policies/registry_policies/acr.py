"""Azure Container Registry rules, on `azure-native:containerregistry:Registry` (props as the provider takes them)."""

from __future__ import annotations

from pulumi_policy import PolicyConfigSchema

from .common import ADVISORY, EXEMPTIONS_SCHEMA, MANDATORY, dig, exempted, items, lower, resource_policy

REGISTRY = "azure-native:containerregistry:Registry"
EXEMPTIONS = PolicyConfigSchema({"exemptions": EXEMPTIONS_SCHEMA})


def _label(args) -> str:
    return str(args.props.get("registryName") or args.name)


def _admin_user(args, report) -> None:
    if args.props.get("adminUserEnabled") is True:
        report(
            f"registry '{_label(args)}' enables the admin user: one shared, all-powerful password. Set "
            "`adminUserEnabled: false` and give CI scope-map tokens or an identity with AcrPull/AcrPush."
        )


def _anonymous_pull(args, report) -> None:
    if args.props.get("anonymousPullEnabled") is True:
        report(
            f"registry '{_label(args)}' allows anonymous pull: anyone on the internet can read every image. "
            "Set `anonymousPullEnabled: false`."
        )


def _public_network(args, report) -> None:
    access = lower(args.props.get("publicNetworkAccess") or "Enabled")
    if access == "disabled":
        return
    default_action = lower(dig(args.props, "networkRuleSet.defaultAction") or "Allow")
    if default_action == "deny":
        return
    if exempted((args.get_config() or {}).get("exemptions") or [], args.name, _label(args), args.urn):
        return
    rules = items(dig(args.props, "networkRuleSet.ipRules"))
    detail = f" ({len(rules)} IP rules are ignored while defaultAction is Allow)" if rules else ""
    report(
        f"registry '{_label(args)}' is reachable from any network{detail}. Set `publicNetworkAccess: Disabled` "
        "(with private endpoints), or `networkRuleSet: {defaultAction: Deny, ipRules: [...]}` (Premium); "
        "Basic and Standard cannot have either: list the registry in this rule's `exemptions`."
    )


def _retention(args, report) -> None:
    if lower(dig(args.props, "sku.name")) != "premium":
        return
    if lower(dig(args.props, "policies.softDeletePolicy.status")) == "enabled":
        return  # Azure refuses a retention policy together with soft delete, which keeps deletions restorable
    if lower(dig(args.props, "policies.retentionPolicy.status")) != "enabled":
        report(
            f"Premium registry '{_label(args)}' keeps untagged manifests forever. Set "
            "`policies: {retentionPolicy: {status: enabled, days: 7}}` (or use soft delete, which excludes it)."
        )


POLICIES = [
    resource_policy(
        "acr-admin-user-disabled",
        "The ACR admin user stays disabled: it is a shared account with full rights that cannot be scoped or "
        "attributed. Fix: adminUserEnabled false; use scope-map tokens or role assignments.",
        [REGISTRY],
        _admin_user,
        level=MANDATORY,
    ),
    resource_policy(
        "acr-anonymous-pull-disabled",
        "ACR anonymous pull stays disabled, so images are only readable by authenticated identities. "
        "Fix: anonymousPullEnabled false.",
        [REGISTRY],
        _anonymous_pull,
        level=MANDATORY,
    ),
    resource_policy(
        "acr-public-network-restricted",
        "ACR public network access is disabled or restricted to listed IP ranges. Fix: publicNetworkAccess "
        "Disabled, or a networkRuleSet with defaultAction Deny and ipRules (Premium); an exemption for a Basic "
        "or Standard registry, which can have neither.",
        [REGISTRY],
        _public_network,
        level=ADVISORY,
        prod_level=MANDATORY,
        config_schema=EXEMPTIONS,
    ),
    resource_policy(
        "acr-retention-on-premium",
        "Premium ACR registries expire untagged manifests with a retention policy, unless soft delete is on "
        "(Azure allows only one of them). Fix: policies.retentionPolicy {status: enabled, days: N}.",
        [REGISTRY],
        _retention,
        level=ADVISORY,
        prod_level=MANDATORY,
    ),
]
