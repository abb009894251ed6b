"""`EcrRepository`: one ECR repository with its lifecycle and repository policies.

`EcrRegistry` composes one per entry of `aws.repositories`; a team can also declare a single
repository on its own. Documents come from the pure renderers in `documents.py`: a repository
without rules gets no lifecycle policy, one without grants no repository policy.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import pulumi
import pulumi_aws as aws

from ..settings.aws import EcrRepositoryArgs, RepositorySettings
from .context import MANAGED_BY, AwsContext
from .documents import render_lifecycle_policy, render_repository_policy

TYPE = "registry-platform:aws:EcrRepository"


def _encryption(repository: RepositorySettings, key_arn: Optional[pulumi.Input[str]]):
    encryption = repository.encryption
    if encryption.type == "AES256":
        return [aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="AES256")]
    if encryption.aws_managed_key:
        return [aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="KMS")]
    key = encryption.kms_key_arn if encryption.kms_key_arn is not None else key_arn
    return [aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="KMS", kms_key=key)]


def create_kms_key(name: str, description: str, region: Optional[str], tags: dict[str, str], parent: pulumi.Resource) -> aws.kms.Key:
    """A customer-managed key for ECR repositories, rotation on, 30-day deletion window."""
    return aws.kms.Key(
        name,
        description=description,
        enable_key_rotation=True,
        deletion_window_in_days=30,
        region=region,
        tags={**tags, **MANAGED_BY},
        opts=pulumi.ResourceOptions(parent=parent),
    )


class EcrRepository(pulumi.ComponentResource):
    """An ECR repository: immutable tags and scan on push by default, encryption, lifecycle and access."""

    repository: aws.ecr.Repository
    """The repository resource itself (escape hatch)."""
    url: pulumi.Output[str]
    """`<account>.dkr.ecr.<region>.amazonaws.com/<name>`."""
    arn: pulumi.Output[str]
    name: pulumi.Output[str]
    kms_key_arn: Optional[pulumi.Output[str]]
    """The key this component created (KMS without a key ARN, used standalone); else None."""

    def __init__(
        self,
        name: str,
        args: EcrRepositoryArgs | RepositorySettings | Mapping[str, Any],
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        kms_key_arn: Optional[pulumi.Input[str]] = None,
        base_tags: Optional[Mapping[str, str]] = None,
        context: Optional[AwsContext] = None,
        region: Optional[str] = None,
    ):
        """`kms_key_arn`, `base_tags`, `context` and `region` let `EcrRegistry` share one created key,
        its global tags, one account lookup and its region among its repositories; standalone, the
        component takes the region from its args and makes the rest itself."""
        if not isinstance(args, RepositorySettings):
            args = EcrRepositoryArgs.coerce(args)
        super().__init__(TYPE, name, None, opts)
        region = getattr(args, "region", None) or region
        # Before this component existed, its children were parented directly by the EcrRegistry:
        # the alias keeps deployed repositories (and their policies) from being replaced.
        parent = opts.parent if opts is not None else None
        child = pulumi.ResourceOptions(parent=self, aliases=[pulumi.Alias(parent=parent)] if parent else None)
        tags = {**(base_tags or {}), **args.tags, **MANAGED_BY}

        self.kms_key_arn = None
        if args.encryption.creates_key and kms_key_arn is None:
            key = create_kms_key(f"{name}-kms", f"ECR repository {args.name}", region, tags, self)
            kms_key_arn = self.kms_key_arn = key.arn

        exclusions = [
            aws.ecr.RepositoryImageTagMutabilityExclusionFilterArgs(filter=f, filter_type="WILDCARD")
            for f in args.tag_mutability_exclusions
        ]
        self.repository = aws.ecr.Repository(
            name,
            name=args.name,
            image_tag_mutability=args.effective_tag_mutability,
            image_tag_mutability_exclusion_filters=exclusions or None,
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(
                scan_on_push=args.scan_on_push
            ),
            encryption_configurations=_encryption(args, kms_key_arn),
            force_delete=args.force_delete,
            region=region,
            tags=tags,
            opts=child,
        )
        lifecycle = render_lifecycle_policy(args.lifecycle)
        if lifecycle is not None:
            aws.ecr.LifecyclePolicy(
                f"{name}-lifecycle", repository=self.repository.name, policy=lifecycle, region=region, opts=child
            )
        if not args.access.empty:
            context = context or AwsContext.lookup(self, region)
            access = args.access
            aws.ecr.RepositoryPolicy(
                f"{name}-policy",
                repository=self.repository.name,
                policy=pulumi.Output.all(context.partition, context.account_id).apply(
                    lambda values: render_repository_policy(access, partition=values[0], account_id=values[1])
                ),
                region=region,
                opts=child,
            )
        self.url = self.repository.repository_url
        self.arn = self.repository.arn
        self.name = self.repository.name
        self.register_outputs({"url": self.url, "arn": self.arn, "name": self.name})
