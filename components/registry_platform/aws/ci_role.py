"""`EcrCiRole`: an IAM role CI assumes to pull (or push) exactly the stack's repositories.

It is the ECR counterpart of a self-hosted htpasswd user: the identity in the registry's outputs.
With `exportLoginToken`, the component also fetches a 12-hour ECR token *as this role*, through a
provider that assumes it, so the password in the outputs carries the role's narrow permissions and
never the deployer's.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import pulumi
import pulumi_aws as aws

from ..settings.aws import EcrCiRoleSettings
from .context import MANAGED_BY, AwsContext, deployer_credential_settings
from .documents import render_ci_role_policy, render_ci_trust_policy

TYPE = "registry-platform:aws:EcrCiRole"
LOGIN_SESSION_NAME = "registry-platform-login-token"


class EcrCiRole(pulumi.ComponentResource):
    """An IAM role (trust: listed principals and/or GitHub OIDC subjects) with an inline policy
    granting `ecr:GetAuthorizationToken` and pull or push on the given repository ARNs."""

    role_arn: pulumi.Output[str]
    role_name: pulumi.Output[str]
    login_password: Optional[pulumi.Output[str]]
    """The role's ECR token (secret) when `exportLoginToken` is set; else None."""
    login_expires_at: Optional[pulumi.Output[str]]

    def __init__(
        self,
        name: str,
        args: EcrCiRoleSettings,
        repository_arns: Sequence[pulumi.Input[str]],
        context: AwsContext,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        oidc_provider_arn: Optional[pulumi.Input[str]] = None,
        tags: Optional[dict[str, str]] = None,
        deployer_credentials: Optional[dict[str, Any]] = None,
    ):
        """`deployer_credentials` are the provider settings the token provider starts from (default: the
        stack's `aws:*` config, see `deployer_credential_settings`): explicit providers read none of it."""
        args = EcrCiRoleSettings.coerce(args)
        if args.github_subjects and oidc_provider_arn is None:
            raise ValueError(f"CI role '{args.name}' trusts GitHub subjects: give oidc_provider_arn (the account's GitHub OIDC provider)")
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        trust = pulumi.Output.all(context.partition, oidc_provider_arn).apply(
            lambda values: render_ci_trust_policy(
                list(args.trusted_principals), list(args.github_subjects), oidc_provider_arn=values[1], partition=values[0]
            )
        )
        role = aws.iam.Role(
            f"{name}-role",
            name=args.role_name,
            description=f"CI {args.access} access to the ECR repositories of {pulumi.get_project()}/{pulumi.get_stack()}",
            assume_role_policy=trust,
            max_session_duration=args.max_session_hours * 3600,
            tags={**(tags or {}), **MANAGED_BY},
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-policy",
            role=role.id,
            policy=pulumi.Output.all(*repository_arns).apply(lambda arns: render_ci_role_policy(args.access, list(arns))),
            opts=child,
        )
        self.role_arn = role.arn
        self.role_name = role.name
        self.login_password = None
        self.login_expires_at = None
        if args.export_login_token:
            credentials = deployer_credentials if deployer_credentials is not None else deployer_credential_settings()
            self._login_token(name, role, policy, context, credentials)
        self.register_outputs({"roleArn": self.role_arn, "roleName": self.role_name})

    def _login_token(
        self, name: str, role: aws.iam.Role, policy: aws.iam.RolePolicy, context: AwsContext, credentials: dict[str, Any]
    ) -> None:
        """A deploy-time ECR token of this role: a provider assumes the role (after the deployer's own
        chain), the token invoke runs through it."""
        settings = dict(credentials)
        chain = list(settings.pop("assume_roles", []))
        provider = aws.Provider(
            f"{name}-provider",
            region=context.region,
            assume_roles=[*chain, aws.ProviderAssumeRoleArgs(role_arn=role.arn, session_name=LOGIN_SESSION_NAME)],
            **settings,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        token = aws.ecr.get_authorization_token_output(
            registry_id=context.account_id,
            opts=pulumi.InvokeOutputOptions(parent=self, provider=provider, depends_on=[policy]),
        )
        self.login_password = pulumi.Output.secret(token.password)
        self.login_expires_at = pulumi.Output.unsecret(token.expires_at)
