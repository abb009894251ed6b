"""Pull-through caches (`registry-platform:pullThroughCaches`): one intent, mapped onto every registry.

Each entry names an upstream (a well-known one or an `https://` URL), optional upstream credentials
and the registries it applies to (`targets`, default: every registry the stack enables). Per target:

- `selfHosted`: a registry:2 container in proxy mode (Distribution mirrors one upstream per instance);
- `aws`: an ECR pull-through cache rule, a Secrets Manager secret and a repository creation template;
- `azure`: an ACR cache rule with a credential set whose secrets live in Key Vault;
- `gcp`: an Artifact Registry remote repository with its upstream secret in Secret Manager;
- `harbor`: a Harbor registry endpoint for the upstream and a proxy-cache project pointing at it.

What one target cannot honour (a TTL on ACR, a prefix on a registry:2 mirror, an upstream ECR does not
support, missing credentials ECR or ACR insist on) is refused with the config path and a fix, never
dropped silently. The checks that need the rest of the stack (which registries are enabled, the
self-hosted registry's image and TLS) live in `stack_cache_problems`, called by `StackSettings`.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from .aws.formats import kms_arn_problem
from .aws.lifecycle import LifecycleSettings
from .base import SecretInput, SettingsModel, checked, unique_names
from .formats import docker_name_problem, duration_nanoseconds, duration_problem
from .gcp.formats import repository_id_problem
from .selfhosted import IpAddress, Port, UserSettings, VolumeSettings

if TYPE_CHECKING:  # pragma: no cover
    from .stack import StackSettings

Target = Literal["selfHosted", "aws", "azure", "gcp", "harbor"]
TARGETS: tuple[str, ...] = ("selfHosted", "aws", "azure", "gcp", "harbor")
"""Every target, in the order of `StackSettings` (the outputs list them so)."""
TARGET_FIELDS = {"selfHosted": "self_hosted", "aws": "aws", "azure": "azure", "gcp": "gcp", "harbor": "harbor"}
"""Target key -> the `StackSettings` field that enables that registry."""


@dataclass(frozen=True)
class Upstream:
    """A well-known upstream registry, as each target names it."""

    key: str
    host: str
    """Registry host clients name (`docker.io`); what ACR's credential set and source repository take."""
    url: str
    """Registry API base URL (a registry:2 mirror's `proxy.remoteurl`, a custom Artifact Registry URI)."""
    ecr_url: str
    """ECR's `upstream_registry_url` (Docker Hub is `registry-1.docker.io`)."""
    gar_public: str | None = None
    """Artifact Registry's preset (`DOCKER_HUB`), when there is one."""
    example: str = "REPOSITORY:TAG"
    """An image path to show in the outputs' examples."""


WELL_KNOWN: dict[str, Upstream] = {
    "docker-hub": Upstream(
        "docker-hub", "docker.io", "https://registry-1.docker.io", "registry-1.docker.io", "DOCKER_HUB", "library/nginx:latest"
    ),
    "ghcr": Upstream("ghcr", "ghcr.io", "https://ghcr.io", "ghcr.io", example="OWNER/IMAGE:TAG"),
    "quay": Upstream("quay", "quay.io", "https://quay.io", "quay.io", example="prometheus/node-exporter:latest"),
    "k8s": Upstream("k8s", "registry.k8s.io", "https://registry.k8s.io", "registry.k8s.io", example="pause:3.10"),
    "ecr-public": Upstream(
        "ecr-public", "public.ecr.aws", "https://public.ecr.aws", "public.ecr.aws", example="docker/library/nginx:latest"
    ),
}

# ECR pull-through cache upstreams (docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html).
ECR_CREDENTIALS_REQUIRED = {"docker-hub", "ghcr"}
"""Well-known upstreams for which ECR requires a Secrets Manager secret."""
ECR_CUSTOM_HOSTS = {"registry.gitlab.com": "GitLab Container Registry", "cgr.dev": "Chainguard"}
ECR_CUSTOM_SUFFIXES = {".azurecr.io": "Azure Container Registry"}
"""Further upstreams ECR supports, all of them with credentials only (private ECR upstreams need a role: not offered)."""

# ACR artifact cache upstreams (learn.microsoft.com/azure/container-registry/container-registry-artifact-cache).
ACR_CREDENTIALS_REQUIRED = {"docker-hub"}
"""ACR refuses a Docker Hub rule without credentials (EnforceDockerAuthentication)."""
ACR_CUSTOM_HOSTS = {"mcr.microsoft.com", "nvcr.io", "gcr.io"}
ACR_CUSTOM_SUFFIXES = ("-docker.pkg.dev", ".gcr.io")

TTL_TARGETS = ("selfHosted", "aws")
PREFIX_TARGETS = ("aws", "azure", "gcp", "harbor")
REGISTRY2_PROXY_TTL = "168h"
"""registry:2.8 expires cached content after a fixed 7 days (`proxy.ttl` only exists from v3)."""

_ECR_PREFIX = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")
_ACR_REPOSITORY = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")
_ACR_RULE_NAME = re.compile(r"^[A-Za-z0-9-]{5,50}$")
_CACHE_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$")
_KEY_VAULT_ID = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/(?P<group>[^/]+)/providers/Microsoft\.KeyVault/vaults/(?P<name>[A-Za-z0-9-]{3,24})$",
    re.IGNORECASE,
)
_KEY_VAULT_NAME = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]{1,22}[A-Za-z0-9]$")


def _name_problem(value: str) -> str | None:
    if 2 <= len(value) <= 50 and _CACHE_NAME.match(value):
        return None
    return f"'{value}' is not a cache name: 2-50 lowercase letters and digits in words joined by '-' (e.g. docker-hub)"


def _upstream_problem(value: str) -> str | None:
    if value in WELL_KNOWN:
        return None
    if not value.startswith("https://"):
        return f"'{value}' is not an upstream: one of {', '.join(WELL_KNOWN)}, or an https:// URL of a registry"
    parts = urlsplit(value)
    if "@" in parts.netloc:
        # Never echo it: the part before '@' may be a password.
        return "must be a registry's base URL, https://HOST[:PORT], without user info: put credentials in `credentials`"
    try:
        parts.port
    except ValueError:
        return f"'{value}' has no valid port (https://HOST:PORT, 1-65535)"
    if parts.path not in ("", "/") or parts.query or parts.fragment or not parts.hostname:
        return f"'{value}' must be a registry's base URL, https://HOST[:PORT] (no path, no user info)"
    if not _HOST.match(parts.hostname) and not re.match(r"^[0-9.]+$", parts.hostname):
        return f"'{value}' has no valid host name"
    return None


def _ttl_problem(value: str) -> str | None:
    problem = duration_problem(value)
    if problem:
        return problem
    if duration_nanoseconds(value) < 3600 * 10**9:
        return "must be at least 1h (cached content older than this is fetched again)"
    return None


def ecr_prefix_problem(value: str) -> str | None:
    if value == "ROOT":
        return "'ROOT' is ECR's catch-all prefix; give this cache its own prefix"
    if 2 <= len(value) <= 30 and _ECR_PREFIX.match(value):
        return None
    return (
        f"'{value}' is not an ECR pull-through cache prefix: 2-30 lowercase letters and digits in segments joined by "
        "'.', '_' or '-', segments separated by '/' (e.g. docker-hub)"
    )


def acr_repository_problem(value: str) -> str | None:
    if len(value) <= 200 and _ACR_REPOSITORY.match(value):
        return None
    return f"'{value}' is not an ACR repository namespace: lowercase letters and digits, '.', '_', '-' and '/' (e.g. docker-hub)"


def key_vault_parts(vault_id: str) -> tuple[str, str] | None:
    """(resource group, vault name) of a Key Vault resource ID; None when it is not one."""
    match = _KEY_VAULT_ID.match(vault_id)
    return (match.group("group"), match.group("name")) if match else None


def _key_vault_id_problem(value: str) -> str | None:
    if key_vault_parts(value):
        return None
    return f"'{value}' is not a Key Vault resource ID (/subscriptions/S/resourceGroups/G/providers/Microsoft.KeyVault/vaults/NAME)"


def _key_vault_name_problem(value: str) -> str | None:
    if _KEY_VAULT_NAME.match(value):
        return None
    return f"'{value}' is not a Key Vault name: 3-24 letters, digits and '-', starting with a letter, no '--'"


class CredentialsSettings(SettingsModel):
    """Upstream credentials: a user name and a token (or password) kept as a config secret."""

    username: Annotated[str, Field(min_length=1, max_length=256)]
    """The upstream account, e.g. the Docker Hub user."""
    token: SecretInput
    """Its access token (Docker Hub personal access token, GitHub PAT with read:packages), as a config secret."""


class MirrorUserSettings(UserSettings):
    """An htpasswd user of a mirror. A mirror is read-only: every user can pull, nobody can push."""

    access: Literal["pull", "push"] = "pull"
    """Always `pull`: Distribution refuses pushes to a proxy (405). Push users belong in `selfHosted.users`."""

    @field_validator("access")
    @classmethod
    def _read_only(cls, value: str) -> str:
        if value == "push":
            raise ValueError(
                "a pull-through mirror is read-only (registry:2 answers pushes with 405 Unsupported); "
                "push users belong on the private registry (`selfHosted.users`)"
            )
        return value


class SelfHostedCacheSettings(SettingsModel):
    """The registry:2 mirror container of this cache (image, host, TLS and hardening come from `selfHosted`)."""

    port: Port
    """Host port of the mirror (each mirror takes its own; the private registry keeps `selfHosted.port`)."""
    bind_address: IpAddress | None = None
    """Host address the port binds to (default: `selfHosted.bindAddress`)."""
    name: Annotated[str, checked(docker_name_problem)] | None = None
    """Container name (default `<project>-<stack>-mirror-<cache>`, e.g. `registry-platform-dev-mirror-docker-hub`)."""
    users: Annotated[list[MirrorUserSettings], unique_names("user")] = Field(default_factory=list)
    """htpasswd users allowed to pull (needs TLS); none: anyone who reaches the port can pull. Required with
    upstream `credentials`, since the mirror serves whatever those credentials can read."""
    restart_policy: Literal["always", "unless-stopped"] = "unless-stopped"
    """Docker restart policy. A proxy panics at start when its upstream is unreachable; the restart policy
    brings it back once the upstream answers."""
    volume: VolumeSettings = Field(default_factory=VolumeSettings)
    """The mirror's own data volume (default `<project>-<stack>-mirror-<cache>-data`), kept on destroy by default."""


class AwsCacheSettings(SettingsModel):
    """ECR: what the repository creation template gives every repository the cache creates."""

    tag_mutability: Literal["IMMUTABLE", "MUTABLE"] = "IMMUTABLE"
    """Tag mutability of cached repositories. IMMUTABLE (like declared repositories) keeps the first copy of a
    tag; MUTABLE lets ECR follow the upstream when a tag moves (e.g. `latest`)."""
    kms_key_arn: Annotated[str, checked(kms_arn_problem)] | None = None
    """Encrypt cached repositories with this KMS key (needs `customRoleArn`); default AES256."""
    custom_role_arn: str | None = None
    """IAM role ECR assumes to create the repositories; required by ECR for KMS keys and resource tags (then
    `aws.tags` are applied too)."""
    lifecycle: LifecycleSettings | None = None
    """Lifecycle rules of cached repositories (as `aws.repositories[].lifecycle`); `ttl` adds an expiry rule."""
    replication: bool = False
    """Also apply the template to repositories that replication creates under the prefix (`REPLICATION`)."""


class AzureKeyVaultSettings(SettingsModel):
    """Where the credential set's secrets live: an existing vault, or one the component creates."""

    id: Annotated[str, checked(_key_vault_id_problem)] | None = None
    """An existing vault's resource ID; the component writes the two secrets into it and grants the credential
    set's identity read access to them. Default: a vault created for this cache (RBAC, soft delete 7 days)."""
    permission_model: Literal["rbac", "accessPolicy"] = "rbac"
    """How the existing vault grants access: `rbac` (a Key Vault Secrets User assignment on each secret) or
    `accessPolicy` (an access policy with secrets `get`)."""
    name: Annotated[str, checked(_key_vault_name_problem)] | None = None
    """Name of the created vault (globally unique; default `ptc<registry>-<hash>`)."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        problems = []
        if self.id is not None and "id" not in invalid:
            if self.name is not None and "name" not in invalid:
                problems.append(("name", "only names a vault the component creates; remove it (or `id`)"))
        elif "permission_model" not in invalid and self.permission_model != "rbac":
            problems.append(("permissionModel", "only applies to an existing vault (`id`); a created vault uses RBAC"))
        return problems


class AzureCacheSettings(SettingsModel):
    """ACR: where the upstream credentials are kept."""

    key_vault: AzureKeyVaultSettings = Field(default_factory=AzureKeyVaultSettings)
    """Key Vault holding the upstream user name and token (with `credentials`)."""


class PullThroughCacheSettings(SettingsModel):
    """One upstream registry cached by every registry of `targets`."""

    name: Annotated[str, checked(_name_problem)]
    """Cache name, e.g. `docker-hub`: names the mirror, the ECR prefix, the ACR cache rule and namespace, the
    Artifact Registry repository (each by default) and the cache in the outputs."""
    upstream: Annotated[str, checked(_upstream_problem)]
    """`docker-hub`, `ghcr`, `quay`, `k8s`, `ecr-public`, or a registry's `https://HOST[:PORT]`."""
    credentials: CredentialsSettings | None = None
    """Upstream credentials (required by ECR for Docker Hub, GHCR, GitLab, ACR and Chainguard, and by ACR for
    Docker Hub); anonymous pulls when absent."""
    targets: list[Target] | None = Field(None, min_length=1)
    """Registries that cache this upstream (default: every registry the stack enables)."""
    ttl: Annotated[str, checked(_ttl_problem)] | None = None
    """Expire cached images this long after they were cached (Go duration, e.g. `168h`). selfHosted (registry:3
    `proxy.ttl`; registry:2.8 is fixed at 168h) and aws (a lifecycle rule, whole days) only."""
    prefix: Annotated[str, Field(min_length=1)] | None = None
    """Repository path the images are cached under: ECR prefix, ACR namespace, Artifact Registry repository ID
    (default: the cache name). aws, azure and gcp only: a registry:2 mirror serves the upstream's paths at its root."""
    self_hosted: SelfHostedCacheSettings | None = None
    """Options of the registry:2 mirror (needed when the cache targets selfHosted: at least its `port`)."""
    aws: AwsCacheSettings = Field(default_factory=AwsCacheSettings)
    """Options of the ECR cache."""
    azure: AzureCacheSettings = Field(default_factory=AzureCacheSettings)
    """Options of the ACR cache."""

    @field_validator("targets")
    @classmethod
    def _unique_targets(cls, targets):
        if targets is not None and len(set(targets)) != len(targets):
            raise ValueError("lists a registry twice")
        return targets

    @property
    def well_known(self) -> Upstream | None:
        return WELL_KNOWN.get(self.upstream)

    @property
    def upstream_host(self) -> str:
        """`docker.io`, `ghcr.io`, or the custom URL's host[:port]."""
        known = self.well_known
        return known.host if known else urlsplit(self.upstream).netloc

    @property
    def upstream_url(self) -> str:
        """The registry API's base URL (`https://registry-1.docker.io`)."""
        known = self.well_known
        return known.url if known else self.upstream.rstrip("/")

    @property
    def ecr_upstream_url(self) -> str:
        known = self.well_known
        return known.ecr_url if known else urlsplit(self.upstream).netloc

    @property
    def repository_prefix(self) -> str:
        return self.prefix or self.name

    @property
    def example_path(self) -> str:
        known = self.well_known
        return known.example if known else "REPOSITORY:TAG"

    def explicit(self, key: str) -> bool:
        return key in self.model_fields_set


PullThroughCaches = Annotated[list[PullThroughCacheSettings], unique_names("cache")]


def enabled_targets(stack: "StackSettings", invalid: frozenset[str] = frozenset()) -> list[str]:
    """The registries the stack enables (the default `targets` of a cache)."""
    return [key for key in TARGETS if TARGET_FIELDS[key] not in invalid and getattr(stack, TARGET_FIELDS[key]) is not None]


def cache_targets(cache: PullThroughCacheSettings, stack: "StackSettings") -> list[str]:
    """The registries this cache applies to, in `TARGETS` order."""
    chosen = cache.targets if cache.targets is not None else enabled_targets(stack)
    return [key for key in TARGETS if key in chosen]


def _ecr_upstream_problem(cache: PullThroughCacheSettings) -> tuple[str, str] | None:
    """(key, message) when ECR cannot cache this upstream, or needs credentials that are missing."""
    if cache.well_known is not None:
        if cache.upstream in ECR_CREDENTIALS_REQUIRED and cache.credentials is None:
            return "credentials", (
                f"ECR caches {cache.upstream} only with credentials (a Secrets Manager secret): give `credentials` "
                "(username and token), or leave aws out of `targets`"
            )
        return None
    host = urlsplit(cache.upstream).hostname or ""
    kind = ECR_CUSTOM_HOSTS.get(host) or next((v for s, v in ECR_CUSTOM_SUFFIXES.items() if host.endswith(s)), None)
    if kind is None:
        supported = ", ".join([*WELL_KNOWN, *(f"https://{h}" for h in ECR_CUSTOM_HOSTS), "https://NAME.azurecr.io"])
        return "upstream", f"ECR cannot cache '{host}'; its pull-through cache supports {supported} (or leave aws out of `targets`)"
    if cache.credentials is None:
        return "credentials", f"ECR caches {kind} only with credentials: give `credentials`, or leave aws out of `targets`"
    return None


def _acr_upstream_problem(cache: PullThroughCacheSettings) -> tuple[str, str] | None:
    if cache.well_known is not None:
        if cache.upstream in ACR_CREDENTIALS_REQUIRED and cache.credentials is None:
            return "credentials", (
                "ACR refuses Docker Hub cache rules without credentials (EnforceDockerAuthentication): give "
                "`credentials` (username and token), or leave azure out of `targets`"
            )
        return None
    host = urlsplit(cache.upstream).hostname or ""
    if host in ACR_CUSTOM_HOSTS or host.endswith(ACR_CUSTOM_SUFFIXES):
        return None
    supported = ", ".join([*WELL_KNOWN, *(f"https://{h}" for h in sorted(ACR_CUSTOM_HOSTS)), "https://LOCATION-docker.pkg.dev"])
    return "upstream", f"ACR cannot cache '{host}'; its artifact cache supports {supported} (or leave azure out of `targets`)"


def _registry2_major(image: str) -> int | None:
    """The major version of a `registry:X.Y.Z` image; None for a digest or an unusual tag."""
    match = re.search(r":v?(\d+)(?:\.\d+)*(?:-[\w.]+)?$", image.split("@", 1)[0])
    return int(match.group(1)) if match and "@" not in image else None


def renders_proxy_ttl(image: str) -> bool:
    """Whether the registry image reads `proxy.ttl` (Distribution v3 and later)."""
    major = _registry2_major(image)
    return major is not None and major >= 3


def _ttl_problems(cache: PullThroughCacheSettings, targets: list[str], stack: "StackSettings") -> list[tuple[str, str]]:
    if cache.ttl is None:
        return []
    unsupported = [t for t in targets if t not in TTL_TARGETS]
    problems = []
    if unsupported:
        problems.append((
            "ttl",
            f"{' and '.join(unsupported)} cannot expire cached images ({'ACR cache rules have no expiry' if 'azure' in unsupported else 'no expiry on this registry'}); "
            f"TTL works on {', '.join(TTL_TARGETS)}: list those in `targets`, or drop `ttl`",
        ))
    if "aws" in targets and duration_nanoseconds(cache.ttl) % (86400 * 10**9):
        problems.append(("ttl", "ECR lifecycle rules count whole days: give a multiple of 24h (e.g. 168h)"))
    if "selfHosted" in targets and stack.self_hosted is not None and not renders_proxy_ttl(stack.self_hosted.image):
        if duration_nanoseconds(cache.ttl) != duration_nanoseconds(REGISTRY2_PROXY_TTL):
            problems.append((
                "ttl",
                f"the mirror runs {stack.self_hosted.image}, which expires cached content after a fixed 168h "
                "(`proxy.ttl` needs a registry:3 image in `selfHosted.image`); use 168h or leave selfHosted out of `targets`",
            ))
    if "aws" in targets and cache.aws.lifecycle is not None and any(r.selects_any for r in cache.aws.lifecycle.keep_last):
        problems.append(("ttl", "aws.lifecycle already has a rule for every image (keepLast without prefixes); ECR allows one such rule: drop one of them"))
    return problems


def _self_hosted_problems(cache: PullThroughCacheSettings, stack: "StackSettings") -> list[tuple[str, str]]:
    registry = stack.self_hosted
    options = cache.self_hosted
    if options is None:
        return [("selfHosted", "the cache targets selfHosted: give `selfHosted.port`, the mirror's own host port")]
    problems = []
    if options.users and registry is not None and registry.tls.mode == "disabled":
        problems.append((
            "selfHosted.users",
            "htpasswd users need TLS (docker clients refuse basic auth over plain HTTP); selfHosted.tls.mode is `disabled`",
        ))
    if cache.credentials is not None and not options.users:
        problems.append((
            "selfHosted.users",
            "with upstream `credentials`, anyone who reaches the mirror could pull what those credentials can read: "
            "add pull users here",
        ))
    return problems


def _ecr_scanning_problems(cache: PullThroughCacheSettings, stack: "StackSettings", invalid: frozenset[str]) -> list[tuple[str, str]]:
    """Cached repositories are scanned by the registry's scanning rules (a creation template cannot turn
    scan on push on): when this stack owns those rules, one of them must cover the cache's prefix."""
    if "aws" in invalid or stack.aws is None or stack.aws.registry_settings is None:
        return []
    scanning = stack.aws.registry_settings.scanning
    if scanning is None:
        return []
    sample = f"{cache.repository_prefix}/library/image"
    if any(fnmatch.fnmatchcase(sample, f) for rule in scanning.rules for f in rule.filters):
        return []
    return [(
        "prefix" if cache.prefix else "name",
        f"no rule of aws.registrySettings.scanning covers the cached repositories '{cache.repository_prefix}/*': "
        f"add the filter '{cache.repository_prefix}/*' to a rule (ECR scans cached images only through registry rules)",
    )]


def _cache_problems(cache: PullThroughCacheSettings, stack: "StackSettings", invalid: frozenset[str]) -> list[tuple[str, str]]:
    enabled = enabled_targets(stack, invalid)
    targets = [target for target in cache_targets(cache, stack) if target in enabled]
    problems: list[tuple[str, str]] = []
    if cache.targets is not None:
        for index, target in enumerate(cache.targets):
            if TARGET_FIELDS[target] not in invalid and target not in enabled:
                problems.append((f"targets[{index}]", f"the stack has no `{target}` registry; enable it or remove it here"))
    elif not enabled and not invalid & set(TARGET_FIELDS.values()):
        problems.append(("targets", "the stack enables no registry to cache in (selfHosted, aws, azure, gcp, harbor)"))
    for key, attribute, options_apply in (("selfHosted", "self_hosted", True), ("aws", "aws", True), ("azure", "azure", True)):
        if options_apply and cache.explicit(attribute) and key not in targets:
            problems.append((key, f"options for {key}, but the cache does not target {key}; add it to `targets` or remove this"))
    if cache.prefix is not None:
        if "selfHosted" in targets:
            problems.append((
                "prefix",
                "a registry:2 mirror serves the upstream's repositories at its root and has no prefix; leave selfHosted "
                "out of `targets` (prefix works on aws, azure, gcp, harbor) or drop `prefix`",
            ))
    problems += _ttl_problems(cache, targets, stack)
    if "selfHosted" in targets:
        problems += _self_hosted_problems(cache, stack)
    if "aws" in targets:
        found = _ecr_upstream_problem(cache)
        problems += [found] if found else []
        prefix_problem = ecr_prefix_problem(cache.repository_prefix)
        if prefix_problem:
            problems.append(("prefix" if cache.prefix else "name", f"{prefix_problem} (ECR repository prefix)"))
        aws_options = cache.aws
        if aws_options.kms_key_arn and not aws_options.custom_role_arn:
            problems.append(("aws.customRoleArn", "ECR needs a role to create repositories encrypted with `kmsKeyArn`"))
        problems += _ecr_scanning_problems(cache, stack, invalid)
    if "azure" in targets:
        found = _acr_upstream_problem(cache)
        problems += [found] if found else []
        if not _ACR_RULE_NAME.match(cache.name):
            problems.append(("name", f"'{cache.name}' is too short for an ACR cache rule name (5-50 letters, digits and '-'); use e.g. '{cache.name}-cache'"))
        prefix_problem = acr_repository_problem(cache.repository_prefix)
        if prefix_problem:
            problems.append(("prefix" if cache.prefix else "name", prefix_problem))
        if cache.credentials is None and "key_vault" in cache.azure.model_fields_set:
            problems.append(("azure.keyVault", "holds upstream credentials, but the cache has no `credentials`"))
    if "gcp" in targets:
        prefix_problem = repository_id_problem(cache.repository_prefix)
        if prefix_problem:
            problems.append(("prefix" if cache.prefix else "name", f"{prefix_problem} (the cache's Artifact Registry repository)"))
        elif stack.gcp is not None and "gcp" not in invalid and cache.repository_prefix in {r.repository_id for r in stack.gcp.repositories}:
            problems.append((
                "prefix" if cache.prefix else "name",
                f"'{cache.repository_prefix}' is already a repository in gcp.repositories; give the cache another `prefix`",
            ))
    if "harbor" in targets:
        problems += _harbor_problems(cache, stack, invalid)
    return problems


def _harbor_problems(cache: PullThroughCacheSettings, stack: "StackSettings", invalid: frozenset[str]) -> list[tuple[str, str]]:
    """The cache becomes a Harbor proxy-cache project named by its prefix (or name)."""
    from .harbor.formats import project_name_problem

    key = "prefix" if cache.prefix else "name"
    problem = project_name_problem(cache.repository_prefix)
    if problem:
        return [(key, f"{problem} (the cache's Harbor project)")]
    harbor = stack.harbor
    if harbor is not None and "harbor" not in invalid:
        taken = {project.name for project in [*harbor.projects, *harbor.proxy_caches]}
        if cache.repository_prefix in taken:
            return [(key, f"'{cache.repository_prefix}' is already a project in harbor.projects or harbor.proxyCaches; "
                          "give the cache another `prefix`")]
    return []


def stack_cache_problems(stack: "StackSettings", invalid: frozenset[str]) -> list[tuple[str, str]]:
    """Problems of every cache against the rest of the stack, at `pullThroughCaches[i].<key>`."""
    if "pull_through_caches" in invalid:
        return []
    problems = []
    first: dict[tuple[str, str], int] = {}
    for index, cache in enumerate(stack.pull_through_caches):
        problems += [(f"pullThroughCaches[{index}].{path}", message) for path, message in _cache_problems(cache, stack, invalid)]
        for target in cache_targets(cache, stack):
            if target not in PREFIX_TARGETS:
                continue
            earlier = first.setdefault((target, cache.repository_prefix), index)
            if earlier != index:
                problems.append((
                    f"pullThroughCaches[{index}].{'prefix' if cache.prefix else 'name'}",
                    f"{target} already caches entry [{earlier}] under '{cache.repository_prefix}'; give this cache another `prefix`",
                ))
    return problems
