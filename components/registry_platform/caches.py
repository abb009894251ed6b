"""The pull-through caches of a stack: each cache mapped onto each registry it targets.

`RegistryPlatform` calls `build_caches` once every registry exists. `CACHE_BUILDERS` maps a target (a
registry key) to the function that declares that registry's caches, given the registry's component and
its settings section; like `REGISTRY_BUILDERS`, a builder imports its cloud's module itself. Each
builder returns, per cache name, the cache's entry for the `pullThroughCaches` output (at least
`pullPrefix`: what a client puts before the upstream's image path).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import pulumi

from .settings.caches import TARGET_FIELDS, TARGETS, PullThroughCacheSettings, cache_targets
from .settings.stack import StackSettings

if TYPE_CHECKING:  # pragma: no cover
    from .platform import RegistryPlatform

CacheBuilder = Callable[["RegistryPlatform", Any, Any, list[PullThroughCacheSettings]], dict[str, Any]]


def _self_hosted(platform: "RegistryPlatform", registry: Any, settings: Any, caches: list[PullThroughCacheSettings]) -> dict[str, Any]:
    from .selfhosted.mirror import SelfHostedMirror, mirror_component_name

    mirrors = {
        cache.name: SelfHostedMirror(mirror_component_name(cache.name), cache, registry, pulumi.ResourceOptions(parent=platform))
        for cache in caches
    }
    platform.mirrors = mirrors
    return {name: mirror.cache_outputs() for name, mirror in mirrors.items()}


def _aws(platform: "RegistryPlatform", registry: Any, settings: Any, caches: list[PullThroughCacheSettings]) -> dict[str, Any]:
    from .aws.pull_through_cache import EcrPullThroughCache, grant_cache_pulls

    built = {
        cache.name: EcrPullThroughCache(
            f"aws-cache-{cache.name}", cache, pulumi.ResourceOptions(parent=platform), region=settings.region, tags=settings.tags
        )
        for cache in caches
    }
    grant_cache_pulls(registry.ci_roles, list(built.values()))
    return {name: component.cache_outputs() for name, component in built.items()}


def _azure(platform: "RegistryPlatform", registry: Any, settings: Any, caches: list[PullThroughCacheSettings]) -> dict[str, Any]:
    from .azure.cache import AcrCache

    built = {
        cache.name: AcrCache(
            f"azure-cache-{cache.name}",
            cache,
            pulumi.ResourceOptions(parent=platform, depends_on=[registry.registry]),
            registry_name=settings.name,
            resource_group_name=registry.resource_group_name,
            location=settings.location,
            login_server=registry.login_server,
            tags=settings.tags,
        )
        for cache in caches
    }
    return {name: component.cache_outputs() for name, component in built.items()}


def _gcp(platform: "RegistryPlatform", registry: Any, settings: Any, caches: list[PullThroughCacheSettings]) -> dict[str, Any]:
    import pulumi_gcp as gcp

    from .gcp.remote_cache import ArtifactRegistryRemoteCache

    built = {
        cache.name: ArtifactRegistryRemoteCache(
            f"gcp-cache-{cache.name}",
            cache,
            pulumi.ResourceOptions(parent=platform),
            location=settings.location,
            project=settings.project,
            base_labels=settings.labels,
        )
        for cache in caches
    }
    # CI service accounts scoped to every repository of the stack (no `repositories` list) read the caches too.
    for account in settings.ci_service_accounts:
        if account.repositories is not None:
            continue
        identity = registry.ci_service_accounts[account.name]
        for cache_name, component in built.items():
            repository = component.repository
            gcp.artifactregistry.RepositoryIamMember(
                f"gcp-cache-{cache_name}-reader-{account.name}",
                repository=repository.name,
                location=repository.location,
                project=repository.project,
                role="roles/artifactregistry.reader",
                member=pulumi.Output.format("serviceAccount:{0}", identity.email),
                opts=pulumi.ResourceOptions(parent=component),
            )
    return {name: component.cache_outputs() for name, component in built.items()}


HARBOR_PROVIDERS = {"docker-hub": "docker-hub", "ghcr": "github", "quay": "quay"}
"""Well-known upstreams Harbor has an adapter for; every other upstream is a plain `docker-registry` (v2 API)."""


def harbor_proxy_cache(cache: PullThroughCacheSettings) -> dict[str, Any]:
    """The `harbor.proxyCaches` entry a cache becomes: a private project, scanned on push, named by its prefix."""
    provider = HARBOR_PROVIDERS.get(cache.upstream, "docker-registry")
    upstream: dict[str, Any] = {"provider": provider, "description": f"pullThroughCaches: {cache.name}"}
    if provider == "docker-registry":
        upstream["endpointUrl"] = cache.upstream_url
    if cache.credentials is not None:
        upstream["username"] = cache.credentials.username
        upstream["password"] = cache.credentials.token
    return {"name": cache.repository_prefix, "upstream": upstream}


def _harbor(platform: "RegistryPlatform", registry: Any, settings: Any, caches: list[PullThroughCacheSettings]) -> dict[str, Any]:
    from .harbor.project import HarborProject
    from .settings.harbor.project import ProxyCacheSettings

    outputs = {}
    for cache in caches:
        project = HarborProject(
            f"harbor-cache-{cache.name}",
            ProxyCacheSettings.model_validate(harbor_proxy_cache(cache)),
            registry.provider,
            registry.login_server,
            pulumi.ResourceOptions(parent=platform),
        )
        outputs[cache.name] = {"pullPrefix": project.pull_prefix, "project": cache.repository_prefix, "projectId": project.project_id}
    return outputs


CACHE_BUILDERS: dict[str, CacheBuilder] = {
    "selfHosted": _self_hosted, "aws": _aws, "azure": _azure, "gcp": _gcp, "harbor": _harbor,
}
"""Target (registry key) -> the builder of that registry's caches."""


def build_caches(platform: "RegistryPlatform", settings: StackSettings) -> dict[str, dict[str, Any]]:
    """Declare every cache on every registry it targets; returns cache name -> target -> output entry."""
    outputs: dict[str, dict[str, Any]] = {cache.name: {} for cache in settings.pull_through_caches}
    for target in TARGETS:
        caches = [cache for cache in settings.pull_through_caches if target in cache_targets(cache, settings)]
        registry = platform.components.get(target)
        if not caches or registry is None:
            continue
        section = getattr(settings, TARGET_FIELDS[target])
        for name, entry in CACHE_BUILDERS[target](platform, registry, section, caches).items():
            outputs[name][target] = entry
    return outputs
