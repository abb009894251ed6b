"""ECR policy documents, rendered by pure functions of the settings (no Pulumi, no AWS calls)."""

from __future__ import annotations

import json
from typing import Any, Callable, Optional

from pydantic import BaseModel

from ..settings.aws.account import RegistryPolicySettings
from ..settings.aws.formats import lambda_arn_account_and_region, principal_arn
from ..settings.aws.lifecycle import KeepLastRule, LifecycleSettings, RawLifecycleRule
from ..settings.aws.policy import AccessSettings

POLICY_VERSION = "2012-10-17"

# IAM action sets of the documents below.
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
"""What `access.pull` grants in a repository policy (and a pull CI role on its repositories)."""
WRITE_ACTIONS = [
    "ecr:CompleteLayerUpload",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
]
"""What `access.push` adds to the read actions."""
LAMBDA_ACTIONS = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
"""What the Lambda service needs to pull a function's image (same account, or a cross-account grant)."""


def _keep_last_rules(rule: KeepLastRule) -> list[dict[str, Any]]:
    """One ECR rule per prefix or pattern (ECR would AND the tags of a list), or one for every image."""
    if rule.selects_any:
        selectors = [({}, "")]
    else:
        selectors = [({"tagPrefixList": [p]}, f" tagged {p}*") for p in rule.tag_prefixes or []]
        selectors += [({"tagPatternList": [p]}, f" tagged {p}") for p in rule.tag_patterns or []]
    return [
        {
            "description": rule.description or f"Keep the last {rule.count} images{text}",
            "selection": {
                "tagStatus": "any" if rule.selects_any else "tagged",
                **selector,
                "countType": "imageCountMoreThan",
                "countNumber": rule.count,
            },
            "action": {"type": "expire"},
        }
        for selector, text in selectors
    ]


def _raw_rule(rule: RawLifecycleRule) -> dict[str, Any]:
    entry: dict[str, Any] = {"description": rule.description} if rule.description else {}
    entry["selection"] = rule.selection.model_dump(by_alias=True, exclude_none=True)
    entry["action"] = rule.action.model_dump(by_alias=True)
    return entry


def lifecycle_rules(lifecycle: LifecycleSettings) -> list[dict[str, Any]]:
    """The rules in evaluation order: tagged keep-last, untagged expiry, raw rules, the one `any` rule last."""
    ordered: list[dict[str, Any]] = []
    last: list[dict[str, Any]] = []
    for rule in lifecycle.keep_last:
        (last if rule.selects_any else ordered).extend(_keep_last_rules(rule))
    if lifecycle.untagged_expire_days is not None:
        ordered.append(
            {
                "description": f"Expire untagged images after {lifecycle.untagged_expire_days} days",
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": lifecycle.untagged_expire_days,
                },
                "action": {"type": "expire"},
            }
        )
    for raw in lifecycle.raw_rules:
        (last if raw.selects_any else ordered).append(_raw_rule(raw))
    return ordered + last


def render_lifecycle_policy(lifecycle: Optional[LifecycleSettings]) -> Optional[str]:
    """ECR lifecycle policy JSON with priorities 1..n in order; None when there is no rule."""
    if lifecycle is None or lifecycle.empty:
        return None
    rules = [{"rulePriority": priority, **rule} for priority, rule in enumerate(lifecycle_rules(lifecycle), start=1)]
    return json.dumps({"rules": rules}, indent=2)


def _allow_accounts(sid: str, principals: list[str], actions: list[str], partition: str, **extra: Any) -> dict[str, Any]:
    """An Allow statement for IAM principals (account IDs become their root principal)."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"AWS": [principal_arn(p, partition) for p in principals]},
        "Action": list(actions),
        **extra,
    }


def repository_statements(access: AccessSettings, partition: str = "aws", account_id: Optional[str] = None) -> list[dict[str, Any]]:
    """The statements of a repository policy. `account_id` is the repository's own account: Lambda
    functions of other accounts also need their account granted (AWS, cross-account Lambda images)."""
    statements: list[dict[str, Any]] = []
    if access.pull:
        statements.append(_allow_accounts("PullAccess", access.pull, READ_ACTIONS, partition))
    if access.push:
        statements.append(_allow_accounts("PushAccess", access.push, [*READ_ACTIONS, *WRITE_ACTIONS], partition))
    if access.lambda_pull:
        statements.append(
            {
                "Sid": "LambdaPull",
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": list(LAMBDA_ACTIONS),
                "Condition": {"StringLike": {"aws:sourceArn": list(access.lambda_pull)}},
            }
        )
        accounts = {lambda_arn_account_and_region(pattern)[0] for pattern in access.lambda_pull}
        foreign = sorted(accounts - {account_id}) if account_id else []
        if foreign:
            statements.append(_allow_accounts("LambdaCrossAccountPull", foreign, LAMBDA_ACTIONS, partition))
    statements.extend(dict(statement) for statement in access.statements)
    return statements


def render_repository_policy(access: AccessSettings, partition: str = "aws", account_id: Optional[str] = None) -> Optional[str]:
    """Repository policy JSON from the typed access lists; None when nobody else is granted anything.

    Account IDs become root principals in `partition` (`aws`, `aws-cn`, `aws-us-gov`); `account_id`
    is the repository's own account (Lambda patterns of other accounts get their account granted).
    """
    if access.empty:
        return None
    statements = repository_statements(access, partition, account_id)
    return json.dumps({"Version": POLICY_VERSION, "Statement": statements}, indent=2)


def render_registry_policy(
    policy: Optional[RegistryPolicySettings], *, account_id: str, region: str, partition: str = "aws"
) -> Optional[str]:
    """Registry policy JSON (replication sources and raw statements); None when empty."""
    if policy is None:
        return None
    statements: list[dict[str, Any]] = []
    if policy.allow_replication_from:
        statements.append(
            _allow_accounts(
                "ReplicationAccess",
                policy.allow_replication_from,
                ["ecr:CreateRepository", "ecr:ReplicateImage"],
                partition,
                Resource=f"arn:{partition}:ecr:{region}:{account_id}:repository/*",
            )
        )
    statements.extend(dict(statement) for statement in policy.statements)
    if not statements:
        return None
    return json.dumps({"Version": POLICY_VERSION, "Statement": statements}, indent=2)


# What a CI role gets on its repositories: enough to pull (and push), nothing to delete or reconfigure.
CI_PULL_ACTIONS = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:DescribeImages",
    "ecr:GetDownloadUrlForLayer",
    "ecr:ListImages",
]
CI_PUSH_ACTIONS = [*CI_PULL_ACTIONS, *WRITE_ACTIONS]
LOGIN_ACTION = "ecr:GetAuthorizationToken"
"""IAM grants it only on `*`; it lets a principal log in, not read any repository."""


def render_ci_role_policy(access: str, repository_arns: list[str]) -> str:
    """The permissions of a CI role: log in, and pull (or push and pull) on exactly these repositories."""
    actions = CI_PUSH_ACTIONS if access == "push" else CI_PULL_ACTIONS
    statements = [
        {"Sid": "Login", "Effect": "Allow", "Action": LOGIN_ACTION, "Resource": "*"},
        {
            "Sid": "PushAndPull" if access == "push" else "Pull",
            "Effect": "Allow",
            "Action": list(actions),
            "Resource": sorted(repository_arns),
        },
    ]
    return json.dumps({"Version": POLICY_VERSION, "Statement": statements}, indent=2)


def render_ci_trust_policy(
    principals: list[str],
    github_subjects: list[str],
    *,
    oidc_provider_arn: Optional[str] = None,
    partition: str = "aws",
) -> str:
    """Who may assume a CI role: listed IAM principals, and GitHub Actions runs of the listed subjects."""
    statements: list[dict[str, Any]] = []
    if principals:
        statements.append(_allow_accounts("TrustedPrincipals", principals, ["sts:AssumeRole"], partition))
    if github_subjects:
        if oidc_provider_arn is None:
            raise ValueError("GitHub subjects need the OIDC provider's ARN")
        issuer = "token.actions.githubusercontent.com"
        statements.append(
            {
                "Sid": "GithubActions",
                "Effect": "Allow",
                "Principal": {"Federated": oidc_provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {f"{issuer}:aud": "sts.amazonaws.com"},
                    "StringLike": {f"{issuer}:sub": list(github_subjects)},
                },
            }
        )
    if not statements:
        raise ValueError("a CI role needs trusted principals or GitHub subjects")
    return json.dumps({"Version": POLICY_VERSION, "Statement": statements}, indent=2)


MAX_LIFECYCLE_POLICY_CHARACTERS = 30_720
"""ECR's limit on a lifecycle policy (PutLifecyclePolicy, lifecyclePolicyText)."""
MAX_POLICY_CHARACTERS = 10_240
"""ECR's limit on a repository policy and on a registry policy (policyText)."""


def oversize_problem(
    render: Callable[[Any], Optional[str]], settings: BaseModel, limit: int, lists: dict[str, str], what: str
) -> Optional[str]:
    """What to shorten when the document `render` makes of `settings` is longer than ECR takes.

    `lists` maps each config key that adds to the document to its field; the one that adds the most
    is named (measured by rendering without it), so the user knows where to cut.
    """
    document = render(settings)
    if document is None or len(document) <= limit:
        return None
    shares = {
        key: len(document) - len(render(settings.model_copy(update={field: []})) or "") for key, field in lists.items()
    }
    largest = max(shares, key=lambda key: shares[key])
    return (
        f"renders to a {what} of {len(document):,} characters; ECR accepts at most {limit:,}. "
        f"Shorten `{largest}` ({shares[largest]:,} characters of it)"
    )
