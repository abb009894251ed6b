"""The one output shape every registry shares, so CI can use any of them without special cases.

A registry tells CI how to log in in one of two ways:

- with a **password** of an identity the stack created for CI (a self-hosted htpasswd user; later an
  ACR scope-map token or a Harbor robot account), always a Pulumi secret; or
- with an **identity to assume** (an IAM role for ECR, a service account for Artifact Registry) plus a login
  recipe (`loginCommand`) and, where one exists, a docker credential helper. No password then.

A cloud token of whoever runs `pulumi up` never reaches an output: every password here belongs to a
CI identity of the stack (ECR's opt-in login token is fetched by assuming the stack's own CI role,
Artifact Registry's is minted for the stack's own CI service account).

`public()` is what may be shown (stack output `registries`); `credentials()` is what must stay secret
(`registryCredentials`).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Literal, Mapping, Optional, Sequence

import pulumi

Access = Literal["pull", "push"]


def render_docker_config(
    auths: Mapping[str, tuple[Optional[str], Optional[str]]],
    credential_helpers: Optional[Mapping[str, str]] = None,
) -> str:
    """A docker `config.json`.

    `auths`: one entry per login server with a password (`auth` = base64 of user:password); a server
    without one gets an empty entry (it needs no login). `credential_helpers`: servers that log in
    through a docker credential helper instead (`credHelpers`, e.g. `ecr-login`).
    """
    entries = {}
    for server, (username, password) in sorted(auths.items()):
        if username is None or password is None:
            entries[server] = {}
        else:
            token = base64.b64encode(f"{username}:{password}".encode()).decode()
            entries[server] = {"auth": token}
    config: dict = {"auths": entries}
    if credential_helpers:
        config["credHelpers"] = dict(sorted(credential_helpers.items()))
    return json.dumps(config, indent=2, sort_keys=True) + "\n"


@dataclass(frozen=True)
class CiIdentity:
    """An identity the stack created for CI, with access to exactly this registry's repositories."""

    name: str
    """Its name in the stack config (`ci`, `push`, `pull`...)."""
    access: Access
    """`pull`, or `push` (push and pull)."""
    type: str
    """`htpasswd-user`, `aws-iam-role`, `gcp-service-account` (later `acr-token`, `harbor-robot`)."""
    id: pulumi.Output[str]
    """What CI names to use it: the user name, the role ARN, the service account e-mail..."""

    def public(self) -> dict[str, pulumi.Input]:
        return {"name": self.name, "access": self.access, "type": self.type, "id": self.id}


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
    """The user name `docker login` takes (`AWS` for ECR; the first htpasswd user)."""
    password: pulumi.Output[Optional[str]]
    """The password of a CI identity, always a secret; None when CI logs in by assuming an identity."""
    ca_certificate_pem: pulumi.Output[Optional[str]]
    """The CA clients must trust (None for registries with publicly trusted certificates)."""
    docker_config_json: pulumi.Output[str]
    """A docker `config.json` for this registry alone; always a secret."""
    password_expires_at: pulumi.Output[Optional[str]]
    """When the password stops working (ECR tokens last 12 hours); None when it does not expire."""
    login_command: pulumi.Output[str]
    """A shell command that logs docker in (reads the password from stdin, or gets a token itself)."""
    credential_helper: Optional[str] = None
    """A docker credential helper that logs in with the ambient identity (`ecr-login`), if any."""
    identities: tuple[CiIdentity, ...] = field(default_factory=tuple)
    """The CI identities the stack created for this registry."""

    @classmethod
    def create(
        cls,
        kind: str,
        *,
        endpoint: pulumi.Input[str],
        login_server: pulumi.Input[str],
        username: pulumi.Input[Optional[str]],
        password: pulumi.Input[Optional[str]] = None,
        ca_certificate_pem: pulumi.Input[Optional[str]] = None,
        password_expires_at: pulumi.Input[Optional[str]] = None,
        login_command: pulumi.Input[str],
        credential_helper: Optional[str] = None,
        identities: Sequence[CiIdentity] = (),
    ) -> "RegistryAccess":
        login_server = pulumi.Output.from_input(login_server)
        username = pulumi.Output.from_input(username)
        password = pulumi.Output.secret(password)
        config = pulumi.Output.all(login_server, username, password).apply(
            lambda values: _single_docker_config(values[0], values[1], values[2], credential_helper)
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
            login_command=pulumi.Output.from_input(login_command),
            credential_helper=credential_helper,
            identities=tuple(identities),
        )

    def public(self) -> dict[str, pulumi.Input]:
        """The part that may be shown in plain text (stack output `registries`)."""
        return {
            "kind": self.kind,
            "endpoint": self.endpoint,
            "loginServer": self.login_server,
            "username": self.username,
            "caCertificatePem": self.ca_certificate_pem,
            "passwordExpiresAt": self.password_expires_at,
            "loginCommand": self.login_command,
            "credentialHelper": self.credential_helper,
            "identities": [identity.public() for identity in self.identities],
        }

    def credentials(self) -> dict[str, pulumi.Output]:
        """The secret part (stack output `registryCredentials`)."""
        return {"password": self.password, "dockerConfigJson": self.docker_config_json}


def _single_docker_config(server: str, username: Optional[str], password: Optional[str], helper: Optional[str]) -> str:
    if password is None and helper is not None:
        return render_docker_config({}, {server: helper})
    return render_docker_config({server: (username, password)})


def merged_docker_config(accesses: Mapping[str, RegistryAccess]) -> pulumi.Output[str]:
    """One `config.json` that logs in to every registry of the stack (secret)."""
    items = list(accesses.values())
    pieces = [pulumi.Output.all(a.login_server, a.username, a.password) for a in items]

    def render(values: list) -> str:
        auths: dict[str, tuple[Optional[str], Optional[str]]] = {}
        helpers: dict[str, str] = {}
        for access, (server, user, password) in zip(items, values):
            if password is None and access.credential_helper is not None:
                helpers[server] = access.credential_helper
            else:
                auths[server] = (user, password)
        return render_docker_config(auths, helpers)

    return pulumi.Output.secret(pulumi.Output.all(*pieces).apply(render))
