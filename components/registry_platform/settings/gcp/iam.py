"""Who may use a repository: `access` (pull/push, the shape every registry shares) plus the fabric IAM
interface (`iam` {ROLE: [MEMBERS]}, authoritative per role; `iamBindingsAdditive`).

Public members (`allUsers`, `allAuthenticatedUsers`) are refused unless the repository says
`public: true`, and even then only for reading.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field

from ..base import SettingsModel, checked
from .formats import PUBLIC_MEMBERS, Member, Role

READER_ROLE = "roles/artifactregistry.reader"
WRITER_ROLE = "roles/artifactregistry.writer"
ACCESS_ROLES = {"pull": READER_ROLE, "push": WRITER_ROLE}
"""What `access.pull` / `access.push` (and a CI service account's access) grant on a repository."""
_BINDING_KEY = re.compile(r"^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$")


def _binding_key_problem(value: str) -> str | None:
    if _BINDING_KEY.match(value):
        return None
    return f"'{value}' is not a binding key: 1-32 lowercase letters, digits and inner '-' (e.g. ci-reader)"


class AccessSettings(SettingsModel):
    """Readers and writers of a repository, granted additively (other grants on the repository stay)."""

    pull: list[Member] = Field(default_factory=list)
    """Members granted `roles/artifactregistry.reader`."""
    push: list[Member] = Field(default_factory=list)
    """Members granted `roles/artifactregistry.writer` (push and pull)."""


class AdditiveBinding(SettingsModel):
    """One role for one member, added beside whatever else holds the role."""

    role: Role
    """The role, e.g. `roles/artifactregistry.repoAdmin`."""
    member: Member
    """The member, e.g. `group:platform@acme.example`."""


IamBindings = dict[Role, list[Member]]
AdditiveBindings = dict[Annotated[str, checked(_binding_key_problem)], AdditiveBinding]


def member_grants(access: AccessSettings, iam: dict[str, list[str]], additive: dict[str, AdditiveBinding]) -> list[tuple[str, str, str]]:
    """(config sub-path, role, member) of every grant on a repository."""
    grants = [(f"access.{key}[{i}]", ACCESS_ROLES[key], m) for key in ("pull", "push") for i, m in enumerate(getattr(access, key))]
    grants += [(f"iam.{role}[{i}]", role, m) for role, members in iam.items() for i, m in enumerate(members)]
    grants += [(f"iamBindingsAdditive.{key}.member", b.role, b.member) for key, b in additive.items()]
    return grants


def public_grant_problems(grants: list[tuple[str, str, str]], public: bool) -> list[tuple[str, str]]:
    """`allUsers` / `allAuthenticatedUsers`: only with `public: true`, and only as readers."""
    problems = []
    for path, role, member in grants:
        if member not in PUBLIC_MEMBERS:
            continue
        if role != READER_ROLE:
            problems.append((path, f"{member} may only be granted {READER_ROLE} (it would let anyone change the repository)"))
        elif not public:
            problems.append((path, f"{member} makes the repository public; set `public: true` on the repository to mean it"))
    return problems


def overlap_problems(access: AccessSettings, iam: dict[str, list[str]], additive: dict[str, AdditiveBinding]) -> list[tuple[str, str]]:
    """A role set authoritatively in `iam` would remove the additive grants of the same role."""
    problems = []
    for key in ("pull", "push"):
        if getattr(access, key) and ACCESS_ROLES[key] in iam:
            problems.append((f"access.{key}", f"{ACCESS_ROLES[key]} is set authoritatively in `iam`; list these members there instead"))
    for key, binding in additive.items():
        if binding.role in iam:
            problems.append((f"iamBindingsAdditive.{key}.role", f"{binding.role} is set authoritatively in `iam`; list the member there instead"))
    return problems
