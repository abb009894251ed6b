"""`EcrRegistry` (repositories and CI roles) and `EcrRegistrySettings` (account-wide singletons) on AWS ECR.

Both take their pydantic settings as args. Each repository is an `EcrRepository` child; each CI
role an `EcrCiRole`. The registry's login identities are those roles: no token of whoever runs
`pulumi up` reaches an output.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import pulumi
import pulumi_aws as aws

from ..access import CiIdentity, RegistryAccess
from ..settings.aws import EcrRegistryArgs, EcrRegistrySettingsArgs
from ..settings.aws.ci import GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_URL
from .ci_role import EcrCiRole
from .context import MANAGED_BY, AwsContext
from .documents import render_registry_policy
from .repository import EcrRepository, create_kms_key

REGISTRY_TYPE = "registry-platform:aws:EcrRegistry"
SETTINGS_TYPE = "registry-platform:aws:EcrRegistrySettings"
ECR_USERNAME = "AWS"
CREDENTIAL_HELPER = "ecr-login"
"""amazon-ecr-credential-helper: logs docker in with whatever AWS identity the CI job has assumed."""


def login_command(region: pulumi.Input[str], login_server: pulumi.Input[str]) -> pulumi.Output[str]:
    """The documented recipe, run by a CI job that has assumed one of the stack's CI roles."""
    return pulumi.Output.format(
        "aws ecr get-login-password --region {0} | docker login --username AWS --password-stdin {1}",
        region,
        login_server,
    )


class EcrRegistry(pulumi.ComponentResource):
    """ECR repositories with immutable tags, scan on push, lifecycle and access policies, and CI roles."""

    access: RegistryAccess
    """The shared output shape: login server, username `AWS`, the CI roles as identities, no password
    unless a role sets `exportLoginToken`."""
    registry_id: pulumi.Output[str]
    login_server: pulumi.Output[str]
    repositories: dict[str, EcrRepository]
    ci_roles: dict[str, EcrCiRole]
    github_oidc_provider_arn: Optional[pulumi.Output[str]]
    """The GitHub OIDC provider the roles trust (created here or given); None without `githubOidc`."""
    kms_key_arn: Optional[pulumi.Output[str]]
    """The key the component created for repositories that asked for KMS without a key (else None)."""

    def __init__(
        self,
        name: str,
        args: EcrRegistryArgs | Mapping[str, Any],
        opts: Optional[pulumi.ResourceOptions] = None,
    ):
        args = EcrRegistryArgs.coerce(args)
        super().__init__(REGISTRY_TYPE, name, None, opts)
        base_tags = {**args.tags, **MANAGED_BY}
        region = args.region
        context = AwsContext.lookup(self, region)

        created_key = None
        if any(r.encryption.creates_key for r in args.repositories):
            created_key = create_kms_key(
                f"{name}-kms", f"ECR repositories of {pulumi.get_project()}/{pulumi.get_stack()} ({name})", region, base_tags, self
            )
        self.kms_key_arn = created_key.arn if created_key else None

        self.repositories = {
            repository.name: EcrRepository(
                f"{name}-{repository.name}",
                repository,
                pulumi.ResourceOptions(parent=self),
                kms_key_arn=self.kms_key_arn,
                base_tags=base_tags,
                context=context,
                region=region,
            )
            for repository in args.repositories
        }
        self.github_oidc_provider_arn = self._github_oidc(name, args, base_tags)
        self.ci_roles = {
            role.name: EcrCiRole(
                f"{name}-ci-{role.name}",
                role,
                [self.repositories[r].arn for r in (role.repositories or self.repositories)],
                context,
                pulumi.ResourceOptions(parent=self),
                oidc_provider_arn=self.github_oidc_provider_arn,
                tags=base_tags,
            )
            for role in args.ci_roles
        }

        self.registry_id = context.account_id
        self.login_server = context.login_server
        exporting = next((role for role in self.ci_roles.values() if role.login_password is not None), None)
        self.access = RegistryAccess.create(
            "ecr",
            endpoint=pulumi.Output.format("https://{0}", self.login_server),
            login_server=self.login_server,
            username=ECR_USERNAME,
            password=exporting.login_password if exporting else None,
            password_expires_at=exporting.login_expires_at if exporting else None,
            login_command=login_command(context.region, self.login_server),
            credential_helper=CREDENTIAL_HELPER,
            identities=[
                CiIdentity(name=role.name, access=role.access, type="aws-iam-role", id=self.ci_roles[role.name].role_arn)
                for role in args.ci_roles
            ],
        )
        self.register_outputs(self.stack_outputs()["aws"])

    def _github_oidc(self, name: str, args: EcrRegistryArgs, tags: dict[str, str]) -> Optional[pulumi.Output[str]]:
        oidc = args.github_oidc
        if oidc is None:
            return None
        if oidc.provider_arn is not None:
            return pulumi.Output.from_input(oidc.provider_arn)
        provider = aws.iam.OpenIdConnectProvider(
            f"{name}-github-oidc",
            url=GITHUB_OIDC_URL,
            client_id_lists=[GITHUB_OIDC_AUDIENCE],
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return provider.arn

    def stack_outputs(self) -> dict[str, Any]:
        """What the stack program exports for this registry (besides the shared shape)."""
        return {
            "aws": {
                "registryId": self.registry_id,
                "loginServer": self.login_server,
                "repositories": {n: {"url": r.url, "arn": r.arn} for n, r in self.repositories.items()},
                "kmsKeyArn": self.kms_key_arn,
                "ciRoles": {n: r.role_arn for n, r in self.ci_roles.items()},
                "githubOidcProviderArn": self.github_oidc_provider_arn,
            }
        }


class EcrRegistrySettings(pulumi.ComponentResource):
    """The per-account, per-region ECR singletons. Declare it in one stack only, or stacks overwrite each other."""

    def __init__(
        self,
        name: str,
        args: EcrRegistrySettingsArgs | Mapping[str, Any],
        opts: Optional[pulumi.ResourceOptions] = None,
    ):
        args = EcrRegistrySettingsArgs.coerce(args)
        super().__init__(SETTINGS_TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        region = args.region
        context = AwsContext.lookup(self, region)

        if args.scanning is not None:
            aws.ecr.RegistryScanningConfiguration(
                f"{name}-scanning",
                scan_type=args.scanning.type,
                rules=[
                    aws.ecr.RegistryScanningConfigurationRuleArgs(
                        scan_frequency=rule.frequency,
                        repository_filters=[
                            aws.ecr.RegistryScanningConfigurationRuleRepositoryFilterArgs(filter=f, filter_type="WILDCARD")
                            for f in rule.filters
                        ],
                    )
                    for rule in args.scanning.rules
                ],
                region=region,
                opts=child,
            )

        if args.replication is not None:
            rules = [
                aws.ecr.ReplicationConfigurationReplicationConfigurationRuleArgs(
                    destinations=[
                        aws.ecr.ReplicationConfigurationReplicationConfigurationRuleDestinationArgs(
                            region=destination.region,
                            registry_id=destination.registry_id or context.account_id,
                        )
                        for destination in rule.destinations
                    ],
                    repository_filters=[
                        aws.ecr.ReplicationConfigurationReplicationConfigurationRuleRepositoryFilterArgs(
                            filter=prefix, filter_type="PREFIX_MATCH"
                        )
                        for prefix in rule.repository_prefixes
                    ]
                    or None,
                )
                for rule in args.replication.rules
            ]
            aws.ecr.ReplicationConfiguration(
                f"{name}-replication",
                replication_configuration=aws.ecr.ReplicationConfigurationReplicationConfigurationArgs(rules=rules),
                region=region,
                opts=child,
            )

        policy = args.policy
        if policy is not None and (policy.allow_replication_from or policy.statements):
            document = pulumi.Output.all(context.account_id, context.region, context.partition).apply(
                lambda values: render_registry_policy(
                    policy, account_id=values[0], region=values[1], partition=values[2]
                )
            )
            aws.ecr.RegistryPolicy(f"{name}-policy", policy=document, region=region, opts=child)
        self.register_outputs({})
