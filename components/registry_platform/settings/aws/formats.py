"""Formats of AWS values in the `aws` section: names, ARNs, regions, tags, filters.

Each check returns None when the value is fine, or what is wrong and what would be valid.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from ..base import checked

_SEGMENT = r"[a-z0-9]+(?:[._-][a-z0-9]+)*"
_REPOSITORY_NAME = re.compile(rf"^{_SEGMENT}(?:/{_SEGMENT})*$")
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_IAM_PRINCIPAL_ARN = re.compile(r"^arn:aws[a-z-]*:(iam|sts)::\d{12}:(root|(role|user|assumed-role)/[\w+=,.@/-]+)$")
_KMS_ARN = re.compile(r"^arn:aws[a-z-]*:kms:(?P<region>[a-z0-9-]+):\d{12}:key/([0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$")
_LAMBDA_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:(?P<region>[a-z0-9-]+|\*):(?P<account>\d{12}):function:[\w*:-]+$")
_REGION = re.compile(r"^[a-z]{2,}(-[a-z]+)+-\d+$")
_TAG_FILTER = re.compile(r"^[A-Za-z0-9._*-]{1,128}$")
_SCAN_FILTER = re.compile(r"^(?=.{1,256}$)[a-z0-9*]+(?:[._/-][a-z0-9*]+)*$")
_REPOSITORY_PREFIX = re.compile(r"^(?=.{2,256}$)[a-z0-9][a-z0-9._/-]*$")
FORCED_TAG_KEYS = frozenset({"managed-by"})
"""Tags the components put on every resource (aws/ecr.py, MANAGED_BY); they count towards the limit."""
MAX_TAGS = 50
# ECR limits.
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


def tag_count_problem(*tag_sets: dict[str, str]) -> str | None:
    """Too many tags on one resource: the sets merged, with the tags the platform always adds."""
    keys = set(FORCED_TAG_KEYS).union(*tag_sets)
    if len(keys) <= MAX_TAGS:
        return None
    return f"{len(keys)} tags with `{'`, `'.join(sorted(FORCED_TAG_KEYS))}` (always added); AWS allows at most {MAX_TAGS} on a resource"


def _tags_problems(tags: dict[str, str]) -> list[tuple[str, str]]:
    problems = []
    count = tag_count_problem(tags)
    if count:
        problems.append(("", count))
    for key, value in tags.items():
        if key.lower().startswith("aws:"):
            problems.append((key, "the aws: prefix is reserved by AWS"))
        elif not 1 <= len(key) <= 128 or len(value) > 256:
            problems.append((key, "tag keys are 1-128 characters, values at most 256"))
    return problems


def lambda_arn_account_and_region(value: str) -> tuple[str, str] | None:
    """(account, region or `*`) of a Lambda function ARN pattern."""
    match = _LAMBDA_ARN.match(value)
    return (match.group("account"), match.group("region")) if match else None


def lambda_region_problems(patterns: list[str], region: str | None) -> list[tuple[int, str]]:
    """Lambda runs images only from ECR in its own region (cross-account pulls too): (index, message)
    for each pattern naming another region, or any region, when the repository's region is known."""
    problems = []
    for index, pattern in enumerate(patterns):
        parsed = lambda_arn_account_and_region(pattern)
        if parsed is None or region is None or parsed[1] == region:
            continue
        named = "any region ('*')" if parsed[1] == "*" else parsed[1]
        problems.append((
            index,
            f"names {named} but the repository is in {region}; Lambda pulls images only from its own region "
            f"(cross-account pulls are same-region only): use arn:aws:lambda:{region}:{parsed[0]}:function:...",
        ))
    return problems


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
Tags = Annotated[dict[str, str], checked(_tags_problems)]
RepositoryPrefix = Annotated[str, checked(_repository_prefix_problem)]
AccountId = Annotated[str, checked(_account_problem)]
Principal = Annotated[str, checked(principal_problem)]
TagFilter = Annotated[str, checked(_tag_filter_problem)]
ScanFilter = Annotated[str, checked(_scan_filter_problem)]

