"""Where things live inside the registry container: one place, shared by the renderer and the component."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ContainerLayout:
    """Paths inside the container. Tests point the same rendered config at a temporary directory."""

    config: str = "/etc/docker/registry/config.yml"
    data: str = "/var/lib/registry"
    certificate: str = "/etc/docker/registry/tls/server.crt"
    private_key: str = "/etc/docker/registry/tls/server.key"
    htpasswd: str = "/etc/docker/registry/auth/htpasswd"
    token_certificate: str = "/etc/docker/registry/auth/token-signing.crt"
    """The token signing certificate (`auth.token.rootcertbundle`) with token auth."""
    gcs_keyfile: str = "/etc/docker/registry/gcs/keyfile.json"
    """The GCS service account key, when one is given."""


@dataclass(frozen=True)
class AuthLayout:
    """Paths inside the token server (cesanta/docker_auth) container."""

    config: str = "/config/auth_config.yml"
    certificate: str = "/config/tls/server.crt"
    private_key: str = "/config/tls/server.key"
    token_certificate: str = "/config/token/signing.crt"
    token_key: str = "/config/token/signing.key"


LAYOUT = ContainerLayout()
AUTH_LAYOUT = AuthLayout()
