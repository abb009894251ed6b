"""Pure pieces of the Artifact Registry IAM: GitHub Workload Identity members and provider settings,
the repository grants, default service account IDs (no Pulumi, no GCP calls)."""

from __future__ import annotations

import hashlib
from typing import Iterable

from ..settings.gcp.ci import GcpCiServiceAccountSettings
from ..settings.gcp.iam import ACCESS_ROLES, member_grants
from ..settings.gcp.repository import RepositorySettings

IAM_HOST = "iam.googleapis.com"
WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser"
TOKEN_CREATOR = "roles/iam.serviceAccountTokenCreator"
GITHUB_ATTRIBUTE_MAPPING = {
    "google.subject": "assertion.sub",
    "attribute.repository": "assertion.repository",
    "attribute.repository_owner": "assertion.repository_owner",
    "attribute.ref": "assertion.ref",
}
"""What the created provider maps from GitHub's token; `attribute.repository` backs `githubRepositories`."""


def attribute_condition(repositories: Iterable[str]) -> str:
    """A CEL condition admitting only tokens of these GitHub repositories (sorted, so it is stable)."""
    names = sorted(set(repositories))
    if not names:
        # Nothing is listed yet: admit nobody rather than every GitHub user.
        return "false"
    quoted = ", ".join(f"'{name}'" for name in names)
    return f"assertion.repository in [{quoted}]"


def github_members(pool_name: str, account: GcpCiServiceAccountSettings) -> list[str]:
    """The Workload Identity members of an account: one `principal://` per subject, one `principalSet://` per repository."""
    members = [f"principal://{IAM_HOST}/{pool_name}/subject/{subject}" for subject in account.github_subjects]
    members += [f"principalSet://{IAM_HOST}/{pool_name}/attribute.repository/{repo}" for repo in account.github_repositories]
    return sorted(members)


def default_account_id(name: str, project: str, stack: str, component: str) -> str:
    """`ar-<name>-<6 hex>`: unique per project, stack and component, the same on every run (at most 30 characters)."""
    digest = hashlib.sha256(f"{project}/{stack}/{component}".encode()).hexdigest()[:6]
    return f"ar-{name}-{digest}"


def member_key(member: str) -> str:
    """A short stable key for a member (resource names stay valid whatever the member contains)."""
    return hashlib.sha256(member.encode()).hexdigest()[:8]


def role_key(role: str) -> str:
    """`roles/artifactregistry.reader` -> `reader`; custom roles keep their last segment."""
    return role.rsplit("/", 1)[-1].rsplit(".", 1)[-1].lower()


def repository_member_grants(repository: RepositorySettings) -> list[tuple[str, str]]:
    """(role, member) granted additively on a repository: `access` and `iamBindingsAdditive`, deduplicated."""
    grants = member_grants(repository.access, {}, repository.iam_bindings_additive)
    return sorted({(role, member) for _, role, member in grants})


__all__ = ["ACCESS_ROLES", "attribute_condition", "default_account_id", "github_members", "repository_member_grants"]
