"""Settings of Google Artifact Registry (`registry-platform:gcp`).

`ArtifactRegistryArgs` is both the `gcp` stack-config section and the args of `ArtifactRegistry`:
docker repositories in one project and location, CI service accounts (with GitHub Actions through
Workload Identity Federation) and optional API enablement. Defaults go beyond Google's own modules:
immutable tags, vulnerability scanning, cleanup as a dry run first, no public access, no key and no
deployer token in any output.

Split by concern: `formats` (IDs, locations, labels, members, roles), `iam` (access and the fabric
IAM interface), `cleanup`, `repository` and `ci` (service accounts and Workload Identity).

The section model (`ArtifactRegistryArgs`) lives in `section`, imported on first use of a
name of this package: the cache settings import `gcp.formats` without loading the
whole section on a stack that has no `gcp` key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_names

__all__ = [
    "AccessSettings",
    "AdditiveBinding",
    "ArtifactRegistryArgs",
    "ArtifactRepositoryArgs",
    "CleanupSettings",
    "CreateWorkloadIdentity",
    "DeleteRule",
    "GcpCiServiceAccountSettings",
    "GithubWorkloadIdentitySettings",
    "KeepMostRecent",
    "KeepTagged",
    "RepositorySettings",
    "UpstreamSettings",
]


__getattr__, __dir__ = lazy_names(__name__, ".section", __all__)


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .section import *  # noqa: F403
