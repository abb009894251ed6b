"""Formats of Google Cloud values in the `gcp` section: IDs, locations, labels, IAM members and roles.

Each check returns None when the value is fine, or what is wrong and what would be valid.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from ..base import checked

_REPOSITORY_ID = re.compile(r"^[a-z]([a-z0-9-]*[a-z0-9])?$")
MAX_REPOSITORY_ID = 63
_PROJECT_ID = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
_LOCATION = re.compile(r"^([a-z]+-[a-z]+\d+|us|europe|asia)$")
_LABEL_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_LABEL_VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")
MAX_LABELS = 64
_KMS_KEY = re.compile(r"^projects/[^/]+/locations/(?P<location>[^/]+)/keyRings/[^/]+/cryptoKeys/[^/]+$")
_REPOSITORY_NAME = re.compile(
    r"^projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)/repositories/(?P<repository>[a-z]([a-z0-9-]*[a-z0-9])?)$"
)
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
_DOMAIN = re.compile(r"^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$")
_PRINCIPAL = re.compile(r"^principal(Set)?://iam\.googleapis\.com/\S+$")
_ROLE = re.compile(r"^(roles/[A-Za-z0-9_.]+|(projects|organizations)/[^/]+/roles/[A-Za-z0-9_.]+)$")

PUBLIC_MEMBERS = ("allUsers", "allAuthenticatedUsers")
EMAIL_MEMBER_TYPES = ("user", "group", "serviceAccount")
PROJECT_MEMBER_TYPES = ("projectOwner", "projectEditor", "projectViewer")


def repository_id_problem(value: str) -> str | None:
    if len(value) <= MAX_REPOSITORY_ID and _REPOSITORY_ID.match(value):
        return None
    return (
        f"'{value}' is not an Artifact Registry repository ID: 1-{MAX_REPOSITORY_ID} lowercase letters, digits "
        "and '-', starting with a letter and not ending with '-' (e.g. team-images)"
    )


def project_problem(value: str) -> str | None:
    if _PROJECT_ID.match(value):
        return None
    return f"'{value}' is not a project ID: 6-30 lowercase letters, digits and '-', starting with a letter (e.g. acme-prod)"


def location_problem(value: str) -> str | None:
    if _LOCATION.match(value):
        return None
    return f"'{value}' is not an Artifact Registry location: a region (e.g. europe-west1) or a multi-region (us, europe, asia)"


def _labels_problem(labels: dict[str, str]) -> str | None:
    if len(labels) > MAX_LABELS:
        return f"{len(labels)} labels; Google Cloud allows at most {MAX_LABELS}"
    for key, value in labels.items():
        if not _LABEL_KEY.match(key):
            return f"label key '{key}': 1-63 lowercase letters, digits, '_' and '-', starting with a letter"
        if not _LABEL_VALUE.match(value):
            return f"label '{key}': the value must be 0-63 lowercase letters, digits, '_' and '-'"
    return None


def kms_key_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return None  # a pulumi.Output is checked by Google
    if _KMS_KEY.match(value):
        return None
    return f"'{value}' is not a Cloud KMS key name (projects/P/locations/L/keyRings/R/cryptoKeys/K)"


def kms_key_location(value: Any) -> str | None:
    match = _KMS_KEY.match(value) if isinstance(value, str) else None
    return match.group("location") if match else None


def parse_repository_name(value: str) -> dict[str, str] | None:
    """`projects/P/locations/L/repositories/R` -> {project, location, repository}; None for a plain ID."""
    match = _REPOSITORY_NAME.match(value)
    return match.groupdict() if match else None


def upstream_problem(value: str) -> str | None:
    if parse_repository_name(value) or (len(value) <= MAX_REPOSITORY_ID and _REPOSITORY_ID.match(value)):
        return None
    return (
        f"'{value}' is neither a repository ID of this stack (gcp.repositories[].repositoryId) nor a full "
        "repository name (projects/P/locations/L/repositories/R)"
    )


def member_problem(value: str) -> str | None:
    """An IAM member as Google writes them; `allUsers`/`allAuthenticatedUsers` pass here and are gated by `public`."""
    if value in PUBLIC_MEMBERS or _PRINCIPAL.match(value):
        return None
    kind, _, rest = value.partition(":")
    if kind in EMAIL_MEMBER_TYPES and _EMAIL.match(rest):
        return None
    if kind == "domain" and _DOMAIN.match(rest):
        return None
    if kind in PROJECT_MEMBER_TYPES and _PROJECT_ID.match(rest):
        return None
    return (
        f"'{value}' is not an IAM member: user:EMAIL, group:EMAIL, serviceAccount:EMAIL, domain:DOMAIN, "
        "principal://iam.googleapis.com/..., principalSet://iam.googleapis.com/..., projectViewer:PROJECT..., "
        "allUsers or allAuthenticatedUsers (the last two only with `public: true`)"
    )


def role_problem(value: str) -> str | None:
    if _ROLE.match(value):
        return None
    return f"'{value}' is not an IAM role: roles/NAME, projects/P/roles/NAME or organizations/O/roles/NAME"


RepositoryId = Annotated[str, checked(repository_id_problem)]
ProjectId = Annotated[str, checked(project_problem)]
Location = Annotated[str, checked(location_problem)]
Labels = Annotated[dict[str, str], checked(_labels_problem)]
Member = Annotated[str, checked(member_problem)]
Role = Annotated[str, checked(role_problem)]
UpstreamRepository = Annotated[str, checked(upstream_problem)]
