"""bcrypt htpasswd entries that are identical on every run.

A fresh bcrypt salt per `pulumi up` would change the htpasswd file, and with it the container, on
every run. The salt therefore comes from a `random.RandomBytes` resource kept in the stack state, and
the hash is a pure function of (password, salt, cost).
"""

from __future__ import annotations

import base64

import bcrypt

SALT_BYTES = 16
_STD_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_BCRYPT_B64 = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_TO_BCRYPT = str.maketrans(_STD_B64, _BCRYPT_B64)


def bcrypt_salt(raw: bytes, cost: int) -> bytes:
    """The `$2b$<cost>$<22 chars>` salt string for 16 bytes of entropy (bcrypt's own base64)."""
    if len(raw) != SALT_BYTES:
        raise ValueError(f"a bcrypt salt needs exactly {SALT_BYTES} bytes, got {len(raw)}")
    encoded = base64.b64encode(raw).decode()[:22].translate(_TO_BCRYPT)
    return f"$2b${cost:02d}${encoded}".encode()


def bcrypt_hash(user: str, password: str, salt_base64: str, cost: int) -> str:
    """`$2b$...` for a password; the salt is the base64 text of 16 stored random bytes (same on every run)."""
    if not 1 <= len(password.encode()) <= 72:
        raise ValueError(f"the password of user '{user}' must be 1-72 bytes long (bcrypt reads at most 72)")
    salt = bcrypt_salt(base64.b64decode(salt_base64), cost)
    return bcrypt.hashpw(password.encode(), salt).decode()


def htpasswd_entry(user: str, password: str, salt_base64: str, cost: int) -> str:
    """One `user:$2b$...` line."""
    return f"{user}:{bcrypt_hash(user, password, salt_base64, cost)}"


def render_htpasswd(entries: list[str]) -> str:
    """The htpasswd file: one entry per line, in the order the users were configured."""
    return "".join(f"{entry}\n" for entry in entries)
