"""Who may use a project: robot accounts (the CI credentials) and members (people and groups).

Robots are the only credentials that reach the outputs. Each one has an expiry: `durationDays`, or
`neverExpires: true` said out loud (Harbor's own default, -1, is never taken silently).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ..base import SecretInput, SettingsModel, checked
from .formats import MAX_ROBOT_DURATION_DAYS, robot_name_problem, robot_secret_problem

RobotName = Annotated[str, checked(robot_name_problem)]


class RobotSettings(SettingsModel):
    """A robot account for CI: pull, or push and pull, with an expiry."""

    name: RobotName
    """Robot name (lowercase, e.g. `ci`); Harbor's full name, the `docker login` user, is in the outputs."""
    access: Literal["pull", "push"] = "pull"
    """`pull`, or `push` (push and pull)."""
    duration_days: int | None = Field(None, ge=1, le=MAX_ROBOT_DURATION_DAYS)
    """Days until the robot's secret expires (counted by Harbor from creation). Required unless `neverExpires: true`."""
    never_expires: bool = False
    """Let the secret never expire; must be said explicitly (give `durationDays` otherwise)."""
    secret: Annotated[SecretInput, checked(robot_secret_problem)] | None = None
    """The robot's secret as a config secret (8-128 characters, upper, lower, digit); generated and kept in state when absent."""
    description: str | None = None
    """Text shown in Harbor (default: says which stack made it and for what)."""
    disabled: bool = False
    """Keep the robot but refuse its logins."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        if invalid & {"duration_days", "never_expires"}:
            return []
        if self.duration_days is None and not self.never_expires:
            return [("durationDays", "required: the days until the robot's secret expires (or `neverExpires: true`, explicitly)")]
        if self.duration_days is not None and self.never_expires:
            return [("neverExpires", "give durationDays or neverExpires: true, not both")]
        return []

    @property
    def duration(self) -> int:
        """What Harbor takes: days, or -1 for never."""
        return -1 if self.never_expires else int(self.duration_days or 0)


class SystemRobotSettings(RobotSettings):
    """A system-level robot spanning several projects of this section (needs an admin connection)."""

    projects: list[str] = Field(default_factory=list)
    """Projects (or proxy-cache projects) of this section it may use; all of them when empty."""


Role = Literal["projectadmin", "maintainer", "developer", "guest", "limitedguest"]
PROVIDER_ROLES = {"maintainer": "master"}
"""Harbor's UI says maintainer; the provider reads the role back as `master`, so that is what it is given."""


class UserMember(SettingsModel):
    name: Annotated[str, Field(min_length=1)]
    """Harbor user name (the user must exist, e.g. from LDAP or OIDC login)."""
    role: Role
    """projectadmin, maintainer, developer, guest or limitedguest."""


class GroupMember(SettingsModel):
    name: Annotated[str, Field(min_length=1)]
    """Group name."""
    type: Literal["ldap", "internal", "oidc"]
    """Where the group comes from."""
    role: Role
    """projectadmin, maintainer, developer, guest or limitedguest."""
    ldap_group_dn: str | None = None
    """Required with type ldap (Harbor finds LDAP groups by it): the group's distinguished name."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        if invalid & {"type", "ldap_group_dn"}:
            return []
        if self.ldap_group_dn is not None and self.type != "ldap":
            return [("ldapGroupDn", "only applies with `type: ldap`")]
        if self.type == "ldap" and not (self.ldap_group_dn or "").strip():
            return [("ldapGroupDn", "required with `type: ldap`: Harbor finds an LDAP group by its distinguished name, "
                                    "e.g. `ldapGroupDn: cn=ops,ou=groups,dc=example,dc=com`")]
        return []


class MembersSettings(SettingsModel):
    """Project members. Robots are not members: list them under `robots`."""

    users: list[UserMember] = Field(default_factory=list)
    """Users and their roles."""
    groups: list[GroupMember] = Field(default_factory=list)
    """Groups and their roles."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        problems = []
        for key, field in (("users", "users"), ("groups", "groups")):
            if field in invalid:
                continue
            first: dict[str, int] = {}
            for index, member in enumerate(getattr(self, field)):
                if member.name in first:
                    problems.append((f"{key}[{index}].name", f"'{member.name}' is already {key}[{first[member.name]}]; give one role per member"))
                first.setdefault(member.name, index)
        return problems
