"""Settings of Harbor (`registry-platform:harbor`): the connection to an existing Harbor, its
projects and proxy-cache projects with their policies, members and robots, and Harbor-wide settings.

`HarborRegistryArgs` is both the stack-config section and the args of `HarborRegistry`. Defaults are
the secure ones: TLS verified (the provider's own default is not to verify), private projects,
scan on push, robots with an expiry, secrets only as config secrets.

Split by concern: `formats` (names, schedules, URLs), `policies` (retention, immutability,
webhooks), `access` (robots, members), `project` (projects, proxy caches), `system` (Harbor-wide).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field

from ..base import SecretInput, SettingsModel, checked, unique_names
from ..certificates import load_certificate
from .access import GroupMember, MembersSettings, RobotSettings, SystemRobotSettings, UserMember
from .formats import https_url_problem, url_host
from .policies import ImmutableTagRule, RetentionRule, RetentionSettings, Selector, WebhookSettings
from .project import ProjectOptions, ProjectSettings, ProxyCacheSettings, UpstreamSettings
from .system import AuditLogPurgeSettings, GarbageCollectionSettings, ScanAllSettings, SystemSettings


def _ca_problem(value: str) -> str | None:
    if "-----BEGIN CERTIFICATE-----" in value and load_certificate(value) is not None:
        return None
    return "is not a PEM certificate (-----BEGIN CERTIFICATE-----)"


class HarborRegistryArgs(SettingsModel):
    """An existing Harbor, managed through the pulumiverse-harbor provider with an explicit provider resource."""

    url: Annotated[str, checked(https_url_problem)]
    """Harbor's URL, e.g. `https://harbor.example.com` (its host and port are the docker login server); no `user:password@`: that goes in `username` and `password`."""
    username: Annotated[str, Field(min_length=1)]
    """User the provider logs in as: an admin, or a system robot (`robot$name`) with the permissions used here."""
    password: SecretInput
    """That user's password or robot secret, as a config secret."""
    robot_prefix: Annotated[str, Field(min_length=1)] = "robot$"
    """Harbor's robot name prefix (its `robot_name_prefix` setting). Given to the provider, which otherwise reads it from an admin-only API."""
    ca_certificate_pem: Annotated[str, checked(_ca_problem)] | None = None
    """PEM of the private CA that signed Harbor's certificate: exported for clients. The provider cannot take it: the machine running `pulumi` must trust it (see the README)."""
    insecure: bool = False
    """Skip TLS verification of Harbor's certificate (and allow an http:// URL). Off; `true` logs a warning on every run."""
    projects: Annotated[list[ProjectSettings], unique_names("project")] = Field(default_factory=list)
    """Projects."""
    proxy_caches: Annotated[list[ProxyCacheSettings], unique_names("proxy cache")] = Field(default_factory=list)
    """Proxy-cache projects, each with its upstream registry endpoint."""
    robots: Annotated[list[SystemRobotSettings], unique_names("robot")] = Field(default_factory=list)
    """System-level robots spanning several projects (one login for all of them; needs an admin connection)."""
    system: SystemSettings | None = None
    """Harbor-wide settings (garbage collection, scan-all, audit log purge); set them in one stack per Harbor."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        if not invalid & {"url", "insecure"} and urlsplit(self.url).scheme == "http" and not self.insecure:
            problems.append(("url", "is plain http: the password would cross the network unencrypted; use https (or `insecure: true`, explicitly)"))
        if not invalid & {"projects", "proxy_caches"}:
            first = {project.name: index for index, project in reversed(list(enumerate(self.projects)))}
            for index, cache in enumerate(self.proxy_caches):
                if cache.name in first:
                    problems.append((
                        f"proxyCaches[{index}].name",
                        f"'{cache.name}' is already projects[{first[cache.name]}]; a proxy cache is a Harbor project, and project names must be unique",
                    ))
        if not invalid & {"projects", "proxy_caches", "robots"}:
            problems += self._system_robot_problems()
        return problems

    def _system_robot_problems(self) -> list[tuple[str, str]]:
        names = [p.name for p in self.projects]
        caches = {p.name for p in self.proxy_caches}
        problems = []
        for index, robot in enumerate(self.robots):
            for p_index, project in enumerate(robot.projects):
                if project not in names and project not in caches:
                    known = ", ".join([*names, *caches]) or "none"
                    problems.append((f"robots[{index}].projects[{p_index}]", f"'{project}' is not a project of this section (projects and proxyCaches: {known})"))
                elif project in caches and robot.access == "push":
                    problems.append((f"robots[{index}].projects[{p_index}]", f"'{project}' is a proxy cache, which takes no pushes; give the robot `access: pull` or leave it out"))
            if not robot.projects and not names and not caches:
                problems.append((f"robots[{index}].projects", "there are no projects in this section for the robot to use"))
            if not robot.projects and robot.access == "push" and caches:
                problems.append((f"robots[{index}].projects", "a push robot cannot cover the proxy caches; list the projects it pushes to"))
        return problems

    @property
    def login_server(self) -> str:
        """`host[:port]` of the URL: what `docker login` and image names take."""
        return url_host(self.url)

    def robot_projects(self, robot: SystemRobotSettings) -> list[str]:
        return list(robot.projects) or [p.name for p in [*self.projects, *self.proxy_caches]]


__all__ = [
    "AuditLogPurgeSettings",
    "GarbageCollectionSettings",
    "GroupMember",
    "HarborRegistryArgs",
    "ImmutableTagRule",
    "MembersSettings",
    "ProjectOptions",
    "ProjectSettings",
    "ProxyCacheSettings",
    "RetentionRule",
    "RetentionSettings",
    "RobotSettings",
    "ScanAllSettings",
    "Selector",
    "SystemRobotSettings",
    "SystemSettings",
    "UpstreamSettings",
    "UserMember",
    "WebhookSettings",
]
