"""Network access to the registry: public access, IP allow lists (Premium) and the trusted-services bypass."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..base import SettingsModel
from .formats import Cidr

MAX_IP_RULES = 200
"""ACR's limit of IP rules per registry."""


class NetworkRuleSetSettings(SettingsModel):
    """Premium only. Which public clients may reach the registry; anything not listed gets `defaultAction`."""

    default_action: Literal["Deny", "Allow"] = "Deny"
    """What happens to a client no IP rule matches. `Deny` (the default) makes `ipRules` an allow list."""
    ip_rules: list[Cidr] = Field(default_factory=list, max_length=MAX_IP_RULES)
    """IPv4 addresses or CIDR ranges allowed in (at most 200)."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        if invalid & {"ip_rules", "default_action"}:
            return []
        if len(set(self.ip_rules)) != len(self.ip_rules):
            return [("ipRules", "lists the same address or range twice")]
        if self.default_action == "Allow" and self.ip_rules:
            return [("ipRules", "has no effect with `defaultAction: Allow` (every client is allowed); use Deny")]
        return []
