"""Settings of AWS ECR (`registry-platform:aws`).

`EcrRegistryArgs` is the args of `EcrRegistry` (repositories); `EcrRegistrySettingsArgs` is the args
of `EcrRegistrySettings` (the account-wide singletons). The `aws` stack-config section is both:
its `registrySettings` key, set in exactly one stack per account and region, owns the singletons.
Defaults follow terraform-aws-modules/ecr and go further: immutable tags, scan on push, no public
access, no empty lifecycle policy.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from .base import SettingsModel, StringInput, checked, duplicate_name_problem
from .ecr_lifecycle import LifecycleSettings

# ECR repository names: lowercase segments of [a-z0-9] joined by one of . _ -, segments joined by /.
_SEGMENT = r"[a-z0-9]+(?:[._-][a-z0-9]+)*"
_REPOSITORY_NAME = re.compile(rf"^{_SEGMENT}(?:/{_SEGMENT})*$")
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_IAM_PRINCIPAL_ARN = re.compile(r"^arn:aws[a-z-]*:(iam|sts)::\d{12}:(root|(role|user|assumed-role)/[\w+=,.@/-]+)$")
_KMS_ARN = re.compile(r"^arn:aws[a-z-]*:kms:(?P<region>[a-z0-9-]+):\d{12}:key/([0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$")
_LAMBDA_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:([a-z0-9-]+|\*):\d{12}:function:[\w*:-]+$")
_REGION = re.compile(r"^[a-z]{2,}(-[a-z]+)+-\d+$")
_TAG_FILTER = re.compile(r"^[A-Za-z0-9._*-]{1,128}$")
_SCAN_FILTER = re.compile(r"^(?=.{1,256}$)[a-z0-9*]+(?:[._/-][a-z0-9*]+)*$")
_REPOSITORY_PREFIX = re.compile(r"^(?=.{2,256}$)[a-z0-9][a-z0-9._/-]*$")
# Condition keys that narrow who a `*` principal can be.
PRINCIPAL_LIMITING_KEYS = {
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
}

READ_ACTIONS = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:DescribeImageScanFindings",
    "ecr:DescribeImages",
    "ecr:DescribeRepositories",
    "ecr:GetDownloadUrlForLayer",
    "ecr:GetLifecyclePolicy",
    "ecr:GetLifecyclePolicyPreview",
    "ecr:GetRepositoryPolicy",
    "ecr:ListImages",
    "ecr:ListTagsForResource",
]
WRITE_ACTIONS = [
    "ecr:CompleteLayerUpload",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
]
LAMBDA_ACTIONS = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
FORBIDDEN_REPOSITORY_ACTIONS = {"ecr:getauthorizationtoken"}
MAX_TAG_EXCLUSIONS = 5
MAX_REPLICATION_RULES = 10
MAX_REPLICATION_DESTINATIONS = 25
MAX_FILTERS = 100


def repository_name_problem(value: str) -> str | None:
    if 2 <= len(value) <= 256 and _REPOSITORY_NAME.match(value):
        return None
    return (
        f"'{value}' is not an ECR repository name: 2-256 characters, lowercase letters and digits in segments "
        "joined by '.', '_' or '-', segments separated by '/' (e.g. team/api-server)"
    )


def principal_problem(value: str) -> str | None:
    if value == "*":
        return "'*' would make the repository public; name account IDs or IAM ARNs"
    if _ACCOUNT_ID.match(value) or _IAM_PRINCIPAL_ARN.match(value):
        return None
    return f"'{value}' is neither a 12-digit account ID nor an IAM ARN (arn:aws:iam::123456789012:role/name)"


def principal_arn(value: str, partition: str = "aws") -> str:
    """An account ID becomes its root principal in `partition`; ARNs pass through."""
    return f"arn:{partition}:iam::{value}:root" if _ACCOUNT_ID.match(value) else value


def region_problem(value: str) -> str | None:
    return None if _REGION.match(value) else f"'{value}' is not an AWS region (e.g. eu-west-1, us-gov-west-1)"


def kms_arn_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return None  # a pulumi.Output is checked by AWS
    if _KMS_ARN.match(value):
        return None
    if ":alias/" in value:
        return (
            f"'{value}' is an alias ARN; ECR stores the key ARN it resolves to, so every `pulumi up` would "
            "see a change and replace the repository. Give the key ARN (arn:aws:kms:<region>:<account>:key/<id>)"
        )
    return f"'{value}' is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id or mrk-...>)"


def kms_arn_region(value: Any) -> str | None:
    match = _KMS_ARN.match(value) if isinstance(value, str) else None
    return match.group("region") if match else None


def _tag_filter_problem(value: str) -> str | None:
    if _TAG_FILTER.match(value) and value.count("*") <= 2:
        return None
    return f"'{value}' is not a tag filter: 1-128 of letters, digits, '.', '_', '-', '*' with at most 2 '*'"


def _scan_filter_problem(value: str) -> str | None:
    if _SCAN_FILTER.match(value):
        return None
    return f"'{value}' is not a repository filter: repository name segments with '*' wildcards (e.g. *, team/*, prod-*)"


def _repository_prefix_problem(value: str) -> str | None:
    if _REPOSITORY_PREFIX.match(value):
        return None
    return f"'{value}' is not a repository name prefix: 2-256 lowercase letters, digits, '.', '_', '-', '/' (no wildcards)"


def _tags_problem(tags: dict[str, str]) -> str | None:
    if len(tags) > 50:
        return f"{len(tags)} tags; AWS allows at most 50"
    for key, value in tags.items():
        if key.lower().startswith("aws:"):
            return f"tag '{key}': the aws: prefix is reserved by AWS"
        if not 1 <= len(key) <= 128 or len(value) > 256:
            return f"tag '{key}': keys are 1-128 characters, values at most 256"
    return None


def _lambda_arn_problem(value: str) -> str | None:
    if _LAMBDA_ARN.match(value):
        return None
    return (
        f"'{value}' is not a Lambda function ARN pattern of one account "
        "(arn:aws:lambda:<region or *>:<12-digit account>:function:<name or *>)"
    )


def _account_problem(value: str) -> str | None:
    return None if _ACCOUNT_ID.match(value) else f"'{value}' is not a 12-digit AWS account ID"


Region = Annotated[str, checked(region_problem)]
Tags = Annotated[dict[str, str], checked(_tags_problem)]
RepositoryPrefix = Annotated[str, checked(_repository_prefix_problem)]
AccountId = Annotated[str, checked(_account_problem)]
Principal = Annotated[str, checked(principal_problem)]
TagFilter = Annotated[str, checked(_tag_filter_problem)]
ScanFilter = Annotated[str, checked(_scan_filter_problem)]


class EncryptionSettings(SettingsModel):
    type: Literal["AES256", "KMS"] = "AES256"
    """`AES256` (ECR-managed keys) or `KMS`."""
    kms_key_arn: Annotated[StringInput, checked(kms_arn_problem)] | None = None
    """With `KMS`: the key ARN (or a pulumi.Output); when absent, the component creates a key with rotation on."""
    aws_managed_key: bool = False
    """With `KMS` and no `kmsKeyArn`: use the AWS-managed key `aws/ecr` instead of creating one."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        if invalid:
            return problems
        if self.type == "AES256":
            if self.kms_key_arn is not None:
                problems.append(("kmsKeyArn", "only applies with `type: KMS`"))
            if self.aws_managed_key:
                problems.append(("awsManagedKey", "only applies with `type: KMS`"))
        elif self.aws_managed_key and self.kms_key_arn is not None:
            problems.append(("awsManagedKey", "give kmsKeyArn or awsManagedKey, not both"))
        return problems

    @property
    def creates_key(self) -> bool:
        return self.type == "KMS" and self.kms_key_arn is None and not self.aws_managed_key


class AccessSettings(SettingsModel):
    """Who may use a repository, rendered into its repository policy (none when all lists are empty)."""

    pull: list[Principal] = Field(default_factory=list)
    """Account IDs or IAM ARNs that may pull."""
    push: list[Principal] = Field(default_factory=list)
    """Account IDs or IAM ARNs that may push (and pull)."""
    lambda_pull: list[Annotated[str, checked(_lambda_arn_problem)]] = Field(default_factory=list)
    """Lambda function ARN patterns whose service may pull the image (source-ARN condition)."""
    statements: PolicyStatements = Field(default_factory=list)
    """Further IAM policy statements, as written in a policy document."""

    @property
    def empty(self) -> bool:
        return not (self.pull or self.push or self.lambda_pull or self.statements)


def statement_problem(statement: dict[str, Any]) -> str | None:
    """Why a raw repository-policy statement is refused, if it is."""
    if statement.get("Effect") not in ("Allow", "Deny"):
        return "Effect must be Allow or Deny"
    if "Action" not in statement:
        return "Action is required"
    actions = statement["Action"]
    actions = [actions] if isinstance(actions, str) else list(actions)
    if any(str(action).lower() in FORBIDDEN_REPOSITORY_ACTIONS for action in actions):
        return "ecr:GetAuthorizationToken cannot be granted in a repository policy (AWS rejects it; grant it in IAM)"
    principal = statement.get("Principal")
    if principal is None:
        return "Principal is required"
    everyone = principal == "*" or (isinstance(principal, dict) and "*" in _as_list(principal.get("AWS")))
    if everyone and statement["Effect"] == "Allow" and not _limits_principal(statement.get("Condition")):
        return (
            "Principal '*' would make the repository public; add a Condition on one of "
            "aws:PrincipalOrgID, aws:PrincipalAccount, aws:PrincipalArn, aws:SourceAccount, aws:SourceArn"
        )
    return None


def _limits_principal(condition: Any) -> bool:
    if not isinstance(condition, dict):
        return False
    keys = {key.lower() for operator in condition.values() if isinstance(operator, dict) for key in operator}
    return bool(keys & PRINCIPAL_LIMITING_KEYS)


def statements_problem(statements: list[dict[str, Any]]) -> str | None:
    for index, statement in enumerate(statements):
        problem = statement_problem(statement)
        if problem:
            return f"statement {index}: {problem}"
    return None


PolicyStatements = Annotated[list[dict[str, Any]], checked(statements_problem)]


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


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

    @property
    def effective_tag_mutability(self) -> str:
        return f"{self.tag_mutability}_WITH_EXCLUSION" if self.tag_mutability_exclusions else self.tag_mutability


class EcrRegistryArgs(SettingsModel):
    """ECR repositories in one account and region, with the shared registry output shape."""

    region: Region | None = None
    """Region of the repositories (default: the provider's, `aws:region`)."""
    tags: Tags = Field(default_factory=dict)
    """AWS tags on every resource (`managed-by: registry-platform` is always added)."""
    repositories: Annotated[
        list[RepositorySettings], checked(lambda repositories: duplicate_name_problem(repositories, "repository"))
    ] = Field(default_factory=list)
    """The repositories."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        problems = []
        if invalid & {"repositories", "region"}:
            return problems
        for index, repository in enumerate(self.repositories):
            key_region = kms_arn_region(repository.encryption.kms_key_arn)
            if self.region and key_region and key_region != self.region:
                problems.append((
                    f"repositories[{index}].encryption.kmsKeyArn",
                    f"the key is in {key_region} but the repository is in {self.region}; ECR needs a key in its own region",
                ))
        return problems


class ScanningRule(SettingsModel):
    frequency: Literal["SCAN_ON_PUSH", "CONTINUOUS_SCAN"] = "SCAN_ON_PUSH"
    """When to scan: on push, or continuously (ENHANCED only)."""
    filters: list[ScanFilter] = Field(default_factory=lambda: ["*"], min_length=1, max_length=MAX_FILTERS)
    """Repository wildcard filters the rule applies to."""


class ScanningSettings(SettingsModel):
    type: Literal["BASIC", "ENHANCED"] = "BASIC"
    """`BASIC` (ECR) or `ENHANCED` (Amazon Inspector, billed)."""
    rules: list[ScanningRule] = Field(default_factory=lambda: [ScanningRule()])
    """Scanning rules, at most one per frequency."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        problems = []
        seen: set[str] = set()
        if invalid:
            return problems
        for index, rule in enumerate(self.rules):
            if self.type == "BASIC" and rule.frequency != "SCAN_ON_PUSH":
                problems.append((f"rules[{index}].frequency", "BASIC scanning supports only SCAN_ON_PUSH; use type ENHANCED for CONTINUOUS_SCAN"))
            if rule.frequency in seen:
                problems.append((f"rules[{index}].frequency", f"{rule.frequency} appears twice; give one rule per frequency"))
            seen.add(rule.frequency)
        return problems


class ReplicationDestination(SettingsModel):
    region: Region
    """Destination region."""
    registry_id: AccountId | None = None
    """Destination account (default: this account)."""


class ReplicationRule(SettingsModel):
    destinations: list[ReplicationDestination] = Field(min_length=1)
    """Where matching repositories are replicated."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        if "destinations" in invalid:
            return []
        keys = [(d.region, d.registry_id) for d in self.destinations]
        if len(set(keys)) != len(keys):
            return [("destinations", "lists the same destination twice")]
        return []
    repository_prefixes: list[RepositoryPrefix] = Field(default_factory=list, max_length=MAX_FILTERS)
    """Replicate only repositories whose names start with one of these (all when empty)."""


class ReplicationSettings(SettingsModel):
    rules: list[ReplicationRule] = Field(min_length=1, max_length=MAX_REPLICATION_RULES)
    """Replication rules (at most 10, at most 25 distinct destinations in all)."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        unique = set() if invalid else {(d.region, d.registry_id) for rule in self.rules for d in rule.destinations}
        if len(unique) > MAX_REPLICATION_DESTINATIONS:
            return [("rules", f"{len(unique)} distinct destinations; ECR allows at most {MAX_REPLICATION_DESTINATIONS}")]
        return []


class RegistryPolicySettings(SettingsModel):
    allow_replication_from: list[AccountId] = Field(default_factory=list)
    """Accounts allowed to replicate into this registry (ecr:CreateRepository, ecr:ReplicateImage)."""
    statements: PolicyStatements = Field(default_factory=list)
    """Further registry-policy statements, as written in a policy document."""


class EcrRegistrySettingsArgs(SettingsModel):
    """Account-wide ECR settings (one per account and region): scanning, replication, registry policy."""

    region: Region | None = None
    """Region (default: `aws.region`, then the provider's)."""
    scanning: ScanningSettings | None = None
    """Registry scanning configuration; ECR keeps its own default (BASIC, manual) when absent."""
    replication: ReplicationSettings | None = None
    """Replication configuration."""
    policy: RegistryPolicySettings | None = None
    """Registry policy."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        if invalid & {"replication", "region"}:
            return []
        return self_replication_problems(self.replication, self.region)


def self_replication_problems(replication: ReplicationSettings | None, region: str | None) -> list[tuple[str, str]]:
    """Destinations that would replicate a registry into itself (same region, no other account)."""
    problems = []
    if replication and region:
        for r_index, rule in enumerate(replication.rules):
            for d_index, destination in enumerate(rule.destinations):
                if destination.region == region and destination.registry_id is None:
                    problems.append((
                        f"replication.rules[{r_index}].destinations[{d_index}]",
                        f"replicates {region} into itself; give another region or a registryId",
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
        return EcrRegistrySettingsArgs.model_validate({**settings.model_dump(exclude_unset=True), "region": self.region})
