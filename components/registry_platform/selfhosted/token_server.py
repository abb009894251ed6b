"""Token auth: the cesanta/docker_auth config (a pure function) and the key id registry 2.8 expects.

docker_auth checks passwords (bcrypt) and applies the ACL, first match wins: one entry per user, in
the configured order, with the actions of the user's role. Anything unmatched is denied.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any, Mapping

import yaml
from cryptography.hazmat.primitives import serialization

from ..settings.selfhosted import SelfHostedRegistryArgs
from ..settings.token_auth import AUTH_CONTAINER_PORT, ROLE_ACTIONS
from .layout import AUTH_LAYOUT, AuthLayout


def libtrust_key_id(public_key: Any) -> str:
    """The libtrust key id of a public key (PEM text, DER bytes or a key object), as registry 2.8
    matches a token's `kid` against its `rootcertbundle`: base32 of the first 240 bits of the
    SHA-256 of the DER SubjectPublicKeyInfo, in 12 groups of 4 characters joined by ':'."""
    if isinstance(public_key, str):
        public_key = serialization.load_pem_public_key(public_key.encode())
    if isinstance(public_key, bytes):
        der = public_key
    else:
        der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    encoded = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode()
    return ":".join(encoded[i:i + 4] for i in range(0, len(encoded), 4))


def acl(settings: SelfHostedRegistryArgs) -> list[dict[str, Any]]:
    """One entry per user in configured order: that user's role, and nothing else."""
    entries = []
    for user in settings.users:
        match: dict[str, Any] = {"account": user.name}
        if user.role != "admin":
            match["type"] = "repository"  # the catalog (type registry) is for admins only
        entries.append({
            "match": match,
            "actions": list(ROLE_ACTIONS[user.role]),
            "comment": f"{user.name}: {user.role}",
        })
    return entries


def render_docker_auth_config(
    settings: SelfHostedRegistryArgs, password_hashes: Mapping[str, str], layout: AuthLayout = AUTH_LAYOUT
) -> str:
    """The docker_auth `auth_config.yml`: TLS server, token issuer and signing key, users, ACL."""
    token = settings.token_settings
    missing = [user.name for user in settings.users if user.name not in password_hashes]
    if missing:
        raise ValueError(f"no password hash for user(s) {', '.join(missing)}")
    config: dict[str, Any] = {
        "server": {
            "addr": f":{AUTH_CONTAINER_PORT}",
            "certificate": layout.certificate,
            "key": layout.private_key,
        },
        "token": {
            "issuer": token.issuer,
            "expiration": token.expiration_seconds,
            "certificate": layout.token_certificate,
            "key": layout.token_key,
        },
        "users": {user.name: {"password": password_hashes[user.name]} for user in settings.users},
        "acl": acl(settings),
    }
    return yaml.safe_dump(config, sort_keys=False, default_flow_style=False)
