"""Token (JWT) auth: cesanta/docker_auth issues tokens with per-user roles, the registry verifies them.

docker_auth runs as a second container next to the registry, with its users (bcrypt) and ACLs
rendered from the config; the registry trusts the token signing certificate (`rootcertbundle`) and
sends clients to docker_auth's `/auth` (the realm).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .base import SettingsModel, checked
from .formats import docker_name_problem, image_reference_problem
from .values import HttpUrl, IpAddress, Port

DEFAULT_AUTH_IMAGE = "cesanta/docker_auth:1.13.0"
AUTH_CONTAINER_PORT = 5001

Role = Literal["admin", "developer", "readonly"]
ROLE_ACTIONS: dict[str, list[str]] = {"admin": ["*"], "developer": ["pull", "push"], "readonly": ["pull"]}
"""What each role may do: admin everything (delete and the catalog included), developer pull and
push, readonly pull."""
ROLE_ACCESS: dict[str, str] = {"admin": "push", "developer": "push", "readonly": "pull"}
"""A role's access in the shared output shape (`identities[].access`)."""


class TokenAuthSettings(SettingsModel):
    """The token server (cesanta/docker_auth) and the token the registry accepts."""

    image: Annotated[str, checked(image_reference_problem)] = DEFAULT_AUTH_IMAGE
    """Pinned docker_auth image."""
    name: Annotated[str, checked(docker_name_problem)] | None = None
    """Container name of the token server (default: the registry's container name + `-auth`)."""
    port: Port = AUTH_CONTAINER_PORT
    """Host port the token server is published on (HTTPS, with the registry's certificate)."""
    bind_address: IpAddress | None = None
    """Host address the token server binds to (default: the registry's `bindAddress`)."""
    realm: HttpUrl | None = None
    """URL clients get tokens from (default `https://<host>:<port>/auth`); set it when a proxy
    fronts the token server."""
    service: str = Field("registry-platform", min_length=1)
    """Service name: the token audience the registry checks."""
    issuer: str = Field("registry-platform-auth", min_length=1)
    """Token issuer the registry checks."""
    expiration_seconds: int = Field(900, ge=60, le=86400)
    """Lifetime of an issued token."""
    key_bits: Literal[2048, 3072, 4096] = 4096
    """Size of the RSA signing key (RSA: EC keys hit a key-id mismatch between docker_auth and registry 3)."""
    certificate_validity_hours: int = Field(87600, ge=24)
    """Validity of the token signing certificate (the registry's `rootcertbundle`)."""
