"""`ArtifactRegistry`: Google Artifact Registry docker repositories, their CI service accounts and,
optionally, a GitHub Actions Workload Identity pool and the APIs they need.

Each repository is an `ArtifactRepository` child, each CI identity a `GcpCiServiceAccount`. The
registry's login identities are those service accounts: no token of whoever runs `pulumi up`
reaches an output (the opt-in password is a token minted for a CI service account).
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import pulumi
import pulumi_gcp as gcp

from ..access import CiIdentity, RegistryAccess
from ..settings.gcp import ArtifactRegistryArgs
from ..settings.gcp.ci import GITHUB_ISSUER
from .ci_account import GcpCiServiceAccount
from .documents import GITHUB_ATTRIBUTE_MAPPING, attribute_condition
from .repository import MANAGED_BY, ArtifactRepository, default_project, login_server

TYPE = "registry-platform:gcp:ArtifactRegistry"
USERNAME = "oauth2accesstoken"
"""The user name docker logs in with when the password is an OAuth access token."""
CREDENTIAL_HELPER = "gcloud"
"""docker-credential-gcloud: logs docker in with whatever Google identity the CI job has (e.g. through Workload Identity)."""


def login_command(server: pulumi.Input[str]) -> pulumi.Output[str]:
    """The documented recipe, run by a CI job acting as one of the stack's CI service accounts."""
    return pulumi.Output.format(
        "gcloud auth print-access-token | docker login --username " + USERNAME + " --password-stdin https://{0}", server
    )


def required_services(args: ArtifactRegistryArgs) -> list[str]:
    """The APIs this registry uses (what `enableServices` turns on)."""
    services = {"artifactregistry.googleapis.com"}
    if any(r.mode == "STANDARD" and r.vulnerability_scanning for r in args.repositories):
        services.add("containerscanning.googleapis.com")
    if args.ci_service_accounts:
        services.add("iam.googleapis.com")
    if any(a.export_access_token or a.impersonators for a in args.ci_service_accounts):
        services.add("iamcredentials.googleapis.com")
    if args.github_workload_identity is not None:
        services |= {"iamcredentials.googleapis.com", "sts.googleapis.com"}
    return sorted(services)


class ArtifactRegistry(pulumi.ComponentResource):
    """Docker repositories with immutable tags, vulnerability scanning, cleanup and IAM, and CI service accounts."""

    access: RegistryAccess
    """The shared output shape: login server `LOCATION-docker.pkg.dev`, user `oauth2accesstoken`, the CI service
    accounts as identities, no password unless an account sets `exportAccessToken`."""
    project: pulumi.Output[str]
    location: str
    login_server: pulumi.Output[str]
    repositories: dict[str, ArtifactRepository]
    ci_service_accounts: dict[str, GcpCiServiceAccount]
    workload_identity_provider: Optional[pulumi.Output[str]]
    """Full name of the GitHub provider (created here or given), for google-github-actions/auth; None without one."""
    workload_identity_pool: Optional[pulumi.Output[str]]

    def __init__(self, name: str, args: ArtifactRegistryArgs | Mapping[str, Any], opts: Optional[pulumi.ResourceOptions] = None):
        args = ArtifactRegistryArgs.coerce(args)
        super().__init__(TYPE, name, None, opts)
        self.location = args.location
        self.project = pulumi.Output.from_input(args.project) if args.project else default_project(self)
        base_labels = {**args.labels, **MANAGED_BY}
        services = self._services(name, args) if args.enable_services else []

        self.repositories = {}
        # Upstreams first, so a virtual repository can point at the full names of the stack's own repositories.
        ordered = sorted(args.repositories, key=lambda r: r.mode == "VIRTUAL")
        for repository in ordered:
            self.repositories[repository.repository_id] = ArtifactRepository(
                f"{name}-{repository.repository_id}",
                repository,
                pulumi.ResourceOptions(parent=self),
                location=args.location,
                project=args.project,
                base_labels=base_labels,
                upstream_names={rid: r.id for rid, r in self.repositories.items()},
                depends_on=services,
            )
        self.repositories = {r.repository_id: self.repositories[r.repository_id] for r in args.repositories}

        self.workload_identity_pool, self.workload_identity_provider = self._workload_identity(name, args, services)
        self.ci_service_accounts = {
            account.name: GcpCiServiceAccount(
                f"{name}-ci-{account.name}",
                account,
                {rid: self.repositories[rid] for rid in (account.repositories or self.repositories)},
                pulumi.ResourceOptions(parent=self),
                project=args.project,
                pool_name=self.workload_identity_pool,
                depends_on=services,
            )
            for account in args.ci_service_accounts
        }

        self.login_server = login_server(args.location)
        exporting = next((a for a in self.ci_service_accounts.values() if a.access_token is not None), None)
        self.access = RegistryAccess.create(
            "artifact-registry",
            endpoint=pulumi.Output.format("https://{0}", self.login_server),
            login_server=self.login_server,
            username=USERNAME,
            password=exporting.access_token if exporting else None,
            password_expires_at=exporting.token_expires_at if exporting else None,
            login_command=login_command(self.login_server),
            credential_helper=CREDENTIAL_HELPER,
            identities=[
                CiIdentity(name=a.name, access=a.access, type="gcp-service-account", id=self.ci_service_accounts[a.name].email)
                for a in args.ci_service_accounts
            ],
        )
        self.register_outputs(self.stack_outputs()["gcp"])

    def _services(self, name: str, args: ArtifactRegistryArgs) -> list[gcp.projects.Service]:
        return [
            gcp.projects.Service(
                f"{name}-service-{service.split('.')[0]}",
                service=service,
                project=args.project,
                disable_on_destroy=False,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for service in required_services(args)
        ]

    def _workload_identity(
        self, name: str, args: ArtifactRegistryArgs, services: list[gcp.projects.Service]
    ) -> tuple[Optional[pulumi.Output[str]], Optional[pulumi.Output[str]]]:
        settings = args.github_workload_identity
        if settings is None:
            return None, None
        if settings.provider_name is not None:
            return pulumi.Output.from_input(settings.pool_name), pulumi.Output.from_input(settings.provider_name)
        create = settings.create
        opts = pulumi.ResourceOptions(parent=self, depends_on=services)
        pool = gcp.iam.WorkloadIdentityPool(
            f"{name}-github-pool",
            workload_identity_pool_id=create.pool_id,
            display_name="GitHub Actions",
            description=f"GitHub Actions for {pulumi.get_project()}/{pulumi.get_stack()}; managed by registry-platform",
            project=args.project,
            opts=opts,
        )
        repositories = set().union(*(a.github_repository_names for a in args.ci_service_accounts))
        provider = gcp.iam.WorkloadIdentityPoolProvider(
            f"{name}-github-provider",
            workload_identity_pool_id=pool.workload_identity_pool_id,
            workload_identity_pool_provider_id=create.provider_id,
            display_name="GitHub Actions OIDC",
            attribute_mapping=GITHUB_ATTRIBUTE_MAPPING,
            attribute_condition=attribute_condition(repositories),
            oidc={"issuer_uri": GITHUB_ISSUER},
            project=args.project,
            opts=opts,
        )
        return pool.name, provider.name

    def stack_outputs(self) -> dict[str, Any]:
        """What the stack program exports for this registry (besides the shared shape)."""
        return {
            "gcp": {
                "project": self.project,
                "location": self.location,
                "loginServer": self.login_server,
                "repositories": {rid: {"url": r.url, "id": r.id} for rid, r in self.repositories.items()},
                "ciServiceAccounts": {n: a.email for n, a in self.ci_service_accounts.items()},
                "workloadIdentityPool": self.workload_identity_pool,
                "workloadIdentityProvider": self.workload_identity_provider,
            }
        }
