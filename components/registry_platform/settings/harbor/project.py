"""Harbor projects and proxy-cache projects.

A proxy-cache project is a project whose images come from an upstream registry (Docker Hub, GHCR,
another Harbor...): `harbor.proxyCaches` declares the upstream as a Harbor registry endpoint,
with its credentials as secrets, and the project that points at it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ..base import SecretInput, SettingsModel, checked, unique_names
from .access import MembersSettings, RobotSettings
from .formats import cve_problem, https_url_problem, project_name_problem
from .policies import ImmutableTagRules, RetentionSettings, WebhookSettings

ProjectName = Annotated[str, checked(project_name_problem)]

Severity = Literal["critical", "high", "medium", "low"]


class ProjectOptions(SettingsModel):
    """What every project (plain or proxy cache) may set."""

    name: ProjectName
    """Project name: the path under the Harbor host (`HOST/NAME/repository:tag`)."""
    public: bool = False
    """Let anyone pull without logging in (off: private; only members and robots pull)."""
    storage_quota_gb: int | None = Field(None, ge=1)
    """Storage quota in GB (none: Harbor's default, unlimited unless the system default says otherwise)."""
    vulnerability_scanning: bool = True
    """Scan every image on push."""
    prevent_vulnerable: Severity | None = None
    """Refuse pulls of images with a vulnerability of this severity or worse (`critical`, `high`, `medium`, `low`); off when absent. Images must have been scanned."""
    cve_allowlist: list[Annotated[str, checked(cve_problem)]] = Field(default_factory=list)
    """CVE IDs that `preventVulnerable` ignores in this project."""
    content_trust: Literal["none", "cosign", "notary"] = "none"
    """Only signed images may be pulled: `cosign` signatures, or `notary` (Harbor before 2.9 only; Notary was removed in 2.9)."""
    auto_sbom_generation: bool = False
    """Generate an SBOM for every pushed image (Harbor 2.11 or later)."""
    force_destroy: bool = False
    """Let `pulumi destroy` delete the project while it still holds repositories (they are lost)."""
    members: MembersSettings = Field(default_factory=MembersSettings)
    """Users and groups with their roles."""
    robots: Annotated[list[RobotSettings], unique_names("robot")] = Field(default_factory=list)
    """Project-level robot accounts for CI (`robot$PROJECT+NAME`)."""
    retention: RetentionSettings | None = None
    """Tag retention policy; none when absent (nothing is deleted)."""
    immutable_tags: ImmutableTagRules = Field(default_factory=list)
    """Tag immutability rules (at most 15)."""
    webhooks: Annotated[list[WebhookSettings], unique_names("webhook")] = Field(default_factory=list)
    """Webhooks."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        if not invalid & {"cve_allowlist", "prevent_vulnerable"} and self.cve_allowlist and self.prevent_vulnerable is None:
            problems.append(("cveAllowlist", "only applies with `preventVulnerable` (it lists CVEs that do not block pulls)"))
        return problems


class ProjectSettings(ProjectOptions):
    """A Harbor project (an entry of `harbor.projects`)."""


UpstreamProvider = Literal["docker-hub", "docker-registry", "harbor", "github", "quay", "aws", "azure", "google", "jfrog"]
"""Upstream kinds Harbor can proxy, as the provider names them."""

DEFAULT_ENDPOINTS = {
    "docker-hub": "https://hub.docker.com",
    "github": "https://ghcr.io",
    "quay": "https://quay.io",
}


class UpstreamSettings(SettingsModel):
    """The registry a proxy cache pulls from: a Harbor registry endpoint."""

    provider: UpstreamProvider
    """Kind of upstream: docker-hub, docker-registry (any registry:2), harbor, github (GHCR), quay, aws (ECR), azure (ACR), google (GCR/GAR), jfrog."""
    endpoint_url: Annotated[str, checked(https_url_problem)] | None = None
    """Upstream URL (default for docker-hub https://hub.docker.com, github https://ghcr.io, quay https://quay.io; required for the others); no `user:password@`: that goes in `username` and `password`."""
    username: str | None = None
    """User (or access key ID) Harbor logs in to the upstream with; anonymous when absent."""
    password: SecretInput | None = None
    """Password, token or access key secret for `username`, as a config secret."""
    insecure: bool = False
    """Do not verify the upstream's TLS certificate (off: it is verified)."""
    description: str | None = None
    """Text shown in Harbor."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        if not invalid & {"provider", "endpoint_url"} and self.endpoint_url is None and self.provider not in DEFAULT_ENDPOINTS:
            problems.append(("endpointUrl", f"required for provider {self.provider} (only {', '.join(DEFAULT_ENDPOINTS)} have a default)"))
        if not invalid & {"username", "password"} and (self.username is None) != (self.password is None):
            problems.append(("password" if self.username else "username", "give username and password together, or neither (anonymous)"))
        return problems

    @property
    def endpoint(self) -> str:
        return self.endpoint_url or DEFAULT_ENDPOINTS[self.provider]


class ProxyCacheSettings(ProjectOptions):
    """A proxy-cache project (an entry of `harbor.proxyCaches`): pulls of `HOST/NAME/<image>` are served from the upstream and cached."""

    upstream: UpstreamSettings
    """The registry it caches."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        problems = super().cross_field_problems(invalid)
        if "robots" not in invalid:
            for index, robot in enumerate(self.robots):
                if robot.access == "push":
                    problems.append((f"robots[{index}].access", "a proxy-cache project takes no pushes; give `access: pull`"))
        return problems
