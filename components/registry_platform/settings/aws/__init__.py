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

from typing import TYPE_CHECKING

from ..lazy import lazy_names

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


__getattr__, __dir__ = lazy_names(__name__, ".section", __all__)


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .section import *  # noqa: F403
