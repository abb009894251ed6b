"""One Artifact Registry docker repository: `RepositorySettings` (an entry of `gcp.repositories`) and
`ArtifactRepositoryArgs` (the args of a standalone `ArtifactRepository`).

`mode` is one choice (as in fabric's `format = { docker = { standard | virtual } }`), with the
settings of the other modes refused rather than ignored. REMOTE repositories (pull-through caches)
come with their own issue: they will add a `remote` block next to `upstreams`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ..base import SettingsModel, StringInput, checked
from .cleanup import CleanupSettings, PolicyId
from .formats import Labels, Location, ProjectId, RepositoryId, UpstreamRepository, kms_key_problem, parse_repository_name
from .iam import AccessSettings, AdditiveBindings, IamBindings, member_grants, overlap_problems, public_grant_problems

MODES = {"STANDARD": "STANDARD_REPOSITORY", "VIRTUAL": "VIRTUAL_REPOSITORY"}
"""Config mode -> the API's `mode`."""


class UpstreamSettings(SettingsModel):
    """One upstream of a VIRTUAL repository."""

    repository: UpstreamRepository
    """A repository ID of this stack, or a full name `projects/P/locations/L/repositories/R` (same location)."""
    priority: int = Field(ge=1)
    """Pull order: the upstream with the greatest priority is tried first. Unique within the repository."""
    id: PolicyId | None = None
    """Upstream policy ID (default: the upstream repository's ID)."""

    @property
    def policy_id(self) -> str:
        parsed = parse_repository_name(self.repository)
        return self.id or (parsed["repository"] if parsed else self.repository)


class RepositorySettings(SettingsModel):
    """One docker repository."""

    repository_id: RepositoryId
    """Repository ID, e.g. `team-images` (the last part of `LOCATION-docker.pkg.dev/PROJECT/REPOSITORY`)."""
    description: str | None = Field(None, max_length=2048)
    """Text shown in the console."""
    labels: Labels = Field(default_factory=dict)
    """Labels (merged over `gcp.labels`; `managed-by: registry-platform` is always added)."""
    mode: Literal["STANDARD", "VIRTUAL"] = "STANDARD"
    """`STANDARD` (stores images) or `VIRTUAL` (one endpoint over prioritised `upstreams`). Changing it replaces the repository."""
    immutable_tags: bool = True
    """STANDARD: a pushed tag can be neither moved nor deleted."""
    kms_key_name: Annotated[StringInput, checked(kms_key_problem)] | None = None
    """STANDARD: a Cloud KMS key (projects/P/locations/L/keyRings/R/cryptoKeys/K) in the repository's location.
    Changing it REPLACES the repository (and deletes its images); the Artifact Registry service agent needs
    `roles/cloudkms.cryptoKeyEncrypterDecrypter` on the key."""
    vulnerability_scanning: bool = True
    """STANDARD: scan pushed images (`INHERITED`: on when the Container Scanning API is enabled); `false` disables it."""
    cleanup: CleanupSettings | None = None
    """STANDARD: cleanup policies (dry run unless `dryRun: false`); none when absent."""
    upstreams: list[UpstreamSettings] = Field(default_factory=list)
    """VIRTUAL: the repositories it serves, by priority."""
    public: bool = False
    """Allow `allUsers` / `allAuthenticatedUsers` as readers (refused otherwise)."""
    access: AccessSettings = Field(default_factory=AccessSettings)
    """Readers (`pull`) and writers (`push`), granted additively."""
    iam: IamBindings = Field(default_factory=dict)
    """Authoritative bindings {ROLE: [MEMBERS]}: every other holder of ROLE on the repository is removed."""
    iam_bindings_additive: AdditiveBindings = Field(default_factory=dict)
    """Additive bindings {KEY: {role, member}}, kept beside other holders of the role."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        if "mode" not in invalid:
            problems += self._mode_problems(invalid)
        if "upstreams" not in invalid:
            priorities: set[int] = set()
            ids: set[str] = set()
            for index, upstream in enumerate(self.upstreams):
                if upstream.priority in priorities:
                    problems.append((f"upstreams[{index}].priority", f"priority {upstream.priority} is used twice; priorities must be unique"))
                if upstream.policy_id in ids:
                    problems.append((f"upstreams[{index}]", f"upstream ID '{upstream.policy_id}' is used twice; give an `id`"))
                if "repository_id" not in invalid and upstream.repository == self.repository_id:
                    problems.append((f"upstreams[{index}].repository", "a virtual repository cannot be its own upstream"))
                priorities.add(upstream.priority)
                ids.add(upstream.policy_id)
        if not invalid & {"access", "iam", "iam_bindings_additive", "public"}:
            grants = member_grants(self.access, self.iam, self.iam_bindings_additive)
            problems += public_grant_problems(grants, self.public)
            problems += overlap_problems(self.access, self.iam, self.iam_bindings_additive)
        return problems

    def _mode_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        if self.mode == "VIRTUAL":
            if "upstreams" not in invalid and not self.upstreams:
                problems.append(("upstreams", "a VIRTUAL repository needs at least one upstream"))
            for key, field in (("cleanup", "cleanup"), ("kmsKeyName", "kms_key_name"),
                               ("immutableTags", "immutable_tags"), ("vulnerabilityScanning", "vulnerability_scanning")):
                if field in self.model_fields_set and field not in invalid and (field != "cleanup" or self.cleanup is not None):
                    problems.append((key, "only applies to STANDARD repositories (a VIRTUAL one stores nothing itself)"))
        elif "upstreams" not in invalid and self.upstreams:
            problems.append(("upstreams", "only applies with `mode: VIRTUAL`"))
        return problems

    @property
    def api_mode(self) -> str:
        return MODES[self.mode]


class ArtifactRepositoryArgs(RepositorySettings):
    """A standalone `ArtifactRepository`: one repository with its own project and location."""

    location: Location
    """Region (e.g. `europe-west1`) or multi-region (`us`, `europe`, `asia`)."""
    project: ProjectId | None = None
    """Project ID (default: the provider's, `gcp:project`)."""
