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

import importlib
from typing import TYPE_CHECKING, Any

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


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    section = importlib.import_module(".section", __name__)
    try:
        value = getattr(section, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .section import *  # noqa: F403
