"""`GcpCiServiceAccount`: a service account CI acts as to pull (or push) exactly the stack's repositories.

It is the Artifact Registry counterpart of a self-hosted htpasswd user or an ECR CI role: the
identity in the registry's outputs. No key is created. GitHub Actions act as it through Workload
Identity Federation (`roles/iam.workloadIdentityUser` bound to exactly the listed subjects and
repositories); `impersonators` get `roles/iam.serviceAccountTokenCreator`. With `exportAccessToken`,
a 1-hour access token *of this account* is minted at deploy time by impersonating it, so the
password in the outputs carries the account's narrow permissions and never the deployer's.
"""

from __future__ import annotations

import datetime
from typing import Mapping, Optional, Sequence

import pulumi
import pulumi_gcp as gcp

from ..settings.gcp import GcpCiServiceAccountSettings
from ..settings.gcp.ci import TOKEN_LIFETIME_SECONDS
from ..settings.gcp.iam import ACCESS_ROLES
from .documents import TOKEN_CREATOR, WORKLOAD_IDENTITY_USER, default_account_id, github_members
from .repository import ArtifactRepository

TYPE = "registry-platform:gcp:CiServiceAccount"
TOKEN_SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]


class GcpCiServiceAccount(pulumi.ComponentResource):
    """A service account with reader or writer on the given repositories, usable through Workload Identity or impersonation."""

    email: pulumi.Output[str]
    member: pulumi.Output[str]
    """`serviceAccount:EMAIL`."""
    access_token: Optional[pulumi.Output[str]]
    """The account's access token (secret) when `exportAccessToken` is set; else None."""
    token_expires_at: Optional[pulumi.Output[str]]

    def __init__(
        self,
        name: str,
        args: GcpCiServiceAccountSettings,
        repositories: Mapping[str, ArtifactRepository],
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        project: Optional[pulumi.Input[str]] = None,
        pool_name: Optional[pulumi.Input[str]] = None,
        depends_on: Sequence[pulumi.Resource] = (),
    ):
        """`repositories`: the repositories to grant, by ID. `pool_name`: the Workload Identity pool
        (`projects/NUMBER/locations/global/workloadIdentityPools/POOL`) for GitHub members.
        `depends_on`: what the account waits for (the enabled IAM API)."""
        args = GcpCiServiceAccountSettings.coerce(args)
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        account = gcp.serviceaccount.Account(
            f"{name}-account",
            account_id=args.account_id
            or default_account_id(args.name, project if isinstance(project, str) else "", pulumi.get_stack(), name),
            display_name=f"CI {args.access} ({args.name})",
            description=(
                f"CI {args.access} access to Artifact Registry repositories {', '.join(sorted(repositories))} "
                f"of {pulumi.get_project()}/{pulumi.get_stack()}; managed by registry-platform"
            ),
            project=project,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(depends_on)),
        )
        self.email = account.email
        self.member = pulumi.Output.format("serviceAccount:{0}", account.email)
        for repository_id, repository in sorted(repositories.items()):
            gcp.artifactregistry.RepositoryIamMember(
                f"{name}-{repository_id}",
                repository=repository.repository.name,
                location=repository.repository.location,
                project=repository.repository.project,
                # Nothing can be pushed to a VIRTUAL repository: reading is all a CI account needs there.
                role=ACCESS_ROLES["pull" if repository.mode == "VIRTUAL" else args.access],
                member=self.member,
                opts=child,
            )
        if args.github_subjects or args.github_repositories:
            if pool_name is None:
                raise ValueError(f"CI service account '{args.name}' lists GitHub subjects but no Workload Identity pool was given")
            gcp.serviceaccount.IAMBinding(
                f"{name}-workload-identity",
                service_account_id=account.name,
                role=WORKLOAD_IDENTITY_USER,
                members=pulumi.Output.from_input(pool_name).apply(lambda pool: github_members(pool, args)),
                opts=child,
            )
        token_creators = None
        if args.impersonators:
            token_creators = gcp.serviceaccount.IAMBinding(
                f"{name}-token-creators",
                service_account_id=account.name,
                role=TOKEN_CREATOR,
                members=sorted(args.impersonators),
                opts=child,
            )
        self.access_token = None
        self.token_expires_at = None
        if args.export_access_token and token_creators is not None:
            self._access_token(account, token_creators)
        self.register_outputs({"email": self.email})

    def _access_token(self, account: gcp.serviceaccount.Account, token_creators: gcp.serviceaccount.IAMBinding) -> None:
        """A deploy-time token of this account, minted by impersonating it (never the deployer's own token)."""
        # The token is minted after this moment, so it lives at least until then + its lifetime.
        not_after = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + datetime.timedelta(
            seconds=TOKEN_LIFETIME_SECONDS
        )
        token = gcp.serviceaccount.get_account_access_token_output(
            target_service_account=account.email,
            scopes=TOKEN_SCOPES,
            lifetime=f"{TOKEN_LIFETIME_SECONDS}s",
            opts=pulumi.InvokeOutputOptions(parent=self, depends_on=[token_creators]),
        )
        self.access_token = pulumi.Output.secret(token.access_token)
        self.token_expires_at = pulumi.Output.from_input(not_after.strftime("%Y-%m-%dT%H:%M:%SZ"))
