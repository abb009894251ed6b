"""One ECR repository: `RepositorySettings` (an entry of `aws.repositories`) and `EcrRepositoryArgs`
(the args of a standalone `EcrRepository`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ..base import SettingsModel, StringInput, checked
from .formats import MAX_TAG_EXCLUSIONS, lambda_region_problems, Region, TagFilter, Tags, kms_arn_problem, repository_name_problem
from .lifecycle import LifecycleSettings
from .policy import AccessSettings


class EncryptionSettings(SettingsModel):
    type: Literal["AES256", "KMS"] = "AES256"
    """`AES256` (ECR-managed keys) or `KMS`."""
    kms_key_arn: Annotated[StringInput, checked(kms_arn_problem)] | None = None
    """With `KMS`: the key ARN (or a pulumi.Output); when absent, the component creates a key with rotation on."""
    aws_managed_key: bool = False
    """With `KMS` and no `kmsKeyArn`: use the AWS-managed key `aws/ecr` instead of creating one."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        if "type" in invalid:
            return problems
        key_given = "kms_key_arn" not in invalid and self.kms_key_arn is not None
        managed = "aws_managed_key" not in invalid and self.aws_managed_key
        if self.type == "AES256":
            if key_given:
                problems.append(("kmsKeyArn", "only applies with `type: KMS`"))
            if managed:
                problems.append(("awsManagedKey", "only applies with `type: KMS`"))
        elif managed and key_given:
            problems.append(("awsManagedKey", "give kmsKeyArn or awsManagedKey, not both"))
        return problems

    @property
    def creates_key(self) -> bool:
        return self.type == "KMS" and self.kms_key_arn is None and not self.aws_managed_key


class RepositorySettings(SettingsModel):
    """One ECR repository."""

    name: Annotated[str, checked(repository_name_problem)]
    """Repository name, e.g. `team/api`."""
    tag_mutability: Literal["IMMUTABLE", "MUTABLE"] = "IMMUTABLE"
    """Whether a tag, once pushed, can be moved."""
    tag_mutability_exclusions: list[TagFilter] = Field(default_factory=list, max_length=MAX_TAG_EXCLUSIONS)
    """Tag filters exempt from `tagMutability` (e.g. `latest`, `dev-*`); makes it `*_WITH_EXCLUSION`."""
    scan_on_push: bool = True
    """Basic scan of every pushed image."""
    encryption: EncryptionSettings = Field(default_factory=EncryptionSettings)
    """Encryption at rest."""
    force_delete: bool = False
    """Allow deleting the repository while it still holds images."""
    tags: Tags = Field(default_factory=dict)
    """AWS tags (merged over `aws.tags`)."""
    lifecycle: LifecycleSettings | None = None
    """Lifecycle rules; no lifecycle policy when absent or empty."""
    access: AccessSettings = Field(default_factory=AccessSettings)
    """Cross-account and service access; no repository policy when empty."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        from ...aws.documents import MAX_LIFECYCLE_POLICY_CHARACTERS, oversize_problem, render_lifecycle_policy

        if "lifecycle" in invalid or self.lifecycle is None:
            return []
        lists = {"lifecycle.keepLast": "keep_last", "lifecycle.rawRules": "raw_rules"}
        problem = oversize_problem(
            render_lifecycle_policy, self.lifecycle, MAX_LIFECYCLE_POLICY_CHARACTERS, lists, "lifecycle policy"
        )
        if problem and "lifecycle.keepLast" in problem:
            problem += "; each tag prefix or pattern of keepLast is a rule of its own"
        return [("lifecycle", problem)] if problem else []

    @property
    def effective_tag_mutability(self) -> str:
        return f"{self.tag_mutability}_WITH_EXCLUSION" if self.tag_mutability_exclusions else self.tag_mutability


class EcrRepositoryArgs(RepositorySettings):
    """A standalone `EcrRepository`: one repository, with its own region (the provider's by default)."""

    region: Region | None = None
    """Region of the repository (default: the provider's, `aws:region`)."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        problems = super().cross_field_problems(invalid)
        if not invalid & {"access", "region"}:
            problems += [
                (f"access.lambdaPull[{index}]", message)
                for index, message in lambda_region_problems(self.access.lambda_pull, self.region)
            ]
        return problems
