"""Render the registry's whole `config.yml` from the settings: a pure function, no Pulumi involved.

The whole file is rendered (never `REGISTRY_*` overrides, which replace whole sections). The same
function is what the real-registry tests start `docker-registry serve` with.
"""

from __future__ import annotations

from typing import Any, Mapping

import yaml
from pydantic import SecretStr

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
        if settings.auth != "none":
            headers["Access-Control-Allow-Credentials"] = ["true"]
    headers["X-Content-Type-Options"] = ["nosniff"]
    return headers


class Secrets:
    """The secret settings in plain text, by config path (`SelfHostedRegistryArgs.config_secrets`)."""

    def __init__(self, resolved: Mapping[str, str] | None):
        self.resolved = dict(resolved or {})

    def reveal(self, path: str, value: Any) -> str:
        if path in self.resolved:
            return self.resolved[path]
        if isinstance(value, SecretStr):
            return value.get_secret_value()
        raise ValueError(f"the secret `{path}` is a pulumi.Output: resolve it and pass it in `secrets`")


def _backend(settings: SelfHostedRegistryArgs, layout: ContainerLayout, secrets: Secrets) -> dict[str, Any]:
    """The one storage driver section (`filesystem`, `s3`, `azure` or `gcs`)."""
    storage = settings.storage
    if storage.s3 is not None:
        s3 = storage.s3
        section: dict[str, Any] = {"region": s3.region, "bucket": s3.bucket}
        if s3.access_key is not None:
            section["accesskey"] = secrets.reveal("storage.s3.accessKey", s3.access_key)
            section["secretkey"] = secrets.reveal("storage.s3.secretKey", s3.secret_key)
        if s3.region_endpoint is not None:
            section["regionendpoint"] = s3.region_endpoint
        section.update({"forcepathstyle": s3.path_style, "encrypt": s3.encrypt})
        if s3.key_id is not None:
            section["keyid"] = s3.key_id
        section.update({"secure": s3.secure, "v4auth": True, "chunksize": s3.chunk_size})
        if s3.root_directory is not None:
            section["rootdirectory"] = s3.root_directory
        return {"s3": section}
    if storage.azure is not None:
        azure = storage.azure
        return {"azure": {
            "accountname": azure.account_name,
            "accountkey": secrets.reveal("storage.azure.accountKey", azure.account_key),
            "container": azure.container,
            "realm": azure.realm,
        }}
    if storage.gcs is not None:
        gcs = storage.gcs
        section = {"bucket": gcs.bucket}
        if gcs.keyfile is not None:
            section["keyfile"] = layout.gcs_keyfile
        if gcs.root_directory is not None:
            section["rootdirectory"] = gcs.root_directory
        section["chunksize"] = gcs.chunk_size
        return {"gcs": section}
    filesystem = storage.filesystem
    section = {"rootdirectory": layout.data}
    if filesystem is not None:
        section["maxthreads"] = filesystem.max_threads
    return {"filesystem": section}


def _storage(settings: SelfHostedRegistryArgs, layout: ContainerLayout, secrets: Secrets) -> dict[str, Any]:
    storage = settings.storage
    purging = storage.upload_purging
    section: dict[str, Any] = {
        **_backend(settings, layout, secrets),
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
    cache = settings.blob_descriptor_cache
    if cache != "none":
        section["cache"] = {"blobdescriptor": cache}
    if not storage.uses_volume and not storage.redirect:
        section["redirect"] = {"disable": True}
    return section


def _redis(settings: SelfHostedRegistryArgs, secrets: Secrets) -> dict[str, Any]:
    redis = settings.redis
    section: dict[str, Any] = {"addr": redis.address}
    if redis.password is not None:
        section["password"] = secrets.reveal("redis.password", redis.password)
    section.update({
        "db": redis.db,
        "dialtimeout": redis.dial_timeout,
        "readtimeout": redis.read_timeout,
        "writetimeout": redis.write_timeout,
        "pool": {
            "maxidle": redis.pool.max_idle,
            "maxactive": redis.pool.max_active,
            "idletimeout": redis.pool.idle_timeout,
        },
    })
    return section


def _notifications(settings: SelfHostedRegistryArgs, secrets: Secrets) -> dict[str, Any]:
    notifications = settings.notifications
    endpoints = []
    for index, endpoint in enumerate(notifications.endpoints):
        headers = {name: list(values) for name, values in endpoint.headers.items()}
        if endpoint.auth_header is not None:
            path = f"notifications.endpoints[{index}].authHeader.value"
            headers[endpoint.auth_header.name] = [secrets.reveal(path, endpoint.auth_header.value)]
        entry: dict[str, Any] = {
            "name": endpoint.name,
            "disabled": endpoint.disabled,
            "url": endpoint.url,
            "headers": headers,
            "timeout": endpoint.timeout,
            "threshold": endpoint.threshold,
            "backoff": endpoint.backoff,
        }
        if endpoint.ignored_media_types:
            entry["ignoredmediatypes"] = list(endpoint.ignored_media_types)
        if endpoint.ignore_actions:
            entry["ignore"] = {"actions": list(endpoint.ignore_actions)}
        endpoints.append(entry)
    return {"events": {"includereferences": notifications.include_references}, "endpoints": endpoints}


def _auth(settings: SelfHostedRegistryArgs, layout: ContainerLayout) -> dict[str, Any] | None:
    if settings.auth == "htpasswd":
        return {"htpasswd": {"realm": HTPASSWD_REALM, "path": layout.htpasswd}}
    if settings.auth == "token":
        token = settings.token_settings
        return {"token": {
            "realm": settings.token_realm,
            "service": token.service,
            "issuer": token.issuer,
            "rootcertbundle": layout.token_certificate,
        }}
    return None


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
    settings: SelfHostedRegistryArgs,
    *,
    http_secret: str,
    secrets: Mapping[str, str] | None = None,
    layout: ContainerLayout = LAYOUT,
) -> str:
    """The complete Distribution `config.yml` for these settings, as YAML text.

    `secrets`: the plain values of `settings.config_secrets()` by config path (needed for those given
    as `pulumi.Output`; `SecretStr` values are read directly).
    """
    revealed = Secrets(secrets)
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
        "storage": _storage(settings, layout, revealed),
        "http": _http(settings, http_secret, layout),
        "health": {
            "storagedriver": {
                "enabled": settings.health.storage_driver_check,
                "interval": settings.health.interval,
                "threshold": settings.health.threshold,
            }
        },
    }
    auth = _auth(settings, layout)
    if auth is not None:
        config["auth"] = auth
    if settings.redis is not None:
        config["redis"] = _redis(settings, revealed)
    if settings.notifications is not None:
        config["notifications"] = _notifications(settings, revealed)
    return yaml.safe_dump(config, sort_keys=False, default_flow_style=False)
