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

