"""Role definitions and deterministic role-assignment names (pure functions, plus one lookup per role).

Built-in role GUIDs are the same in every subscription; the full role definition ID is
`/subscriptions/<sub>/providers/Microsoft.Authorization/roleDefinitions/<guid>`, with `<sub>` the
deployer's subscription (`getClientConfig`). Nothing is hard-coded per subscription, and the
definition is read from Azure (`getRoleDefinition`) so a wrong GUID fails in the preview.
"""

from __future__ import annotations

import uuid

ROLE_ASSIGNMENT_NAMESPACE = uuid.UUID("6f1c1d54-7c1e-4f7c-9a43-3b8e2a1d0c55")
"""uuid5 namespace of the library's role-assignment names (any fixed UUID; never change it)."""


def role_definition_id(subscription_id: str, guid: str) -> str:
    return f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def registry_resource_id(subscription_id: str, resource_group: str, registry: str) -> str:
    """The registry's ARM ID, known before it exists (so names derived from it are known in a preview)."""
    return (
        f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}"
        f"/providers/Microsoft.ContainerRegistry/registries/{registry}"
    )


def role_assignment_name(scope: str, principal_id: str, role_guid: str) -> str:
    """A GUID from scope, principal and role (as AVM's `guid(...)`): stable across runs, unique per triple."""
    return str(uuid.uuid5(ROLE_ASSIGNMENT_NAMESPACE, f"{scope.lower()}|{principal_id.lower()}|{role_guid.lower()}"))
