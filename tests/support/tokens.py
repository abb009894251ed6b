"""Registry tokens (JWT, RS256) signed the way docker_auth signs them, with `cryptography` alone."""

from __future__ import annotations

import base64
import json
import secrets
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from registry_platform.selfhosted.token_server import libtrust_key_id


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_token(
    private_key_pem: str,
    *,
    issuer: str,
    audience: str,
    subject: str,
    access: list[dict],
    lifetime: int = 300,
    issued_at: float | None = None,
) -> str:
    """A registry bearer token granting `access` ([{type, name, actions}]), with the libtrust `kid`."""
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    now = int(issued_at if issued_at is not None else time.time())
    header = {"typ": "JWT", "alg": "RS256", "kid": libtrust_key_id(key.public_key())}
    claims = {
        "iss": issuer, "sub": subject, "aud": audience, "iat": now, "nbf": now - 1, "exp": now + lifetime,
        "jti": secrets.token_hex(8), "access": access,
    }
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64(signature)}"
