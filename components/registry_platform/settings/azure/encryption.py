"""Customer-managed key (Premium): registry content encrypted with a Key Vault key, read by a user-assigned identity."""

from __future__ import annotations

from typing import Annotated

from ..base import SettingsModel, StringInput, checked
from .formats import identity_id_problem, key_uri_problem, vault_id_problem

KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER = "e147488a-f6f5-4113-8e2d-b22465e65bf6"
"""Built-in role: read keys, wrap and unwrap (RBAC-model vaults)."""


class CustomerManagedKeySettings(SettingsModel):
    """Premium only. Encrypt the registry with your Key Vault key instead of a Microsoft-managed one. Set at
    creation only: adding or removing it later replaces the registry (and loses its images)."""

    key_identifier: Annotated[StringInput, checked(key_uri_problem)]
    """The key: https://<vault>.vault.azure.net/keys/<name> (versionless: ACR follows rotation) or with a version."""
    user_assigned_identity_id: Annotated[StringInput, checked(identity_id_problem)] | None = None
    """An existing user-assigned identity that can already wrap and unwrap with the key."""
    key_vault_id: Annotated[StringInput, checked(vault_id_problem)] | None = None
    """Without `userAssignedIdentityId`: the vault (RBAC permission model) holding the key. The component creates an
    identity and grants it Key Vault Crypto Service Encryption User on this vault before the registry is created."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        if invalid & {"user_assigned_identity_id", "key_vault_id"}:
            return []
        if (self.user_assigned_identity_id is None) == (self.key_vault_id is None):
            return [("", "give exactly one of userAssignedIdentityId (an identity with access to the key) or "
                         "keyVaultId (an identity is created and granted access on that vault)")]
        return []
