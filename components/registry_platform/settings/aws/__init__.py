"""Settings of AWS ECR (`registry-platform:aws`).

`EcrRegistryArgs` is the args of `EcrRegistry` (repositories and CI roles); `EcrRegistrySettingsArgs`
is the args of `EcrRegistrySettings` (the account-wide singletons). The `aws` stack-config section
is both: its `registrySettings` key, set in exactly one stack per account and region, owns the
singletons. Defaults follow terraform-aws-modules/ecr and go further: immutable tags, scan on push,
no public access, no empty lifecycle policy, no deployer token in any output.

Split by concern: `formats` (names, ARNs, regions, tags), `policy` (access lists and raw
statements), `lifecycle`, `repository`, `account` (the singletons) and `ci` (CI roles).

The section model (`AwsSettings`, `EcrRegistryArgs`) lives in `section`, imported on first use of a
name of this package: the cache settings import `aws.formats` and `aws.lifecycle` without loading the
whole section on a stack that has no `aws` key.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "AccessSettings",
    "AwsSettings",
    "EcrCiRoleSettings",
    "EcrRegistryArgs",
    "EcrRegistrySettingsArgs",
    "EcrRepositoryArgs",
    "EncryptionSettings",
    "GithubOidcSettings",
    "LifecycleSettings",
    "RepositorySettings",
]


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    section = importlib.import_module(".section", __name__)
    try:
        value = getattr(section, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .section import *  # noqa: F403
