"""Formats of Azure values in the `azure` section: names, locations, IDs, CIDRs, repositories.

Each check returns None when the value is fine, or what is wrong and what would be valid.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any

from ..base import checked

_REGISTRY_NAME = re.compile(r"^[a-zA-Z0-9]{5,50}$")
_CHILD_NAME = re.compile(r"^[a-zA-Z0-9-]{5,50}$")
_WEBHOOK_NAME = re.compile(r"^[a-zA-Z0-9]{5,50}$")
_RESOURCE_GROUP = re.compile(r"^[-\w.()]{0,89}[-\w()]$")
_LOCATION = re.compile(r"^[a-z][a-z0-9]{2,39}$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_SEGMENT = r"[a-z0-9]+(?:[._-][a-z0-9]+)*"
_REPOSITORY = re.compile(rf"^{_SEGMENT}(?:/{_SEGMENT})*(?:/\*)?$")
_KEY_URI = re.compile(r"^https://[a-zA-Z0-9-]{3,24}\.vault\.[a-z0-9.]+/keys/[a-zA-Z0-9-]{1,127}(/[0-9a-f]{32})?/?$")
_ARM_ID = r"^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[-\w.()]+/providers/"
_IDENTITY_ID = re.compile(_ARM_ID + r"Microsoft\.ManagedIdentity/userAssignedIdentities/[-\w]+$", re.I)
_VAULT_ID = re.compile(_ARM_ID + r"Microsoft\.KeyVault/vaults/[-a-zA-Z0-9]{3,24}$", re.I)


def registry_name_problem(value: str) -> str | None:
    if _REGISTRY_NAME.match(value):
        return None
    return (
        f"'{value}' is not an ACR registry name: 5-50 letters and digits, no '-' or '_' "
        "(it becomes <name>.azurecr.io, so it must also be globally unique across Azure)"
    )


def child_name_problem(value: str) -> str | None:
    if _CHILD_NAME.match(value):
        return None
    return f"'{value}' is not an ACR token name: 5-50 letters, digits and '-' (e.g. ci-push)"


def webhook_name_problem(value: str) -> str | None:
    if _WEBHOOK_NAME.match(value):
        return None
    return f"'{value}' is not an ACR webhook name: 5-50 letters and digits (e.g. deployhook)"


def resource_group_problem(value: str) -> str | None:
    if _RESOURCE_GROUP.match(value):
        return None
    return (
        f"'{value}' is not a resource group name: 1-90 letters, digits, '_', '-', '.', '(', ')', "
        "not ending in '.'"
    )


def location_problem(value: str) -> str | None:
    if _LOCATION.match(value):
        return None
    return f"'{value}' is not an Azure location name: lowercase letters and digits without spaces (e.g. westeurope, eastus2)"


def guid_problem(value: str) -> str | None:
    return None if _GUID.match(value) else f"'{value}' is not a GUID (00000000-0000-0000-0000-000000000000)"


def repository_problem(value: str) -> str | None:
    if len(value) <= 256 and _REPOSITORY.match(value):
        return None
    return (
        f"'{value}' is not an ACR repository: lowercase segments of letters and digits joined by '.', '_' "
        "or '-', separated by '/', optionally ending in '/*' for every repository under a namespace (e.g. team/api, team/*)"
    )


def cidr_problem(value: str) -> str | None:
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError:
        return f"'{value}' is not an IPv4 address or CIDR range with no host bits set (e.g. 203.0.113.0/24)"
    if network.version != 4:
        return f"'{value}' is IPv6; ACR IP rules take IPv4 addresses and ranges only"
    return None


def key_uri_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return None  # a pulumi.Output is checked by Azure
    if _KEY_URI.match(value):
        return None
    return (
        f"'{value}' is not a Key Vault key identifier: https://<vault>.vault.azure.net/keys/<name> "
        "(versionless: the registry follows key rotation) or .../keys/<name>/<32-hex version>"
    )


def identity_id_problem(value: Any) -> str | None:
    if not isinstance(value, str) or _IDENTITY_ID.match(value):
        return None
    return (
        f"'{value}' is not a user-assigned identity ID "
        "(/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>)"
    )


def vault_id_problem(value: Any) -> str | None:
    if not isinstance(value, str) or _VAULT_ID.match(value):
        return None
    return f"'{value}' is not a Key Vault resource ID (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.KeyVault/vaults/<name>)"


def _tags_problem(tags: dict[str, str]) -> str | None:
    if len(tags) > 50:
        return f"{len(tags)} tags; Azure allows at most 50"
    for key, value in tags.items():
        if not 1 <= len(key) <= 512 or len(value) > 256 or any(c in key for c in "<>%&\\?/"):
            return f"tag '{key}': names are 1-512 characters without < > % & \\ ? /, values at most 256"
    return None


RegistryName = Annotated[str, checked(registry_name_problem)]
ChildName = Annotated[str, checked(child_name_problem)]
WebhookName = Annotated[str, checked(webhook_name_problem)]
ResourceGroupName = Annotated[str, checked(resource_group_problem)]
Location = Annotated[str, checked(location_problem)]
Guid = Annotated[str, checked(guid_problem)]
Repository = Annotated[str, checked(repository_problem)]
Cidr = Annotated[str, checked(cidr_problem)]
Tags = Annotated[dict[str, str], checked(_tags_problem)]
