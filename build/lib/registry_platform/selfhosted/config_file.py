"""Render the registry's whole `config.yml` from the settings: a pure function, no Pulumi involved.

The whole file is rendered (never `REGISTRY_*` overrides, which replace whole sections). The same
function is what the real-registry tests start `docker-registry serve` with.
"""

from __future__ import annotations

from typing import Any

import yaml

from ..settings.selfhosted import REGISTRY_CONTAINER_PORT, SelfHostedRegistryArgs
from .layout import LAYOUT, ContainerLayout

HTPASSWD_REALM = "registry-platform"


def _headers(settings: SelfHostedRegistryArgs) -> dict[str, list[str]]:
    """User headers, then CORS, then nosniff last so nothing can replace it."""
    headers: dict[str, list[str]] = {name: list(values) for name, values in settings.http.headers.items()}
    cors = settings.http.cors
    if cors is not None:
        headers["Access-Control-Allow-Origin"] = [cors.allow_origin]
        headers["Access-Control-Allow-Methods"] = list(cors.allow_methods)
        headers["Access-Control-Allow-Headers"] = list(cors.allow_headers)
        if cors.expose_headers:
            headers["Access-Control-Expose-Headers"] = list(cors.expose_headers)
        if settings.auth == "htpasswd":
            headers["Access-Control-Allow-Credentials"] = ["true"]
    headers["X-Content-Type-Options"] = ["nosniff"]
    return headers


def _storage(settings: SelfHostedRegistryArgs, layout: ContainerLayout) -> dict[str, Any]:
    storage = settings.storage
    purging = storage.upload_purging
    section: dict[str, Any] = {
        "filesystem": {"rootdirectory": layout.data},
        "delete": {"enabled": storage.delete_enabled},
        "maintenance": {
            "uploadpurging": {
                "enabled": purging.enabled,
                "age": purging.age,
                "interval": purging.interval,
                "dryrun": purging.dry_run,
            },
            "readonly": {"enabled": storage.read_only},
        },
    }
    if storage.blob_descriptor_cache != "none":
        section["cache"] = {"blobdescriptor": storage.blob_descriptor_cache}
    return section


def _http(settings: SelfHostedRegistryArgs, http_secret: str, layout: ContainerLayout) -> dict[str, Any]:
    debug = settings.debug
    # Published debug ports must listen on the container's interface; otherwise loopback is enough
    # for the in-container health check and nothing else can reach it.
    debug_host = "0.0.0.0" if debug.publish else "127.0.0.1"
    section: dict[str, Any] = {
        "addr": f":{REGISTRY_CONTAINER_PORT}",
        "secret": http_secret,
        "headers": _headers(settings),
        "http2": {"disabled": settings.http.http2_disabled},
        "debug": {"addr": f"{debug_host}:{debug.port}"},
    }
    if debug.prometheus:
        section["debug"]["prometheus"] = {"enabled": True, "path": "/metrics"}
    if settings.tls.mode != "disabled":
        section["tls"] = {
            "certificate": layout.certificate,
            "key": layout.private_key,
            "minimumtls": settings.tls.minimum_version,
        }
    return section


def render_registry_config(
    settings: SelfHostedRegistryArgs, *, http_secret: str, layout: ContainerLayout = LAYOUT
) -> str:
    """The complete Distribution `config.yml` for these settings, as YAML text."""
    if not http_secret:
        raise ValueError("http_secret must be set: uploads break across restarts and replicas without it")
    log = settings.log
    config: dict[str, Any] = {
        "version": "0.1",
        "log": {
            "level": log.level,
            "formatter": log.formatter,
            "accesslog": {"disabled": not log.access_log},
            "fields": {"service": "registry", **log.fields},
        },
        "storage": _storage(settings, layout),
        "http": _http(settings, http_secret, layout),
        "health": {
            "storagedriver": {
                "enabled": settings.health.storage_driver_check,
                "interval": settings.health.interval,
                "threshold": settings.health.threshold,
            }
        },
    }
    if settings.auth == "htpasswd":
        config["auth"] = {"htpasswd": {"realm": HTPASSWD_REALM, "path": layout.htpasswd}}
    return yaml.safe_dump(config, sort_keys=False, default_flow_style=False)
