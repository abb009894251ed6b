"""The one output shape every registry shares, so CI can use any of them without special cases.

`RegistryAccess` carries what a client needs to log in: the login server, a username, a password
(always secret), the CA to trust (self-hosted only) and a ready docker `config.json` (secret).
`public()` is what may be shown; `credentials()` is what must stay secret.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Mapping, Optional

import pulumi


def render_docker_config(auths: Mapping[str, tuple[Optional[str], Optional[str]]]) -> str:
    """A docker `config.json` with one `auths` entry per login server (`auth` = base64 of user:password)."""
    entries = {}
    for server, (username, password) in sorted(auths.items()):
        if username is None or password is None:
            entries[server] = {}
        else:
            token = base64.b64encode(f"{username}:{password}".encode()).decode()
            entries[server] = {"auth": token}
    return json.dumps({"auths": entries}, indent=2, sort_keys=True) + "\n"


@dataclass(frozen=True)
class RegistryAccess:
    """How to reach and log in to one registry. Every registry component exposes one as `access`."""

    kind: str
    """`self-hosted`, `ecr`, `acr` or `artifact-registry`."""
    endpoint: pulumi.Output[str]
    """Base URL of the registry API (`https://host:port`)."""
    login_server: pulumi.Output[str]
    """What `docker login` and image names take (`host:port`, `<account>.dkr.ecr.<region>.amazonaws.com`)."""
    username: pulumi.Output[Optional[str]]
    password: pulumi.Output[Optional[str]]
    """Always a secret."""
    ca_certificate_pem: pulumi.Output[Optional[str]]
    """The CA clients must trust (None for registries with publicly trusted certificates)."""
    docker_config_json: pulumi.Output[str]
    """A docker `config.json` for this registry alone; always a secret."""
    password_expires_at: pulumi.Output[Optional[str]]
    """When the password stops working (ECR tokens last 12 hours); None when it does not expire."""

    @classmethod
    def create(
        cls,
        kind: str,
        *,
        endpoint: pulumi.Input[str],
        login_server: pulumi.Input[str],
        username: pulumi.Input[Optional[str]],
        password: pulumi.Input[Optional[str]],
        ca_certificate_pem: pulumi.Input[Optional[str]] = None,
        password_expires_at: pulumi.Input[Optional[str]] = None,
    ) -> "RegistryAccess":
        login_server = pulumi.Output.from_input(login_server)
        username = pulumi.Output.from_input(username)
        password = pulumi.Output.secret(password)
        config = pulumi.Output.all(login_server, username, password).apply(
            lambda values: render_docker_config({values[0]: (values[1], values[2])})
        )
        return cls(
            kind=kind,
            endpoint=pulumi.Output.from_input(endpoint),
            login_server=login_server,
            username=username,
            password=password,
            ca_certificate_pem=pulumi.Output.from_input(ca_certificate_pem),
            docker_config_json=pulumi.Output.secret(config),
            password_expires_at=pulumi.Output.from_input(password_expires_at),
        )

    def public(self) -> dict[str, pulumi.Output]:
        """The part that may be shown in plain text (stack output `registries`)."""
        return {
            "kind": pulumi.Output.from_input(self.kind),
            "endpoint": self.endpoint,
            "loginServer": self.login_server,
            "username": self.username,
            "caCertificatePem": self.ca_certificate_pem,
            "passwordExpiresAt": self.password_expires_at,
        }

    def credentials(self) -> dict[str, pulumi.Output]:
        """The secret part (stack output `registryCredentials`)."""
        return {"password": self.password, "dockerConfigJson": self.docker_config_json}


def merged_docker_config(accesses: Mapping[str, RegistryAccess]) -> pulumi.Output[str]:
    """One `config.json` that logs in to every registry of the stack (secret)."""
    items = list(accesses.values())
    pieces = [pulumi.Output.all(a.login_server, a.username, a.password) for a in items]
    merged = pulumi.Output.all(*pieces).apply(
        lambda values: render_docker_config({server: (user, password) for server, user, password in values})
    )
    return pulumi.Output.secret(merged)
