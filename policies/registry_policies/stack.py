"""Stack-level: every registry of the stack is scanned for vulnerabilities, or explicitly exempted."""

from __future__ import annotations

from pulumi_policy import PolicyConfigSchema

from .acr import REGISTRY as ACR_REGISTRY
from .artifact_registry import REPOSITORY as GAR_REPOSITORY
from .common import ADVISORY, EXEMPTIONS_SCHEMA, MANDATORY, dig, exempted, items, lower, stack_policy, wildcard_match
from .ecr import REGISTRY_SCANNING, REPOSITORY as ECR_REPOSITORY
from .selfhosted import CONTAINER, RegistryContainer

DEFENDER_PRICING = "azure-native:security:Pricing"
GCP_SERVICE = "gcp:projects/service:Service"
CONTAINER_SCANNING_API = "containerscanning.googleapis.com"


def _ecr_rules(resources) -> list[str]:
    filters: list[str] = []
    for resource in resources:
        if resource.resource_type != REGISTRY_SCANNING:
            continue
        for rule in items(resource.props.get("rules")):
            for repository_filter in items(rule.get("repositoryFilters")):
                if repository_filter.get("filter"):
                    filters.append(str(repository_filter["filter"]))
    return filters


def _registries(resources):
    """(resource, display name, scanned?, how to fix) for every registry the stack declares."""
    ecr_filters = _ecr_rules(resources)
    defender = any(
        r.resource_type == DEFENDER_PRICING
        and lower(r.props.get("pricingName")) == "containers"
        and lower(r.props.get("pricingTier")) == "standard"
        for r in resources
    )
    gcp_scanning = any(
        r.resource_type == GCP_SERVICE and r.props.get("service") == CONTAINER_SCANNING_API for r in resources
    )
    for resource in resources:
        props, kind = resource.props, resource.resource_type
        if kind == ECR_REPOSITORY:
            name = str(props.get("name") or resource.name)
            scanned = dig(props, "imageScanningConfiguration.scanOnPush") is True or any(
                wildcard_match(f, name) for f in ecr_filters
            )
            yield resource, name, scanned, "set scanOnPush or a registry scanning rule whose filter matches it"
        elif kind == ACR_REGISTRY:
            yield resource, str(props.get("registryName") or resource.name), defender, (
                "enable Microsoft Defender for Containers (azure-native security.Pricing `Containers`, tier Standard)"
            )
        elif kind == GAR_REPOSITORY and lower(props.get("format")) == "docker":
            disabled = lower(dig(props, "vulnerabilityScanningConfig.enablementConfig")) == "disabled"
            yield resource, str(props.get("repositoryId") or resource.name), gcp_scanning and not disabled, (
                "enable containerscanning.googleapis.com (gcp.projects.Service) and keep "
                "vulnerabilityScanningConfig.enablementConfig INHERITED"
            )
        elif kind == CONTAINER and RegistryContainer.recognise(props):
            yield resource, str(props.get("name") or resource.name), False, (
                "registry:2 cannot scan: scan images in CI before pushing, or mirror them to a scanning registry"
            )


def _coverage(args, report) -> None:
    exemptions = (args.get_config() or {}).get("exemptions") or []
    for resource, name, scanned, fix in _registries(args.resources):
        if scanned or exempted(exemptions, resource.name, name, resource.urn):
            continue
        report(
            f"registry '{name}' ({resource.resource_type}) has no vulnerability scanning: {fix}; or exempt it "
            "explicitly with this rule's `exemptions`.",
            resource.urn,
        )


POLICIES = [
    stack_policy(
        "registry-scanning-coverage",
        "Every registry of the stack scans images for vulnerabilities, so known CVEs are found before deploys. "
        "Fix: ECR scan on push or registry scanning, Defender for Containers, the Container Scanning API; or exempt "
        "the registry explicitly in this rule's `exemptions`.",
        _coverage,
        level=ADVISORY,
        prod_level=MANDATORY,
        config_schema=PolicyConfigSchema({"exemptions": EXEMPTIONS_SCHEMA}),
    ),
]
