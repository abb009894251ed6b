"""Repository access and raw IAM statements: the checks a policy document must pass before AWS sees it."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from ..base import SettingsModel, checked
from .formats import Principal, _lambda_arn_problem

PRINCIPAL_LIMITING_KEYS = {
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
}

FORBIDDEN_REPOSITORY_ACTIONS = {"ecr:getauthorizationtoken"}


def statement_problems(statement: dict[str, Any], policy: str) -> list[tuple[str, str]]:
    """Why a raw statement of a `policy` (`repository` or `registry`) policy is refused, each at its key."""
    problems: list[tuple[str, str]] = []
    if statement.get("Effect") not in ("Allow", "Deny"):
        problems.append(("Effect", "must be Allow or Deny"))
    actions = statement.get("Action")
    if actions is None:
        problems.append(("Action", "is required: an action or a list of actions (e.g. ecr:BatchGetImage)"))
    elif not isinstance(actions, (str, list)) or not all(isinstance(action, str) for action in _as_list(actions)):
        problems.append(("Action", "must be an action or a list of actions (e.g. ecr:BatchGetImage)"))
    elif any(action.lower() in FORBIDDEN_REPOSITORY_ACTIONS for action in _as_list(actions)):
        problems.append((
            "Action",
            f"ecr:GetAuthorizationToken cannot be granted in a {policy} policy (AWS rejects it; grant it in IAM)",
        ))
    principal = statement.get("Principal")
    if principal is None:
        problems.append(("Principal", "is required: {AWS: [account IDs or IAM ARNs]} or {Service: ...}"))
    elif _everyone(principal) and statement.get("Effect") == "Allow" and not _limits_principal(statement.get("Condition")):
        problems.append((
            "Principal",
            f"'*' would make the {policy} public; add a Condition on one of "
            "aws:PrincipalOrgID, aws:PrincipalAccount, aws:PrincipalArn, aws:SourceAccount, aws:SourceArn",
        ))
    return problems


def _everyone(principal: Any) -> bool:
    return principal == "*" or (isinstance(principal, dict) and "*" in _as_list(principal.get("AWS")))


def _limits_principal(condition: Any) -> bool:
    if not isinstance(condition, dict):
        return False
    keys = {key.lower() for operator in condition.values() if isinstance(operator, dict) for key in operator}
    return bool(keys & PRINCIPAL_LIMITING_KEYS)


def statements_problems(statements: list[dict[str, Any]], policy: str) -> list[tuple[str, str]]:
    """Every refused part of every statement, at `[index].Key`."""
    return [
        (f"[{index}].{key}", message)
        for index, statement in enumerate(statements)
        for key, message in statement_problems(statement, policy)
    ]


RepositoryPolicyStatements = Annotated[
    list[dict[str, Any]], checked(lambda statements: statements_problems(statements, "repository"))
]
"""Raw statements of a repository policy."""
RegistryPolicyStatements = Annotated[
    list[dict[str, Any]], checked(lambda statements: statements_problems(statements, "registry"))
]
"""Raw statements of the registry policy."""


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value) if isinstance(value, list) else [value]


class AccessSettings(SettingsModel):
    """Who may use a repository, rendered into its repository policy (none when all lists are empty)."""

    pull: list[Principal] = Field(default_factory=list)
    """Account IDs or IAM ARNs that may pull."""
    push: list[Principal] = Field(default_factory=list)
    """Account IDs or IAM ARNs that may push (and pull)."""
    lambda_pull: list[Annotated[str, checked(_lambda_arn_problem)]] = Field(default_factory=list)
    """Lambda function ARN patterns whose service may pull the image (source-ARN condition)."""
    statements: RepositoryPolicyStatements = Field(default_factory=list)
    """Further IAM policy statements, as written in a policy document."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        from ...aws.documents import MAX_POLICY_CHARACTERS, oversize_problem, render_repository_policy

        if invalid:  # the size of a document that is partly wrong means little
            return []
        lists = {"pull": "pull", "push": "push", "lambdaPull": "lambda_pull", "statements": "statements"}
        problem = oversize_problem(render_repository_policy, self, MAX_POLICY_CHARACTERS, lists, "repository policy")
        return [("", problem)] if problem else []

    @property
    def empty(self) -> bool:
        return not (self.pull or self.push or self.lambda_pull or self.statements)
