"""`SelfHostedMirror`: a registry:2 pull-through cache (proxy mode) next to the self-hosted registry.

Distribution mirrors one upstream per instance, so each cache that targets `selfHosted` gets its own
container, volume, host port, `http.secret` and (optionally) htpasswd pull users. Image, host, TLS
(a certificate from the registry's own CA, or the provided one), logging and container hardening
come from the registry's settings, so a mirror is exactly as hardened as the registry.

A proxy is read-only (pushes get 405). It panics at start when the upstream cannot be reached, so the
restart policy brings it back; and in 2.8 its upstream credentials are only sent to token-auth
upstreams (Docker Hub style), not to a registry that asks for basic auth.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import pulumi
import pulumi_docker as docker
import pulumi_random as random
import yaml

from ..settings.base import secret_output
from ..settings.caches import PullThroughCacheSettings, renders_proxy_ttl
from ..settings.selfhosted import DebugSettings, SelfHostedRegistryArgs, StorageSettings, UserSettings
from .config_file import render_registry_config
from .layout import LAYOUT, ContainerLayout
from .registry import (
    SECRET_FILE_MODE,
    SelfHostedRegistry,
    _labels,
    _volume_options,
    default_volume_name,
    registry_container,
    tls_uploads,
)
from .tls import ServerTls, signed_by_ca
from .users import htpasswd_users

TYPE = "registry-platform:selfhosted:SelfHostedMirror"
UPSTREAM_LABEL = "org.registry-platform.upstream"


def mirror_component_name(cache_name: str) -> str:
    """`mirror-<cache>`: the component's name, and the middle of the default container and volume names."""
    return f"mirror-{cache_name}"


def mirror_args(registry: SelfHostedRegistryArgs, cache: PullThroughCacheSettings) -> SelfHostedRegistryArgs:
    """The mirror as a registry:2 of its own: the registry's image, host, TLS, logging, HTTP headers and
    container hardening; the cache's port, users, volume and restart policy; filesystem storage with the
    DELETE API on (the proxy's expiry deletes through it). Nothing else is inherited: a setting added to
    the registry later (other storage, notifications, token auth) keeps its default here until chosen."""
    options = cache.self_hosted
    if options is None:
        raise ValueError(f"cache '{cache.name}' has no selfHosted options (its mirror's port)")
    users = [UserSettings(name=u.name, password=u.password, password_length=u.password_length) for u in options.users]
    return SelfHostedRegistryArgs(
        name=options.name,
        image=registry.image,
        host=registry.host,
        port=options.port,
        bind_address=options.bind_address or registry.bind_address,
        auth="htpasswd" if users else "none",
        users=users,
        bcrypt_cost=registry.bcrypt_cost,
        tls=registry.tls,
        log=registry.log,
        storage=StorageSettings(delete_enabled=True),
        http=registry.http,
        debug=DebugSettings(port=registry.debug.port, prometheus=registry.debug.prometheus),
        health=registry.health,
        container=registry.container.model_copy(update={"restart_policy": options.restart_policy}),
        volume=options.volume,
    )


def render_mirror_config(
    mirror: SelfHostedRegistryArgs,
    *,
    http_secret: str,
    remote_url: str,
    username: Optional[str] = None,
    password: Optional[str] = None,
    ttl: Optional[str] = None,
    layout: ContainerLayout = LAYOUT,
) -> str:
    """The mirror's whole `config.yml`: the registry renderer's file for `mirror`, plus the `proxy` section.

    `ttl` is only rendered for images that read it (registry:3); 2.8 expires after a fixed 168h.
    """
    config = yaml.safe_load(render_registry_config(mirror, http_secret=http_secret, layout=layout))
    config["storage"]["delete"] = {"enabled": True}
    proxy: dict[str, Any] = {"remoteurl": remote_url}
    if username is not None and password is not None:
        proxy["username"] = username
        proxy["password"] = password
    if ttl is not None and renders_proxy_ttl(mirror.image):
        proxy["ttl"] = ttl
    config["proxy"] = proxy
    return yaml.safe_dump(config, sort_keys=False, default_flow_style=False)


def _mirror_tls(name: str, mirror: SelfHostedRegistryArgs, registry: SelfHostedRegistry, parent: pulumi.Resource) -> Optional[ServerTls]:
    """A server certificate from the registry's generated CA; the provided certificate (valid for the same
    host on any port) as it is; none when the registry has TLS off."""
    server_tls: Optional[ServerTls] = getattr(registry, "server_tls", None)
    if mirror.tls.mode == "disabled" or server_tls is None:
        return None
    if mirror.tls.mode == "generated":
        return signed_by_ca(name, mirror.tls, mirror.host, server_tls, parent)
    return server_tls


class SelfHostedMirror(pulumi.ComponentResource):
    """A registry:2 proxy of one upstream, hardened like `registry` and trusted through its CA."""

    endpoint: pulumi.Output[str]
    login_server: pulumi.Output[str]
    """`host:port`: pull `<loginServer>/library/nginx:latest` (Docker Hub) or `<loginServer>/<path>`."""
    ca_certificate_pem: pulumi.Output[Optional[str]]
    user_passwords: pulumi.Output[Mapping[str, str]]
    """Pull user -> password, secret (empty without users)."""
    container_name: pulumi.Output[str]
    volume_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        cache: PullThroughCacheSettings | Mapping[str, Any],
        registry: SelfHostedRegistry,
        opts: Optional[pulumi.ResourceOptions] = None,
    ):
        cache = PullThroughCacheSettings.coerce(cache)
        super().__init__(TYPE, name, None, opts)
        args = mirror_args(registry.settings, cache)
        child = pulumi.ResourceOptions(parent=self)
        labels = _labels(name)

        image = docker.RemoteImage(f"{name}-image", name=args.image, keep_locally=True, opts=child)
        volume = docker.Volume(
            f"{name}-data",
            name=args.volume.name or default_volume_name(name),
            labels=[docker.VolumeLabelArgs(label=k, value=v) for k, v in labels.items()],
            opts=_volume_options(self, args),
        )
        http_secret = random.RandomPassword(f"{name}-http-secret", length=64, special=False, opts=child)
        credentials = cache.credentials
        token = secret_output(credentials.token) if credentials else pulumi.Output.from_input(None)
        config = pulumi.Output.all(pulumi.Output.secret(http_secret.result), token).apply(
            lambda values: render_mirror_config(
                args,
                http_secret=values[0],
                remote_url=cache.upstream_url,
                username=credentials.username if credentials else None,
                password=values[1],
                ttl=cache.ttl,
            )
        )
        uploads = [docker.ContainerUploadArgs(file=LAYOUT.config, content=pulumi.Output.secret(config), permissions=SECRET_FILE_MODE)]
        server_tls = _mirror_tls(name, args, registry, self)
        uploads += tls_uploads(server_tls)
        passwords: dict[str, pulumi.Output[str]] = {}
        if args.auth == "htpasswd":
            users = htpasswd_users(name, args.users, args.bcrypt_cost, self)
            passwords = users.passwords
            uploads.append(docker.ContainerUploadArgs(file=LAYOUT.htpasswd, content=users.htpasswd, permissions=SECRET_FILE_MODE))

        # The same container as SelfHostedRegistry's (a test compares them field by field).
        container = registry_container(
            name, args, image_id=image.image_id, volume=volume, uploads=uploads,
            labels={**labels, UPSTREAM_LABEL: cache.upstream_url, **args.container.labels}, parent=self,
        )

        self.cache_name = cache.name
        self.upstream = cache.upstream_url
        self.user_names = list(passwords)
        self.endpoint = pulumi.Output.from_input(args.endpoint)
        self.login_server = pulumi.Output.from_input(args.login_server)
        self.ca_certificate_pem = server_tls.ca_certificate_pem if server_tls else pulumi.Output.from_input(None)
        self.user_passwords = pulumi.Output.secret(pulumi.Output.from_input(passwords))
        self.container_name = container.name
        self.volume_name = volume.name
        self.register_outputs(
            {
                "endpoint": self.endpoint,
                "loginServer": self.login_server,
                "userPasswords": self.user_passwords,
                "containerName": self.container_name,
                "volumeName": self.volume_name,
            }
        )

    def cache_outputs(self) -> dict[str, Any]:
        """This mirror's entry under `pullThroughCaches.<cache>.selfHosted` (plain values)."""
        return {
            "pullPrefix": self.login_server,
            "loginServer": self.login_server,
            "endpoint": self.endpoint,
            "upstream": self.upstream,
            "users": list(self.user_names),
            "containerName": self.container_name,
            "volumeName": self.volume_name,
        }
