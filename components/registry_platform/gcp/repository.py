"""`ArtifactRepository`: one Artifact Registry docker repository with its IAM.

`ArtifactRegistry` composes one per entry of `gcp.repositories`; a team can also declare a single
repository on its own (`ArtifactRepositoryArgs`, with its project and location). Cleanup policies
come from the pure renderer in `cleanup.py`.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

import pulumi
import pulumi_gcp as gcp

from ..settings.gcp import ArtifactRepositoryArgs, RepositorySettings
from ..settings.gcp.formats import parse_repository_name
from .cleanup import render_cleanup_policies
from .documents import member_key, repository_member_grants

TYPE = "registry-platform:gcp:ArtifactRepository"
MANAGED_BY = {"managed-by": "registry-platform"}
"""Forced on every labelled Google Cloud resource the library creates."""
DOCKER_HOST_SUFFIX = "-docker.pkg.dev"


def login_server(location: pulumi.Input[str]) -> pulumi.Output[str]:
    """`LOCATION-docker.pkg.dev`."""
    return pulumi.Output.format("{0}" + DOCKER_HOST_SUFFIX, location)


def repository_name(project: pulumi.Input[str], location: pulumi.Input[str], repository_id: pulumi.Input[str]) -> pulumi.Output[str]:
    """`projects/P/locations/L/repositories/R`, as upstream policies and IAM take it."""
    return pulumi.Output.format("projects/{0}/locations/{1}/repositories/{2}", project, location, repository_id)


def default_project(parent: pulumi.Resource) -> pulumi.Output[str]:
    """The provider's project (`gcp:project`), read through the project lookup (which carries no token)."""
    return pulumi.Output.unsecret(gcp.organizations.get_project_output(opts=pulumi.InvokeOutputOptions(parent=parent)).project_id)


def _role_name(role: str) -> str:
    return role.removeprefix("roles/") if role.startswith("roles/") else member_key(role)


class ArtifactRepository(pulumi.ComponentResource):
    """A docker repository: immutable tags, vulnerability scanning, cleanup (dry run first), upstreams, IAM."""

    repository: gcp.artifactregistry.Repository
    """The repository resource itself (escape hatch)."""
    url: pulumi.Output[str]
    """`LOCATION-docker.pkg.dev/PROJECT/REPOSITORY`: prefix image names with it."""
    id: pulumi.Output[str]
    """`projects/PROJECT/locations/LOCATION/repositories/REPOSITORY`."""
    repository_id: str
    mode: str
    """`STANDARD` or `VIRTUAL`."""

    def __init__(
        self,
        name: str,
        args: ArtifactRepositoryArgs | RepositorySettings | Mapping[str, Any],
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        location: Optional[str] = None,
        project: Optional[pulumi.Input[str]] = None,
        base_labels: Optional[Mapping[str, str]] = None,
        upstream_names: Optional[Mapping[str, pulumi.Input[str]]] = None,
        depends_on: Sequence[pulumi.Resource] = (),
    ):
        """`location`, `project`, `base_labels`, `upstream_names` (repository ID -> full name of the
        stack's other repositories) and `depends_on` (enabled services) are how `ArtifactRegistry` shares
        its settings; standalone, the component takes location and project from its args."""
        if not isinstance(args, RepositorySettings):
            args = ArtifactRepositoryArgs.coerce(args)
        super().__init__(TYPE, name, None, opts)
        location = getattr(args, "location", None) or location
        if location is None:
            raise ValueError("ArtifactRepository needs a location (ArtifactRepositoryArgs.location)")
        project = getattr(args, "project", None) or project
        child = pulumi.ResourceOptions(parent=self)
        standard = args.mode == "STANDARD"
        cleanup = render_cleanup_policies(args.cleanup) if standard else None

        self.repository = gcp.artifactregistry.Repository(
            name,
            repository_id=args.repository_id,
            format="DOCKER",
            mode=args.api_mode,
            location=location,
            project=project,
            description=args.description,
            labels={**(base_labels or {}), **args.labels, **MANAGED_BY},
            docker_config={"immutable_tags": args.immutable_tags} if standard else None,
            kms_key_name=args.kms_key_name if standard else None,
            vulnerability_scanning_config=(
                {"enablement_config": "INHERITED" if args.vulnerability_scanning else "DISABLED"} if standard else None
            ),
            cleanup_policies=cleanup,
            cleanup_policy_dry_run=args.cleanup.dry_run if cleanup else None,
            virtual_repository_config=self._virtual_config(args, location, project, upstream_names or {}),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(depends_on)),
        )
        self.repository_id = args.repository_id
        self.mode = args.mode
        self.url = pulumi.Output.format(
            "{0}/{1}/{2}", login_server(self.repository.location), self.repository.project, self.repository.repository_id
        )
        self.id = repository_name(self.repository.project, self.repository.location, self.repository.repository_id)
        target = {"repository": self.repository.name, "location": self.repository.location, "project": self.repository.project}
        for role, members in sorted(args.iam.items()):
            gcp.artifactregistry.RepositoryIamBinding(
                f"{name}-iam-{_role_name(role)}", role=role, members=sorted(members), **target, opts=child
            )
        for role, member in repository_member_grants(args):
            gcp.artifactregistry.RepositoryIamMember(
                f"{name}-{_role_name(role)}-{member_key(member)}", role=role, member=member, **target, opts=child
            )
        self.register_outputs({"url": self.url, "id": self.id})

    def _virtual_config(
        self,
        args: RepositorySettings,
        location: str,
        project: Optional[pulumi.Input[str]],
        upstream_names: Mapping[str, pulumi.Input[str]],
    ) -> Optional[dict[str, Any]]:
        if args.mode != "VIRTUAL":
            return None
        policies = []
        for upstream in sorted(args.upstreams, key=lambda u: -u.priority):
            if parse_repository_name(upstream.repository):
                target: pulumi.Input[str] = upstream.repository
            elif upstream.repository in upstream_names:
                target = upstream_names[upstream.repository]
            else:  # standalone: a repository of the same project and location
                target = repository_name(project or default_project(self), location, upstream.repository)
            policies.append({"id": upstream.policy_id, "repository": target, "priority": upstream.priority})
        return {"upstream_policies": policies}
