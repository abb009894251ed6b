"""`EcrRegistry` (repositories) and `EcrRegistrySettings` (account-wide singletons) on AWS ECR.

Both take their pydantic settings as args. Documents (lifecycle, repository and registry policies)
come from the pure renderers in `documents.py`; a repository without rules gets no lifecycle policy
and one without grants gets no repository policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

import pulumi
import pulumi_aws as aws

from ..access import RegistryAccess
from ..settings.aws import EcrRegistryArgs, EcrRegistrySettingsArgs, RepositorySettings
from .documents import render_lifecycle_policy, render_registry_policy, render_repository_policy

REGISTRY_TYPE = "registry-platform:aws:EcrRegistry"
SETTINGS_TYPE = "registry-platform:aws:EcrRegistrySettings"
MANAGED_BY = {"managed-by": "registry-platform"}
ECR_USERNAME = "AWS"


@dataclass(frozen=True)
class EcrRepositoryOutputs:
    url: pulumi.Output[str]
    arn: pulumi.Output[str]


def _encryption(repository: RepositorySettings, created_key: Optional[aws.kms.Key]):
    encryption = repository.encryption
    if encryption.type == "AES256":
        return [aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="AES256")]
    if encryption.aws_managed_key:
        return [aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="KMS")]
    key = encryption.kms_key_arn if encryption.kms_key_arn is not None else created_key.arn
    return [aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="KMS", kms_key=key)]


@dataclass(frozen=True)
class AwsContext:
    """Account, region and partition as the provider sees them (invokes, resolved once per component)."""

    account_id: pulumi.Output[str]
    region: pulumi.Output[str]
    partition: pulumi.Output[str]
    dns_suffix: pulumi.Output[str]

    @classmethod
    def lookup(cls, parent: pulumi.Resource, region: Optional[str]) -> "AwsContext":
        opts = pulumi.InvokeOutputOptions(parent=parent)
        identity = aws.get_caller_identity_output(opts=opts)
        partition = aws.get_partition_output(opts=opts)
        current_region = (
            pulumi.Output.from_input(region) if region else aws.get_region_output(opts=opts).region
        )
        return cls(
            account_id=pulumi.Output.unsecret(identity.account_id),
            region=pulumi.Output.unsecret(current_region),
            partition=pulumi.Output.unsecret(partition.partition),
            dns_suffix=pulumi.Output.unsecret(partition.dns_suffix),
        )


class EcrRegistry(pulumi.ComponentResource):
    """ECR repositories with immutable tags, scan on push, lifecycle and access policies, and login outputs."""

    access: RegistryAccess
    """The shared output shape: login server, username `AWS`, a 12-hour token as password (secret)."""
    registry_id: pulumi.Output[str]
    login_server: pulumi.Output[str]
    repositories: dict[str, EcrRepositoryOutputs]
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
            created_key = aws.kms.Key(
                f"{name}-kms",
                description=f"ECR repositories of {pulumi.get_project()}/{pulumi.get_stack()} ({name})",
                enable_key_rotation=True,
                deletion_window_in_days=30,
                region=region,
                tags=base_tags,
                opts=pulumi.ResourceOptions(parent=self),
            )

        self.repositories = {}
        for repository in args.repositories:
            self.repositories[repository.name] = self._repository(
                name, repository, created_key, base_tags, region, context.partition
            )

        # The token invoke's result may be secret as a whole, so the plain outputs are built from
        # account, region and DNS suffix instead of from its proxy endpoint.
        token = aws.ecr.get_authorization_token_output(
            registry_id=context.account_id, region=region, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        self.registry_id = context.account_id
        self.login_server = pulumi.Output.format(
            "{0}.dkr.ecr.{1}.{2}", context.account_id, context.region, context.dns_suffix
        )
        self.kms_key_arn = created_key.arn if created_key else None
        self.access = RegistryAccess.create(
            "ecr",
            endpoint=pulumi.Output.format("https://{0}", self.login_server),
            login_server=self.login_server,
            username=ECR_USERNAME,
            password=token.password,
            password_expires_at=pulumi.Output.unsecret(token.expires_at),
        )
        self.register_outputs(
            {
                "registryId": self.registry_id,
                "loginServer": self.login_server,
                "repositories": {n: {"url": r.url, "arn": r.arn} for n, r in self.repositories.items()},
            }
        )

    def _repository(
        self,
        name: str,
        repository: RepositorySettings,
        created_key: Optional[aws.kms.Key],
        base_tags: dict[str, str],
        region: Optional[str],
        partition: pulumi.Output[str],
    ) -> EcrRepositoryOutputs:
        resource_name = f"{name}-{repository.name}"
        exclusions = [
            aws.ecr.RepositoryImageTagMutabilityExclusionFilterArgs(filter=f, filter_type="WILDCARD")
            for f in repository.tag_mutability_exclusions
        ]
        created = aws.ecr.Repository(
            resource_name,
            name=repository.name,
            image_tag_mutability=repository.effective_tag_mutability,
            image_tag_mutability_exclusion_filters=exclusions or None,
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(
                scan_on_push=repository.scan_on_push
            ),
            encryption_configurations=_encryption(repository, created_key),
            force_delete=repository.force_delete,
            region=region,
            tags={**base_tags, **repository.tags, **MANAGED_BY},
            opts=pulumi.ResourceOptions(parent=self),
        )
        lifecycle = render_lifecycle_policy(repository.lifecycle)
        if lifecycle is not None:
            aws.ecr.LifecyclePolicy(
                f"{resource_name}-lifecycle",
                repository=created.name,
                policy=lifecycle,
                region=region,
                opts=pulumi.ResourceOptions(parent=self),
            )
        if not repository.access.empty:
            aws.ecr.RepositoryPolicy(
                f"{resource_name}-policy",
                repository=created.name,
                policy=partition.apply(lambda p: render_repository_policy(repository.access, partition=p)),
                region=region,
                opts=pulumi.ResourceOptions(parent=self),
            )
        return EcrRepositoryOutputs(url=created.repository_url, arn=created.arn)


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
