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


LAYOUT = ContainerLayout()
