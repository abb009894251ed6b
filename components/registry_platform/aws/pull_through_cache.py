"""`EcrPullThroughCache`: one upstream cached by ECR, with its credential secret and creation template.

Children: the Secrets Manager secret `ecr-pullthroughcache/<cache>` (JSON `username` / `accessToken`,
as ECR reads it) and its version when the cache has credentials, the `PullThroughCacheRule`, and a
`RepositoryCreationTemplate` for the prefix, so the repositories ECR creates on the first pull get
tag immutability, encryption and lifecycle rules like declared ones (scanning comes from the
registry's scanning rules; a template cannot set it). `grant_cache_pulls` lets the stack's CI roles
pull through the caches (`ecr:BatchImportUpstreamImage`, `ecr:CreateRepository` on the prefixes).
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws

from ..settings.aws.lifecycle import LifecycleSelection, LifecycleSettings, RawLifecycleRule
from ..settings.base import secret_output
from ..settings.caches import PullThroughCacheSettings
from ..settings.formats import duration_seconds
from .context import MANAGED_BY, AwsContext
from .documents import CI_PULL_ACTIONS, POLICY_VERSION, render_lifecycle_policy

TYPE = "registry-platform:aws:EcrPullThroughCache"
SECRET_PREFIX = "ecr-pullthroughcache/"
"""ECR only reads credential secrets whose names start with this (same account and region)."""
CACHE_IMPORT_ACTIONS = ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"]
"""What a puller needs on a cache prefix besides pull: the first pull imports the image and creates the repository."""


def secret_name(cache_name: str) -> str:
    return f"{SECRET_PREFIX}{cache_name}"


def cache_lifecycle(cache: PullThroughCacheSettings) -> Optional[LifecycleSettings]:
    """`aws.lifecycle`, plus an expiry rule for every image `ttl` after it was cached."""
    lifecycle = cache.aws.lifecycle
    if cache.ttl is None:
        return lifecycle
    days = int(duration_seconds(cache.ttl) // 86400)
    expiry = RawLifecycleRule(
        selection=LifecycleSelection(tag_status="any", count_type="sinceImagePushed", count_unit="days", count_number=days),
        description=f"Expire cached images {days} days after they were cached (ttl {cache.ttl})",
    )
    base = lifecycle or LifecycleSettings()
    return base.model_copy(update={"raw_rules": [*base.raw_rules, expiry]})


def render_cache_pull_policy(repository_prefix_arns: Sequence[str]) -> str:
    """Pull, import and create on the repositories under each cache prefix (`.../repository/<prefix>/*`)."""
    return json.dumps(
        {
            "Version": POLICY_VERSION,
            "Statement": [
                {
                    "Sid": "PullThroughCaches",
                    "Effect": "Allow",
                    "Action": [*CI_PULL_ACTIONS, *CACHE_IMPORT_ACTIONS],
                    "Resource": sorted(repository_prefix_arns),
                }
            ],
        },
        indent=2,
    )


def prefix_arn(context_values: Sequence[str], prefix: str) -> str:
    partition, region, account = context_values
    return f"arn:{partition}:ecr:{region}:{account}:repository/{prefix}/*"


class EcrPullThroughCache(pulumi.ComponentResource):
    """An ECR pull-through cache rule for one upstream, its credential secret and its creation template."""

    pull_prefix: pulumi.Output[str]
    """`<account>.dkr.ecr.<region>.amazonaws.com/<prefix>`: pull `<pullPrefix>/library/nginx:latest`."""
    secret_arn: Optional[pulumi.Output[str]]
    rule: aws.ecr.PullThroughCacheRule
    template: aws.ecr.RepositoryCreationTemplate

    def __init__(
        self,
        name: str,
        cache: PullThroughCacheSettings | Mapping[str, Any],
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        region: Optional[str] = None,
        tags: Optional[Mapping[str, str]] = None,
        context: Optional[AwsContext] = None,
    ):
        cache = PullThroughCacheSettings.coerce(cache)
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        context = context or AwsContext.lookup(self, region)
        all_tags = {**(tags or {}), **MANAGED_BY}
        prefix = cache.repository_prefix

        self.secret_arn = None
        depends_on: list[pulumi.Resource] = []
        if cache.credentials is not None:
            secret = aws.secretsmanager.Secret(
                f"{name}-credentials",
                name=secret_name(cache.name),
                description=f"Upstream credentials of the ECR pull-through cache '{prefix}' ({cache.upstream_host}); managed by registry-platform",
                # The value lives in stack config: nothing is lost, and a re-create after destroy is not blocked
                # for 30 days by a secret scheduled for deletion under the same name.
                recovery_window_in_days=0,
                tags=all_tags,
                region=region,
                opts=child,
            )
            username = cache.credentials.username
            version = aws.secretsmanager.SecretVersion(
                f"{name}-credentials-version",
                secret_id=secret.id,
                secret_string=secret_output(cache.credentials.token).apply(
                    lambda token: json.dumps({"username": username, "accessToken": token})
                ),
                region=region,
                opts=child,
            )
            self.secret_arn = secret.arn
            depends_on.append(version)

        self.rule = aws.ecr.PullThroughCacheRule(
            f"{name}-rule",
            ecr_repository_prefix=prefix,
            upstream_registry_url=cache.ecr_upstream_url,
            credential_arn=self.secret_arn,
            region=region,
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends_on),
        )
        options = cache.aws
        encryption = {"encryption_type": "KMS", "kms_key": options.kms_key_arn} if options.kms_key_arn else {"encryption_type": "AES256"}
        self.template = aws.ecr.RepositoryCreationTemplate(
            f"{name}-template",
            prefix=prefix,
            description=f"Repositories of the pull-through cache '{prefix}' ({cache.upstream_host}); managed by registry-platform",
            applied_fors=["PULL_THROUGH_CACHE", *(["REPLICATION"] if options.replication else [])],
            image_tag_mutability=options.tag_mutability,
            encryption_configurations=[encryption],
            lifecycle_policy=render_lifecycle_policy(cache_lifecycle(cache)),
            custom_role_arn=options.custom_role_arn,
            # Tags without a custom role break the cache (aws/containers-roadmap#2398).
            resource_tags=all_tags if options.custom_role_arn else None,
            region=region,
            opts=child,
        )
        self.repository_prefix = prefix
        self.upstream = cache.ecr_upstream_url
        self.pull_prefix = pulumi.Output.format("{0}/{1}", context.login_server, prefix)
        self.prefix_arn = pulumi.Output.all(context.partition, context.region, context.account_id).apply(
            lambda values: prefix_arn(values, prefix)
        )
        self.register_outputs({"pullPrefix": self.pull_prefix, "secretArn": self.secret_arn})

    def cache_outputs(self) -> dict[str, Any]:
        """This cache's entry under `pullThroughCaches.<cache>.aws`."""
        return {
            "pullPrefix": self.pull_prefix,
            "repositoryPrefix": self.repository_prefix,
            "upstream": self.upstream,
            "credentialSecretArn": self.secret_arn,
        }


def grant_cache_pulls(ci_roles: Mapping[str, Any], caches: Sequence[EcrPullThroughCache]) -> list[aws.iam.RolePolicy]:
    """An inline policy on each CI role (an `EcrCiRole`) to pull through every cache of the stack.

    A separate policy beside the role's own: caches are read-only copies of upstream images, so every
    CI role, pull or push, may pull them; the first pull of an image imports it and creates its repository.
    """
    if not caches:
        return []
    arns = pulumi.Output.all(*[cache.prefix_arn for cache in caches])
    return [
        aws.iam.RolePolicy(
            f"{role._name}-pull-through-caches",
            role=role.role_name,
            policy=arns.apply(lambda values: render_cache_pull_policy(list(values))),
            opts=pulumi.ResourceOptions(parent=role),
        )
        for role in ci_roles.values()
    ]
