"""`HarborProject`: one Harbor project (or proxy-cache project) with its policies, members and robots.

`HarborRegistry` composes one per entry of `harbor.projects` and `harbor.proxyCaches`; a team can
also declare one on its own, given a `harbor.Provider`.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import pulumi
import pulumiverse_harbor as harbor

from ..settings.base import secret_output
from ..settings.harbor import ProjectOptions, ProjectSettings, ProxyCacheSettings, RetentionRule, Selector
from ..settings.harbor.access import PROVIDER_ROLES
from .robots import Robot, declare_robot

TYPE = "registry-platform:harbor:HarborProject"


def _selector(selector: Selector, matching: str, excluding: str) -> dict[str, str]:
    return {matching: selector.matching} if selector.matching is not None else {excluding: selector.excluding}


def retention_rule(rule: RetentionRule) -> dict[str, Any]:
    """One typed rule as the provider's flat rule: one template, one repository and one tag selector."""
    keep = {
        "keep_last_pushed": "most_recently_pushed",
        "keep_last_pulled": "most_recently_pulled",
        "keep_pushed_within_days": "n_days_since_last_push",
        "keep_pulled_within_days": "n_days_since_last_pull",
    }
    flat: dict[str, Any] = {"disabled": rule.disabled, "untagged_artifacts": rule.untagged}
    for ours, theirs in keep.items():
        if getattr(rule, ours) is not None:
            flat[theirs] = getattr(rule, ours)
    if rule.keep_always:
        flat["always_retain"] = True
    flat.update(_selector(rule.repositories, "repo_matching", "repo_excluding"))
    flat.update(_selector(rule.tags, "tag_matching", "tag_excluding"))
    return flat


class HarborProject(pulumi.ComponentResource):
    """A private-by-default Harbor project: scan on push, optional quota, vulnerability gate, signatures,
    SBOMs, retention, immutable tags, webhooks, members and project robots."""

    project: harbor.Project
    """The project resource itself (escape hatch)."""
    project_id: pulumi.Output[str]
    """Harbor's ID of the project (`/projects/N`), as its child resources take it."""
    pull_prefix: pulumi.Output[str]
    """`HOST/PROJECT`: image references start with it."""
    registry_id: Optional[pulumi.Output[int]]
    """For a proxy cache: Harbor's ID of the upstream registry endpoint; else None."""
    robots: dict[str, Robot]

    def __init__(
        self,
        name: str,
        args: ProjectSettings | ProxyCacheSettings | Mapping[str, Any],
        provider: pulumi.ProviderResource,
        login_server: pulumi.Input[str],
        opts: Optional[pulumi.ResourceOptions] = None,
    ):
        if not isinstance(args, ProjectOptions):
            args = (ProxyCacheSettings if "upstream" in args else ProjectSettings).model_validate(args)
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider)

        self.registry_id = None
        if isinstance(args, ProxyCacheSettings):
            upstream = args.upstream
            endpoint = harbor.Registry(
                f"{name}-upstream",
                name=args.name,
                provider_name=upstream.provider,
                endpoint_url=upstream.endpoint,
                access_id=upstream.username,
                access_secret=secret_output(upstream.password),
                insecure=upstream.insecure,
                description=upstream.description or f"Upstream of the proxy cache {args.name}",
                opts=child,
            )
            self.registry_id = endpoint.registry_id

        self.project = harbor.Project(
            name,
            name=args.name,
            public=args.public,
            storage_quota=args.storage_quota_gb,
            vulnerability_scanning=args.vulnerability_scanning,
            deployment_security=args.prevent_vulnerable,
            cve_allowlists=list(args.cve_allowlist) or None,
            enable_content_trust=args.content_trust == "notary",
            enable_content_trust_cosign=args.content_trust == "cosign",
            auto_sbom_generation=args.auto_sbom_generation,
            force_destroy=args.force_destroy,
            registry_id=self.registry_id,
            opts=child,
        )
        self.project_id = self.project.id
        self.pull_prefix = pulumi.Output.format("{0}/{1}", login_server, args.name)
        self._policies(name, args, child)
        self._members(name, args, child)
        self.robots = {
            f"{args.name}+{robot.name}": declare_robot(
                f"{name}-robot-{robot.name}",
                f"{args.name}+{robot.name}",
                robot,
                "project",
                [args.name],
                provider,
                self,
                depends_on=[self.project],
            )
            for robot in args.robots
        }
        self.register_outputs({"projectId": self.project_id, "pullPrefix": self.pull_prefix})

    def _policies(self, name: str, args: ProjectOptions, child: pulumi.ResourceOptions) -> None:
        if args.retention is not None:
            harbor.RetentionPolicy(
                f"{name}-retention",
                scope=self.project_id,
                schedule=args.retention.schedule,
                rules=[retention_rule(rule) for rule in args.retention.rules],
                opts=child,
            )
        for index, rule in enumerate(args.immutable_tags):
            harbor.ImmutableTagRule(
                f"{name}-immutable-{index}",
                project_id=self.project_id,
                disabled=rule.disabled,
                **_selector(rule.repositories, "repo_matching", "repo_excluding"),
                **_selector(rule.tags, "tag_matching", "tag_excluding"),
                opts=child,
            )
        for webhook in args.webhooks:
            harbor.ProjectWebhook(
                f"{name}-webhook-{webhook.name}",
                project_id=self.project_id,
                name=webhook.name,
                # The SDK marks neither as secret: wrap them, and keep them secret in the state too.
                address=secret_output(webhook.address),
                auth_header=secret_output(webhook.auth_header),
                notify_type=webhook.notify_type,
                events_types=list(webhook.events),
                skip_cert_verify=webhook.skip_cert_verify,
                enabled=webhook.enabled,
                description=webhook.description,
                opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(additional_secret_outputs=["address", "authHeader"])),
            )

    def _members(self, name: str, args: ProjectOptions, child: pulumi.ResourceOptions) -> None:
        for user in args.members.users:
            harbor.ProjectMemberUser(
                f"{name}-user-{user.name}",
                project_id=self.project_id,
                user_name=user.name,
                role=PROVIDER_ROLES.get(user.role, user.role),
                opts=child,
            )
        for group in args.members.groups:
            harbor.ProjectMemberGroup(
                f"{name}-group-{group.type}-{group.name}",
                project_id=self.project_id,
                group_name=group.name,
                type=group.type,
                ldap_group_dn=group.ldap_group_dn,
                role=PROVIDER_ROLES.get(group.role, group.role),
                opts=child,
            )
