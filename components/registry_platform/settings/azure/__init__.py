"""Settings of Azure Container Registry (`registry-platform:azure`).

`AcrRegistryArgs` is both the `azure` stack-config section and the args of `AcrRegistry`. Defaults go
beyond Azure Verified Modules and never need more than the Basic SKU: admin user off, anonymous pull
off, export off where the SKU allows it, and CI access through repository-scoped tokens and role
assignments instead of the admin user. Every Premium-only setting on Basic or Standard is an error
that names the feature and the SKU it needs.

Split by concern: `formats` (names, locations, IDs), `network`, `replication`, `encryption`,
`access` (tokens, role assignments), `webhook`, `sku` (the gates).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ..base import SettingsModel, unique_names
from .access import BUILTIN_ROLES, RoleAssignments, RoleAssignmentSettings, TokenSettings, Tokens
from .encryption import CustomerManagedKeySettings
from .formats import Location, RegistryName, ResourceGroupName, Tags
from .network import NetworkRuleSetSettings
from .replication import Replications, ReplicationSettings
from .sku import Sku, sku_problems
from .webhook import WebhookSettings


class ResourceGroupSettings(SettingsModel):
    """The resource group of the registry."""

    name: ResourceGroupName
    """Resource group name."""
    create: bool = False
    """Create the group in `azure.location` (with `azure.tags`). False: it must exist already."""


class AcrRegistryArgs(SettingsModel):
    """One Azure Container Registry with its replications, tokens, role assignments and webhooks."""

    name: RegistryName
    """Registry name: 5-50 letters and digits, globally unique (it becomes `<name>.azurecr.io`)."""
    resource_group: ResourceGroupSettings
    """Resource group to create, or an existing one's name (`create: false`)."""
    location: Location
    """Azure location of the registry (e.g. westeurope)."""
    sku: Sku = "Basic"
    """Basic, Standard or Premium. Premium-only settings on a lower SKU are refused before anything is created."""
    tags: Tags = Field(default_factory=dict)
    """Azure tags on every resource (`managed-by: registry-platform` is always added)."""
    admin_user_enabled: bool = False
    """The registry-wide admin user (full access, shared password). Off: CI uses tokens or role assignments. Its
    credentials never reach an output, even when on."""
    anonymous_pull_enabled: bool = False
    """Standard or Premium. Anyone on the network may pull without logging in."""
    public_network_access: Literal["Enabled", "Disabled"] = "Enabled"
    """`Disabled` (Premium) leaves only private endpoints, which are managed outside this component."""
    network_rule_set: NetworkRuleSetSettings | None = None
    """Premium only. IP allow list for public access, default action Deny; none: any address may connect."""
    trusted_services_bypass: bool = True
    """Let trusted Azure services (e.g. ACR Tasks, Defender) through the network rules (`AzureServices`)."""
    export_policy_enabled: bool | None = None
    """Whether artifacts may be exported or imported out of the registry. Default: off where Azure allows it (Premium
    with public network access Disabled), else on. `false` needs Premium and `publicNetworkAccess: Disabled`."""
    zone_redundancy: bool = False
    """Premium only. Spread the registry over availability zones (set at creation; changing it replaces the registry)."""
    untagged_retention_days: int | None = Field(None, ge=0, le=365)
    """Premium only. Delete untagged manifests after this many days (0-365; AVM uses 7 or 15); none: keep them.
    Not together with soft delete."""
    soft_delete_retention_days: int | None = Field(None, ge=1, le=90)
    """Keep deleted artifacts restorable for this many days (1-90, a preview feature); none: off. Not together with
    `untaggedRetentionDays`, nor with `replications` (Azure does not support soft delete on a geo-replicated registry)."""
    data_endpoint_enabled: bool = False
    """Premium only. Serve layers from `<name>.<location>.data.azurecr.io` per region instead of shared storage
    hosts, for tight client firewall rules."""
    content_trust: bool = False
    """Premium only. Docker Content Trust (Notary v1); Microsoft retires it on 31 March 2028: prefer Notation signing."""
    quarantine: bool = False
    """Quarantine newly pushed images until a scanner releases them (a preview feature)."""
    replications: Replications = Field(default_factory=list)
    """Premium only. Geo-replications, at most one per location, never in the registry's own location; not with soft delete."""
    customer_managed_key: CustomerManagedKeySettings | None = None
    """Premium only. Encrypt with a Key Vault key through a user-assigned identity."""
    tokens: Tokens = Field(default_factory=list)
    """Repository-scoped tokens for CI; the push token (else the first) is the registry's login in the outputs."""
    role_assignments: RoleAssignments = Field(default_factory=list)
    """Azure role assignments on the registry (AVM interface); AcrPull/AcrPush principals are listed as CI identities."""
    webhooks: Annotated[list[WebhookSettings], unique_names("webhook")] = Field(default_factory=list)
    """Webhooks (Basic allows 2, Standard 10, Premium 500)."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        problems = sku_problems(self, invalid)
        if not invalid & {"replications", "location"}:
            for index, replication in enumerate(self.replications):
                if replication.location == self.location:
                    problems.append((f"replications[{index}].location",
                                     f"'{self.location}' is the registry's own location; replicate to other locations only"))
        if not invalid & {"untagged_retention_days", "soft_delete_retention_days"}:
            if self.untagged_retention_days is not None and self.soft_delete_retention_days is not None:
                problems.append(("softDeleteRetentionDays",
                                 "soft delete cannot be combined with retention of untagged manifests; remove one of them"))
        if not invalid & {"replications", "soft_delete_retention_days"}:
            if self.replications and self.soft_delete_retention_days is not None:
                problems.append(("softDeleteRetentionDays",
                                 "soft delete cannot be used on a geo-replicated registry (Azure refuses it); remove "
                                 "`softDeleteRetentionDays`, or the `replications`"))
        if not invalid & {"export_policy_enabled", "public_network_access"}:
            if self.export_policy_enabled is False and self.public_network_access == "Enabled":
                problems.append(("exportPolicyEnabled", "disabling export needs `publicNetworkAccess: Disabled` as well"))
        if not invalid & {"network_rule_set", "public_network_access"}:
            if self.network_rule_set is not None and self.public_network_access == "Disabled":
                problems.append(("networkRuleSet", "has no effect with `publicNetworkAccess: Disabled`; remove it"))
        return problems

    @property
    def export_enabled(self) -> bool:
        """The export policy applied: the setting, or off wherever Azure allows it."""
        if self.export_policy_enabled is not None:
            return self.export_policy_enabled
        return not (self.sku == "Premium" and self.public_network_access == "Disabled")


__all__ = [
    "BUILTIN_ROLES",
    "AcrRegistryArgs",
    "CustomerManagedKeySettings",
    "NetworkRuleSetSettings",
    "ReplicationSettings",
    "ResourceGroupSettings",
    "RoleAssignmentSettings",
    "TokenSettings",
    "WebhookSettings",
]
