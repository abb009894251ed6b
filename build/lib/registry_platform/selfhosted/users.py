"""htpasswd users: a password per user (generated unless supplied) and a stable bcrypt salt."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_random as random

from ..settings import secret_output
from ..settings.selfhosted import UserSettings
from .htpasswd import SALT_BYTES, htpasswd_entry, render_htpasswd


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


def htpasswd_users(name: str, users: list[UserSettings], cost: int, parent: pulumi.Resource) -> HtpasswdUsers:
    """Declare each user's password and salt; render the htpasswd file from them (same on every run)."""
    opts = pulumi.ResourceOptions(parent=parent)
    passwords: dict[str, pulumi.Output[str]] = {}
    entries: list[pulumi.Output[str]] = []
    for user in users:
        password = _password(name, user, opts)
        salt = random.RandomBytes(f"{name}-{user.name}-salt", length=SALT_BYTES, opts=opts)
        passwords[user.name] = password
        entries.append(
            pulumi.Output.all(password, salt.base64).apply(
                lambda values, user_name=user.name: htpasswd_entry(user_name, values[0], values[1], cost)
            )
        )
    content = pulumi.Output.all(*entries).apply(render_htpasswd)
    return HtpasswdUsers(passwords=passwords, htpasswd=pulumi.Output.secret(content))
