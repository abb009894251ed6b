"""The `aws` stack-config section model (see the package docstring); imported on demand by `settings.aws`."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from ..base import SettingsModel, unique_names
from .account import EcrRegistrySettingsArgs, self_replication_problems
from .ci import CiRoles, EcrCiRoleSettings, GithubOidcSettings, ci_role_problems
from .formats import Region, Tags, kms_arn_region, lambda_region_problems, tag_count_problem
from .lifecycle import LifecycleSettings
from .policy import AccessSettings
from .repository import EcrRepositoryArgs, EncryptionSettings, RepositorySettings
from . import __all__  # noqa: F401 the names this section exports, listed once in the package


class EcrRegistryArgs(SettingsModel):
    """ECR repositories in one account and region, with the shared registry output shape."""

    region: Region | None = None
    """Region of the repositories (default: the provider's, `aws:region`)."""
    tags: Tags = Field(default_factory=dict)
    """AWS tags on every resource (`managed-by: registry-platform` is always added)."""
    repositories: Annotated[list[RepositorySettings], unique_names("repository")] = Field(default_factory=list)
    """The repositories."""
    ci_roles: CiRoles = Field(default_factory=list)
    """IAM roles for CI, scoped to these repositories (the registry's login identities; no deployer token is exported)."""
    github_oidc: GithubOidcSettings | None = None
    """The account's GitHub Actions OIDC provider, for roles with `githubSubjects`."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        problems = self._merged_tag_problems(invalid)
        if not invalid & {"ci_roles", "repositories", "github_oidc"}:
            problems += ci_role_problems(self.ci_roles, self.repositories, self.github_oidc)
        if invalid & {"repositories", "region"}:
            return problems
        for index, repository in enumerate(self.repositories):
            for l_index, message in lambda_region_problems(repository.access.lambda_pull, self.region):
                problems.append((f"repositories[{index}].access.lambdaPull[{l_index}]", message))
            key_region = kms_arn_region(repository.encryption.kms_key_arn)
            if self.region and key_region and key_region != self.region:
                problems.append((
                    f"repositories[{index}].encryption.kmsKeyArn",
                    f"the key is in {key_region} but the repository is in {self.region}; ECR needs a key in its own region",
                ))
        return problems

    def _merged_tag_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        """Each repository carries `tags` merged over `aws.tags`, plus the forced ones: 50 in all."""
        if invalid & {"repositories", "tags"}:
            return []
        problems = []
        for index, repository in enumerate(self.repositories):
            problem = tag_count_problem(self.tags, repository.tags)
            if problem and tag_count_problem(repository.tags) is None:  # else reported on the repository itself
                problems.append((
                    f"repositories[{index}].tags",
                    f"{problem}, counting the {len(self.tags)} of aws.tags; remove some here or from aws.tags",
                ))
        return problems


class AwsSettings(EcrRegistryArgs):
    """The `aws` stack-config section: repositories, plus the account-wide settings this stack owns."""

    registry_settings: EcrRegistrySettingsArgs | None = None
    """Account-wide settings; set them in exactly one stack per account and region."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        problems = super().cross_field_problems(invalid)
        settings = self.registry_settings
        if not invalid & {"registry_settings", "region"} and settings is not None and settings.region is None:
            inherited = self_replication_problems(settings.replication, self.region)
            problems += [(f"registrySettings.{path}", message) for path, message in inherited]
        return problems

    def account_settings(self) -> EcrRegistrySettingsArgs | None:
        """The account-wide settings, inheriting `aws.region` when they name none."""
        settings = self.registry_settings
        if settings is None or settings.region is not None or self.region is None:
            return settings
        return settings.model_copy(update={"region": self.region})

