"""`ArtifactRegistryRemoteCache`: one upstream cached by an Artifact Registry REMOTE docker repository.

Children: the `REMOTE_REPOSITORY` (Docker Hub preset, or the upstream's URL), and with credentials a
Secret Manager secret and version holding the token, plus the Artifact Registry service agent
(`service-<project number>@gcp-sa-artifactregistry.iam.gserviceaccount.com`) granted
`roles/secretmanager.secretAccessor` on that secret: without that grant the remote repository cannot
read its credentials.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

import pulumi
import pulumi_gcp as gcp

from ..settings.base import secret_output
from ..settings.caches import PullThroughCacheSettings
from .repository import MANAGED_BY, login_server, repository_name

TYPE = "registry-platform:gcp:ArtifactRegistryRemoteCache"
SECRET_ACCESSOR = "roles/secretmanager.secretAccessor"


def service_agent(project_number: str) -> str:
    """The Artifact Registry service agent of a project (it reads a remote repository's upstream secret)."""
    return f"serviceAccount:service-{project_number}@gcp-sa-artifactregistry.iam.gserviceaccount.com"


def remote_config(cache: PullThroughCacheSettings, password_secret_version: Optional[pulumi.Input[str]]) -> dict[str, Any]:
    """The repository's `remote_repository_config`: Docker Hub's preset, or the upstream's URL; credentials
    as a user name and a Secret Manager secret version."""
    known = cache.well_known
    config: dict[str, Any] = {"description": f"Pull-through cache of {cache.upstream_host} (registry-platform)"}
    if known is not None and known.gar_public:
        config["docker_repository"] = {"public_repository": known.gar_public}
    else:
        config["common_repository"] = {"uri": cache.upstream_url}
    if cache.credentials is not None:
        config["upstream_credentials"] = {
            "username_password_credentials": {
                "username": cache.credentials.username,
                "password_secret_version": password_secret_version,
            }
        }
    return config


class ArtifactRegistryRemoteCache(pulumi.ComponentResource):
    """A REMOTE docker repository in front of one upstream, with its upstream secret and the service agent's grant."""

    repository: gcp.artifactregistry.Repository
    pull_prefix: pulumi.Output[str]
    """`LOCATION-docker.pkg.dev/PROJECT/REPOSITORY`: pull `<pullPrefix>/library/nginx:latest`."""
    id: pulumi.Output[str]
    secret_id: Optional[pulumi.Output[str]]

    def __init__(
        self,
        name: str,
        cache: PullThroughCacheSettings | Mapping[str, Any],
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        location: str,
        project: Optional[pulumi.Input[str]] = None,
        base_labels: Optional[Mapping[str, str]] = None,
        depends_on: Sequence[pulumi.Resource] = (),
    ):
        cache = PullThroughCacheSettings.coerce(cache)
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self, depends_on=list(depends_on))
        labels = {**(base_labels or {}), **MANAGED_BY}
        repository_id = cache.repository_prefix
        self.secret_id = None

        version_name: Optional[pulumi.Output[str]] = None
        grants: list[pulumi.Resource] = []
        if cache.credentials is not None:
            secret = gcp.secretmanager.Secret(
                f"{name}-credentials",
                secret_id=f"{repository_id}-upstream-token",
                project=project,
                labels=labels,
                replication={"auto": {}},
                opts=child,
            )
            version = gcp.secretmanager.SecretVersion(
                f"{name}-credentials-version",
                secret=secret.id,
                secret_data=secret_output(cache.credentials.token),
                opts=child,
            )
            number = gcp.organizations.get_project_output(
                project_id=project, opts=pulumi.InvokeOutputOptions(parent=self)
            ).number
            grants.append(
                gcp.secretmanager.SecretIamMember(
                    f"{name}-service-agent-access",
                    project=secret.project,
                    secret_id=secret.secret_id,
                    role=SECRET_ACCESSOR,
                    member=pulumi.Output.unsecret(number).apply(service_agent),
                    opts=child,
                )
            )
            version_name = version.name
            self.secret_id = secret.id

        self.repository = gcp.artifactregistry.Repository(
            name,
            repository_id=repository_id,
            format="DOCKER",
            mode="REMOTE_REPOSITORY",
            location=location,
            project=project,
            description=f"Pull-through cache of {cache.upstream_host}; managed by registry-platform",
            labels=labels,
            remote_repository_config=remote_config(cache, version_name),
            vulnerability_scanning_config={"enablement_config": "INHERITED"},
            # The service agent must read the secret before the repository validates its upstream.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*depends_on, *grants]),
        )
        self.repository_id = repository_id
        self.upstream = cache.upstream_url
        self.pull_prefix = pulumi.Output.format(
            "{0}/{1}/{2}", login_server(self.repository.location), self.repository.project, self.repository.repository_id
        )
        self.id = repository_name(self.repository.project, self.repository.location, self.repository.repository_id)
        self.register_outputs({"pullPrefix": self.pull_prefix, "id": self.id})

    def cache_outputs(self) -> dict[str, Any]:
        """This cache's entry under `pullThroughCaches.<cache>.gcp`."""
        return {
            "pullPrefix": self.pull_prefix,
            "repositoryId": self.repository_id,
            "id": self.id,
            "upstream": self.upstream,
            "credentialSecretId": self.secret_id,
        }
