"""CI access to ACR without the admin user: scope-map tokens and Azure role assignments.

Tokens are the registry's login identities in the shared output shape (username = token name, a
password generated through the API, secret). Role assignments follow the Azure Verified Modules
`roleAssignments` interface (`roleDefinitionIdOrName`, `principalId`, `principalType`, `condition`,
`name`) and give Microsoft Entra principals (CI workload identities, AKS kubelets) RBAC on the
registry; they have no password: such principals log in with `az acr login`.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field

from ..base import SettingsModel, checked, unique_names
from .formats import ChildName, Guid, Repository, guid_problem

BUILTIN_ROLES: dict[str, str] = {
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "AcrPush": "8311e382-0749-4cb8-b61a-304f252e45ec",
    "AcrDelete": "c2f4ef07-c644-48eb-af81-4b1b4947fb11",
    "Reader": "acdd72a7-3299-48f4-9a46-8e8a6f8a3f84",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
}
"""Built-in role names accepted by `roleDefinitionIdOrName` -> their role definition GUID. A built-in role
has the same GUID in every subscription; the full ID is completed with the deployer's subscription at
deploy time, and the definition is read from Azure before it is assigned."""

CI_ACCESS_OF_ROLE: dict[str, Literal["pull", "push"]] = {
    BUILTIN_ROLES["AcrPull"]: "pull",
    BUILTIN_ROLES["AcrPush"]: "push",
}
"""Roles whose principals are listed as CI identities of the registry."""

_ROLE_DEFINITION_ID = re.compile(
    r"^(/subscriptions/[0-9a-fA-F-]{36})?/providers/Microsoft\.Authorization/roleDefinitions/"
    r"(?P<guid>[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12})$"
)

TOKEN_ACTIONS: dict[str, tuple[str, ...]] = {
    "pull": ("content/read", "metadata/read"),
    "push": ("content/read", "content/write", "metadata/read"),
}
"""Scope-map actions per repository. Neither grants delete or metadata writes (locks)."""


def role_guid(value: str) -> str | None:
    """The role definition GUID of a `roleDefinitionIdOrName` (None when it is not one)."""
    if value in BUILTIN_ROLES:
        return BUILTIN_ROLES[value]
    if guid_problem(value) is None:
        return value.lower()
    match = _ROLE_DEFINITION_ID.match(value)
    return match.group("guid").lower() if match else None


def _role_problem(value: str) -> str | None:
    if role_guid(value) is not None:
        return None
    lowered = {name.lower(): name for name in BUILTIN_ROLES}
    hint = f"did you mean `{lowered[value.lower()]}`? " if value.lower() in lowered else ""
    return (
        f"'{value}' is not a role: {hint}give a built-in role name ({', '.join(BUILTIN_ROLES)}), a role definition "
        "GUID, or its ID (/providers/Microsoft.Authorization/roleDefinitions/<guid>)"
    )


class TokenSettings(SettingsModel):
    """A repository-scoped token for CI (a scope map of the same name plus the token), with a password
    generated through the ACR API at deploy time and exported only as a secret."""

    name: ChildName
    """Token name: the `docker login` user name (5-50 letters, digits, '-'). The scope map gets the same name."""
    access: Literal["pull", "push"]
    """`pull` (content/read, metadata/read) or `push` (also content/write). Never delete."""
    repositories: Annotated[
        list[Repository], checked(lambda items: "lists a repository twice" if len(set(items)) != len(items) else None)
    ] = Field(min_length=1, max_length=500)
    """Repositories the token may use (`team/api`), or every repository under a namespace (`team/*`)."""
    password_expiry: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
    """When the password stops working (ISO 8601, e.g. 2027-01-01T00:00:00Z); none: it does not expire.
    Changing it generates a new password."""
    password_version: int = Field(1, ge=1)
    """Bump to generate a new password (rotation); the old one stops working on the next `pulumi up`."""


class RoleAssignmentSettings(SettingsModel):
    """An Azure role assignment on the registry (the AVM `roleAssignments` interface)."""

    role_definition_id_or_name: Annotated[str, checked(_role_problem)]
    """A built-in role name (AcrPull, AcrPush, AcrDelete, Reader, Contributor, Owner), a role definition GUID,
    or its ID. Names are resolved to built-in GUIDs; the subscription part comes from the deployer's provider."""
    principal_id: Guid
    """Object ID of the user, group, service principal or managed identity."""
    principal_type: Literal["User", "Group", "ServicePrincipal", "ForeignGroup", "Device"] = "ServicePrincipal"
    """The principal's type. Default `ServicePrincipal` (CI workloads and managed identities): pulumi-azure-native
    would otherwise send `User`, which Azure rejects for any other kind of principal."""
    condition: str | None = Field(None, min_length=1)
    """An ABAC condition (condition version 2.0 is set with it)."""
    name: Guid | None = None
    """The assignment's name, a GUID (default: derived from registry ID, principal and role, so it is stable)."""

    @property
    def role_guid(self) -> str:
        guid = role_guid(self.role_definition_id_or_name)
        assert guid is not None  # validated
        return guid


def role_assignment_problems(assignments: list[RoleAssignmentSettings]) -> str | None:
    seen: set[tuple[str, str]] = set()
    names: set[str] = set()
    for assignment in assignments:
        key = (assignment.role_guid, assignment.principal_id.lower())
        if key in seen:
            return f"principal {assignment.principal_id} gets role {assignment.role_definition_id_or_name} twice"
        seen.add(key)
        if assignment.name is not None:
            if assignment.name.lower() in names:
                return f"name {assignment.name} is used twice; role assignment names must be unique"
            names.add(assignment.name.lower())
    return None


Tokens = Annotated[list[TokenSettings], unique_names("token")]
RoleAssignments = Annotated[list[RoleAssignmentSettings], checked(role_assignment_problems)]
