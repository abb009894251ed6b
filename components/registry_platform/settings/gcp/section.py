"""The `gcp` stack-config section model (see the package docstring); imported on demand by `settings.gcp`."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from ..base import SettingsModel, unique_names
from .ci import (
    CiServiceAccounts,
    CreateWorkloadIdentity,
    GcpCiServiceAccountSettings,
    GithubWorkloadIdentitySettings,
    ci_account_problems,
)
from .cleanup import CleanupSettings, DeleteRule, KeepMostRecent, KeepTagged
from .formats import Labels, Location, ProjectId, kms_key_location, parse_repository_name
from .iam import AccessSettings, AdditiveBinding
from .repository import ArtifactRepositoryArgs, RepositorySettings, UpstreamSettings
from . import __all__  # noqa: F401 the names this section exports, listed once in the package


class ArtifactRegistryArgs(SettingsModel):
    """Artifact Registry docker repositories in one project and location, with the shared registry output shape."""

    location: Location
    """Region (e.g. `europe-west1`) or multi-region (`us`, `europe`, `asia`) of every repository; the login server is `LOCATION-docker.pkg.dev`."""
    project: ProjectId | None = None
    """Project ID (default: the provider's, `gcp:project`)."""
    labels: Labels = Field(default_factory=dict)
    """Labels on every repository (`managed-by: registry-platform` is always added)."""
    repositories: Annotated[list[RepositorySettings], unique_names("repository", "repositoryId", "repository_id")] = Field(default_factory=list)
    """The docker repositories."""
    ci_service_accounts: CiServiceAccounts = Field(default_factory=list)
    """Service accounts for CI, scoped to these repositories (the registry's login identities; no deployer token is exported)."""
    github_workload_identity: GithubWorkloadIdentitySettings | None = None
    """Workload Identity Federation for GitHub Actions, for accounts with `githubSubjects` or `githubRepositories`."""
    enable_services: bool = False
    """Enable the APIs the stack uses (artifactregistry, containerscanning when a repository scans, iamcredentials and sts
    for CI identities). They are left enabled on destroy."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        if not invalid & {"ci_service_accounts", "repositories", "github_workload_identity"}:
            problems += ci_account_problems(self.ci_service_accounts, self.repositories, self.github_workload_identity)
        if "repositories" in invalid:
            return problems
        declared = {repository.repository_id: repository for repository in self.repositories}
        for index, repository in enumerate(self.repositories):
            path = f"repositories[{index}]"
            for u_index, upstream in enumerate(repository.upstreams):
                problems += self._upstream_problems(f"{path}.upstreams[{u_index}].repository", upstream.repository, declared, invalid)
            key_location = kms_key_location(repository.kms_key_name)
            if "location" not in invalid and key_location and key_location != self.location:
                problems.append((
                    f"{path}.kmsKeyName",
                    f"the key is in {key_location} but the repository is in {self.location}; Artifact Registry needs a key in its own location",
                ))
        return problems

    def _upstream_problems(self, path: str, name: str, declared: dict[str, RepositorySettings], invalid: frozenset[str]) -> list[tuple[str, str]]:
        parsed = parse_repository_name(name)
        if parsed is None:
            if name not in declared:
                valid = ", ".join(sorted(r for r, s in declared.items() if s.mode == "STANDARD")) or "none declared"
                return [(path, f"'{name}' is not in gcp.repositories ({valid}); give a repository ID of this stack or a full name")]
            if declared[name].mode == "VIRTUAL":
                return [(path, f"'{name}' is itself VIRTUAL; upstreams must store images (STANDARD, later REMOTE)")]
            return []
        problems = []
        if "location" not in invalid and parsed["location"] != self.location:
            problems.append((path, f"the upstream is in {parsed['location']}; a virtual repository's upstreams must be in its own location ({self.location})"))
        return problems

