"""CI identities for ECR: IAM roles scoped to the stack's repositories, trusted by listed principals
and, optionally, by GitHub Actions through OIDC.

These replace the deployer's own token: the outputs carry role ARNs (and, opt-in, a 12-hour token
obtained by assuming one of these roles), never a token of whoever runs `pulumi up`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field

from ..base import SettingsModel, checked, unique_names
from .formats import Principal

if TYPE_CHECKING:
    from .repository import RepositorySettings

GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com"
GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com"

_ROLE_KEY = re.compile(r"^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$")
_IAM_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
_OIDC_PROVIDER_ARN = re.compile(
    r"^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/token\.actions\.githubusercontent\.com$"
)
_OWNER_REPO = r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+"
_GITHUB_SUBJECT = re.compile(
    rf"^repo:{_OWNER_REPO}:(ref:refs/(heads|tags)/\S+|environment:\S+|pull_request)$"
)


def _role_key_problem(value: str) -> str | None:
    if _ROLE_KEY.fullmatch(value):
        return None
    return f"'{value}' is not a CI role name: 1-32 lowercase letters, digits and inner '-' (e.g. push, pull, deploy-prod)"


def _role_name_problem(value: str) -> str | None:
    if _IAM_ROLE_NAME.fullmatch(value):
        return None
    return f"'{value}' is not an IAM role name: 1-64 letters, digits and + = , . @ _ -"


def _oidc_arn_problem(value: str) -> str | None:
    if _OIDC_PROVIDER_ARN.fullmatch(value):
        return None
    return (
        f"'{value}' is not the ARN of a GitHub Actions OIDC provider "
        "(arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com)"
    )


def github_subject_problem(value: str) -> str | None:
    """A GitHub OIDC `sub` that names one repository (wildcards only in the ref or environment part)."""
    if _GITHUB_SUBJECT.fullmatch(value) and "*" not in value.split(":", 2)[1]:
        return None
    return (
        f"'{value}' is not a GitHub Actions subject of one repository: repo:OWNER/NAME:ref:refs/heads/BRANCH, "
        "repo:OWNER/NAME:ref:refs/tags/TAG, repo:OWNER/NAME:environment:NAME or repo:OWNER/NAME:pull_request "
        "(wildcards '*' only after OWNER/NAME:)"
    )


GithubSubject = Annotated[str, checked(github_subject_problem)]


class GithubOidcSettings(SettingsModel):
    """The account's GitHub Actions OIDC provider. There is one per account: create it in one stack
    (`create: true`) and give its ARN everywhere else."""

    create: bool = False
    """Create the provider (`token.actions.githubusercontent.com`, audience `sts.amazonaws.com`) in this stack."""
    provider_arn: Annotated[str, checked(_oidc_arn_problem)] | None = None
    """An existing provider's ARN (arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com)."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        if invalid & {"create", "provider_arn"}:
            return []
        if self.create == (self.provider_arn is not None):
            return [("", "give exactly one of `create: true` or `providerArn`")]
        return []


class EcrCiRoleSettings(SettingsModel):
    """An IAM role for CI: pull, or push and pull, on exactly the listed repositories of this stack,
    plus `ecr:GetAuthorizationToken` (which IAM only grants on `*`). No delete, no other repository."""

    name: Annotated[str, checked(_role_key_problem)]
    """The role's key in this stack (e.g. `push`, `pull`); the outputs list roles by it."""
    access: Literal["pull", "push"]
    """`pull` (read images), or `push` (push and pull)."""
    repositories: list[str] | None = Field(None, min_length=1)
    """Repository names from `aws.repositories` (default: every repository of the stack)."""
    trusted_principals: list[Principal] = Field(default_factory=list)
    """Account IDs or IAM role/user ARNs allowed to assume the role (`sts:AssumeRole`)."""
    github_subjects: list[GithubSubject] = Field(default_factory=list)
    """GitHub Actions OIDC subjects allowed to assume the role, e.g. `repo:acme/api:ref:refs/heads/main`
    or `repo:acme/api:environment:prod` (needs `aws.githubOidc`)."""
    role_name: Annotated[str, checked(_role_name_problem)] | None = None
    """IAM role name (default: Pulumi's auto-name from the resource name, `aws-ci-<name>-role-<7 random
    characters>`, kept in state; set one when roles of several stacks share an account)."""
    max_session_hours: int = Field(1, ge=1, le=12)
    """Longest session CI may request when assuming the role."""
    export_login_token: bool = False
    """Also export a 12-hour ECR login token of THIS role as the registry's password (secret). It is
    fetched at deploy time by assuming the role, so `trustedPrincipals` must include whoever runs
    `pulumi up`; it expires 12 hours later (`passwordExpiresAt`). At most one role may set it."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        if invalid & {"trusted_principals", "github_subjects", "export_login_token"}:
            return []
        problems: list[tuple[str, str]] = []
        if not self.trusted_principals and not self.github_subjects:
            problems.append(("", "nobody could assume this role; give trustedPrincipals and/or githubSubjects"))
        if self.export_login_token and not self.trusted_principals:
            problems.append((
                "exportLoginToken",
                "the token is fetched by assuming this role at deploy time; list the deploying identity "
                "(its role ARN or account ID) in trustedPrincipals",
            ))
        return problems


CiRoles = Annotated[list[EcrCiRoleSettings], unique_names("CI role")]


def ci_role_problems(
    roles: list[EcrCiRoleSettings],
    repositories: list["RepositorySettings"],
    github_oidc: GithubOidcSettings | None,
) -> list[tuple[str, str]]:
    """Problems between the CI roles and the rest of the `aws` section."""
    problems: list[tuple[str, str]] = []
    declared = {repository.name for repository in repositories}
    for index, role in enumerate(roles):
        path = f"ciRoles[{index}]"
        for r_index, repository in enumerate(role.repositories or []):
            if repository not in declared:
                valid = ", ".join(sorted(declared)) or "none declared"
                problems.append((f"{path}.repositories[{r_index}]", f"'{repository}' is not in aws.repositories ({valid})"))
        if role.repositories is None and not declared:
            problems.append((path, "the stack declares no repository to grant; add aws.repositories"))
        if role.github_subjects and github_oidc is None:
            problems.append((f"{path}.githubSubjects", "needs aws.githubOidc (create: true, or providerArn)"))
    first_named: dict[str, int] = {}
    for index, role in enumerate(roles):
        if role.role_name is None:
            continue
        earlier = first_named.setdefault(role.role_name, index)
        if earlier != index:
            problems.append((f"ciRoles[{index}].roleName", f"'{role.role_name}' is already the role name of entry [{earlier}]; IAM role names are unique per account"))
    exporting = [index for index, role in enumerate(roles) if role.export_login_token]
    for index in exporting[1:]:
        problems.append((f"ciRoles[{index}].exportLoginToken", "only one role may export its login token (the registry has one password)"))
    return problems
