"""CI identities for Artifact Registry: service accounts with reader or writer on exactly the stack's
listed repositories, usable by GitHub Actions through Workload Identity Federation (no key is ever
created) and, on opt-in, by a deploy-time access token of that service account.

The deployer's own token never reaches an output: the opt-in token is minted for the CI service
account (`impersonators` must name whoever runs `pulumi up`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field

from ..base import SettingsModel, checked, unique_names
from .formats import PUBLIC_MEMBERS, Member

if TYPE_CHECKING:
    from .repository import RepositorySettings

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
TOKEN_LIFETIME_SECONDS = 3600
"""Lifetime of the opt-in access token: Google's default, and its maximum without an org policy exception."""
MAX_SUBJECT_LENGTH = 127
"""`google.subject` may hold at most 127 bytes."""

_KEY = re.compile(r"^[a-z][a-z0-9-]{0,18}[a-z0-9]$|^[a-z]$")
_ACCOUNT_ID = re.compile(r"^[a-z]([-a-z0-9]{4,28}[a-z0-9])$")
_POOL_ID = re.compile(r"^(?!gcp-)[a-z0-9-]{4,32}$")
_PROVIDER_NAME = re.compile(
    r"^projects/\d+/locations/global/workloadIdentityPools/(?!gcp-)[a-z0-9-]{4,32}/providers/(?!gcp-)[a-z0-9-]{4,32}$"
)
_OWNER_REPO = r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+"
_GITHUB_REPOSITORY = re.compile(rf"^{_OWNER_REPO}$")
_GITHUB_SUBJECT = re.compile(rf"^repo:(?P<repository>{_OWNER_REPO}):(ref:refs/(heads|tags)/\S+|environment:\S+|pull_request)$")


def _key_problem(value: str) -> str | None:
    if _KEY.match(value):
        return None
    return f"'{value}' is not a CI service account name: 1-20 lowercase letters, digits and inner '-', starting with a letter (e.g. push, pull)"


def _account_id_problem(value: str) -> str | None:
    if _ACCOUNT_ID.match(value):
        return None
    return f"'{value}' is not a service account ID: 6-30 lowercase letters, digits and '-', starting with a letter, not ending with '-'"


def _pool_id_problem(value: str) -> str | None:
    if _POOL_ID.match(value):
        return None
    return f"'{value}' is not a pool or provider ID: 4-32 lowercase letters, digits and '-' (the prefix gcp- is reserved)"


def _provider_name_problem(value: str) -> str | None:
    if _PROVIDER_NAME.match(value):
        return None
    return (
        f"'{value}' is not a Workload Identity provider name: "
        "projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER"
    )


def github_repository_problem(value: str) -> str | None:
    if _GITHUB_REPOSITORY.match(value):
        return None
    return f"'{value}' is not a GitHub repository: OWNER/NAME (e.g. acme/api; no wildcards)"


def github_subject_problem(value: str) -> str | None:
    if "*" in value:
        return f"'{value}': Workload Identity matches subjects exactly, '*' is not a wildcard; use githubRepositories for every workflow of a repository"
    if len(value.encode()) > MAX_SUBJECT_LENGTH:
        return f"'{value}' is longer than {MAX_SUBJECT_LENGTH} bytes, the limit of google.subject"
    if _GITHUB_SUBJECT.match(value):
        return None
    return (
        f"'{value}' is not a GitHub Actions subject: repo:OWNER/NAME:ref:refs/heads/BRANCH, repo:OWNER/NAME:ref:refs/tags/TAG, "
        "repo:OWNER/NAME:environment:NAME or repo:OWNER/NAME:pull_request"
    )


def subject_repository(subject: str) -> str:
    """`repo:acme/api:ref:refs/heads/main` -> `acme/api`."""
    match = _GITHUB_SUBJECT.match(subject)
    assert match is not None
    return match.group("repository")


def _impersonator_problem(value: str) -> str | None:
    if value in PUBLIC_MEMBERS:
        return f"{value} would let anyone act as the CI service account"
    return None


GithubSubject = Annotated[str, checked(github_subject_problem)]
GithubRepository = Annotated[str, checked(github_repository_problem)]
PoolId = Annotated[str, checked(_pool_id_problem)]


class CreateWorkloadIdentity(SettingsModel):
    """A pool and a GitHub OIDC provider created by this stack. Its attribute condition admits only the
    GitHub repositories the CI service accounts list (a provider without one admits every GitHub user)."""

    pool_id: PoolId = "github"
    """Pool ID (unique in the project; a deleted pool's ID stays taken for 30 days)."""
    provider_id: PoolId = "github-actions"
    """Provider ID within the pool."""


class GithubWorkloadIdentitySettings(SettingsModel):
    """Workload Identity Federation for GitHub Actions: create a pool and provider here, or name an existing provider."""

    create: CreateWorkloadIdentity | None = None
    """Create a pool and provider in `gcp.project`."""
    provider_name: Annotated[str, checked(_provider_name_problem)] | None = None
    """An existing provider (projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER). It must have
    an attribute condition restricting it to your repositories and map `attribute.repository`."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        if invalid & {"create", "provider_name"}:
            return []
        if (self.create is None) == (self.provider_name is None):
            return [("", "give exactly one of `create: {}` (pool and provider made here) or `providerName`")]
        return []

    @property
    def pool_name(self) -> str | None:
        """The existing pool's full name (from `providerName`); None when the pool is created here."""
        return self.provider_name.rsplit("/providers/", 1)[0] if self.provider_name else None


class GcpCiServiceAccountSettings(SettingsModel):
    """A service account for CI: `roles/artifactregistry.reader` (pull) or `.writer` (push) on exactly the
    listed repositories of this stack. No key is created; CI uses Workload Identity or impersonation."""

    name: Annotated[str, checked(_key_problem)]
    """The account's key in this stack (e.g. `push`, `pull`); the outputs list accounts by it."""
    access: Literal["pull", "push"]
    """`pull` (reader), or `push` (writer: push and pull)."""
    repositories: list[str] | None = Field(None, min_length=1)
    """Repository IDs from `gcp.repositories` (default: every repository of the stack)."""
    account_id: Annotated[str, checked(_account_id_problem)] | None = None
    """Service account ID (default: `ar-<name>-<hash of project, stack and component>`, unique per stack)."""
    github_subjects: list[GithubSubject] = Field(default_factory=list)
    """GitHub Actions subjects that may act as the account (exact match), e.g. `repo:acme/api:ref:refs/heads/main`
    or `repo:acme/api:environment:prod` (needs `gcp.githubWorkloadIdentity`)."""
    github_repositories: list[GithubRepository] = Field(default_factory=list)
    """GitHub repositories every workflow of which may act as the account, e.g. `acme/api` (needs `gcp.githubWorkloadIdentity`)."""
    impersonators: list[Annotated[Member, checked(_impersonator_problem)]] = Field(default_factory=list)
    """Members granted `roles/iam.serviceAccountTokenCreator` on the account (exactly these), e.g. a deploy service account."""
    export_access_token: bool = False
    """Also export a 1-hour access token of THIS account as the registry's password (secret, user `oauth2accesstoken`).
    It is minted at deploy time by impersonating the account, so `impersonators` must list whoever runs `pulumi up`,
    and the IAM Credentials API must be enabled. At most one account may set it."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        if invalid & {"github_subjects", "github_repositories", "impersonators", "export_access_token"}:
            return []
        problems: list[tuple[str, str]] = []
        if not (self.github_subjects or self.github_repositories or self.impersonators):
            problems.append(("", "nobody could act as this service account; give githubSubjects, githubRepositories and/or impersonators"))
        if self.export_access_token and not self.impersonators:
            problems.append((
                "exportAccessToken",
                "the token is minted by impersonating this account at deploy time; list the deploying identity in impersonators",
            ))
        return problems

    @property
    def github_repository_names(self) -> set[str]:
        return set(self.github_repositories) | {subject_repository(s) for s in self.github_subjects}


CiServiceAccounts = Annotated[
    list[GcpCiServiceAccountSettings], unique_names("CI service account")
]


def ci_account_problems(
    accounts: list[GcpCiServiceAccountSettings],
    repositories: list["RepositorySettings"],
    workload_identity: GithubWorkloadIdentitySettings | None,
) -> list[tuple[str, str]]:
    """Problems between the CI service accounts and the rest of the `gcp` section."""
    from .iam import ACCESS_ROLES

    problems: list[tuple[str, str]] = []
    declared = {repository.repository_id: repository for repository in repositories}
    for index, account in enumerate(accounts):
        path = f"ciServiceAccounts[{index}]"
        for r_index, repository_id in enumerate(account.repositories or []):
            if repository_id not in declared:
                valid = ", ".join(sorted(declared)) or "none declared"
                problems.append((f"{path}.repositories[{r_index}]", f"'{repository_id}' is not in gcp.repositories ({valid})"))
        if account.repositories is None and not declared:
            problems.append((path, "the stack declares no repository to grant; add gcp.repositories"))
        if (account.github_subjects or account.github_repositories) and workload_identity is None:
            key = "githubSubjects" if account.github_subjects else "githubRepositories"
            problems.append((f"{path}.{key}", "needs gcp.githubWorkloadIdentity (create: {}, or providerName)"))
        for repository_id in account.repositories or list(declared):
            repository = declared.get(repository_id)
            if repository is None:
                continue
            role = ACCESS_ROLES["pull" if repository.mode == "VIRTUAL" else account.access]
            if role in repository.iam:
                problems.append((
                    path,
                    f"grants {role} on '{repository_id}' additively, but that repository sets the role authoritatively in `iam`, "
                    "which would remove the grant; use access or iamBindingsAdditive there",
                ))
    exporting = [index for index, account in enumerate(accounts) if account.export_access_token]
    for index in exporting[1:]:
        problems.append((f"ciServiceAccounts[{index}].exportAccessToken", "only one service account may export its token (the registry has one password)"))
    return problems
