"""Registry users: a password per user (generated unless supplied) and a stable bcrypt salt.

The same passwords and hashes serve htpasswd auth (an htpasswd file for the registry) and token auth
(the users of the token server); the resources are named alike, so switching between the two keeps
every password.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_random as random

from ..settings import secret_output
from ..settings.selfhosted import UserSettings
from .htpasswd import SALT_BYTES, bcrypt_hash, render_htpasswd


@dataclass(frozen=True)
class HashedUsers:
    passwords: dict[str, pulumi.Output[str]]
    """User name -> password (secret), in configured order."""
    hashes: pulumi.Output[dict[str, str]]
    """User name -> bcrypt hash (secret), in configured order; identical on every run."""


@dataclass(frozen=True)
class HtpasswdUsers:
    passwords: dict[str, pulumi.Output[str]]
    """User name -> password (secret), in configured order."""
    htpasswd: pulumi.Output[str]
    """The htpasswd file content (secret)."""


def _password(name: str, user: UserSettings, opts: pulumi.ResourceOptions) -> pulumi.Output[str]:
    if user.password is not None:
        return secret_output(user.password)
    generated = random.RandomPassword(
        f"{name}-{user.name}-password",
        length=user.password_length,
        special=False,
        min_upper=1,
        min_lower=1,
        min_numeric=1,
        opts=opts,
    )
    return pulumi.Output.secret(generated.result)


def hashed_users(name: str, users: list[UserSettings], cost: int, parent: pulumi.Resource) -> HashedUsers:
    """Declare each user's password and salt; hash the passwords with them (same on every run)."""
    opts = pulumi.ResourceOptions(parent=parent)
    passwords: dict[str, pulumi.Output[str]] = {}
    hashes: list[pulumi.Output[str]] = []
    for user in users:
        password = _password(name, user, opts)
        salt = random.RandomBytes(f"{name}-{user.name}-salt", length=SALT_BYTES, opts=opts)
        passwords[user.name] = password
        hashes.append(
            pulumi.Output.all(password, salt.base64).apply(
                lambda values, user_name=user.name: bcrypt_hash(user_name, values[0], values[1], cost)
            )
        )
    names = [user.name for user in users]
    by_name = pulumi.Output.all(*hashes).apply(lambda values: dict(zip(names, values)))
    return HashedUsers(passwords=passwords, hashes=pulumi.Output.secret(by_name))


def htpasswd_users(name: str, users: list[UserSettings], cost: int, parent: pulumi.Resource) -> HtpasswdUsers:
    """The users and the htpasswd file rendered from their hashes."""
    hashed = hashed_users(name, users, cost, parent)
    content = hashed.hashes.apply(lambda hashes: render_htpasswd([f"{user}:{value}" for user, value in hashes.items()]))
    return HtpasswdUsers(passwords=hashed.passwords, htpasswd=pulumi.Output.secret(content))
