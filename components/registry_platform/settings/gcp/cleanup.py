"""Artifact Registry cleanup policies from a typed model (rendered by `gcp/cleanup.py`).

Google advises a dry run first: `dryRun` is on by default, so a new policy only reports in the
audit logs what it would delete. Turn it off once the logs show what you expect.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field

from ..base import SettingsModel, checked

MAX_CLEANUP_POLICIES = 10
"""Artifact Registry's limit per repository."""
_POLICY_ID = re.compile(r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")
_TAG_PREFIX = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")
_PACKAGE_PREFIX = re.compile(r"^[a-z0-9][a-z0-9._/-]{0,255}$")


def _policy_id_problem(value: str) -> str | None:
    if _POLICY_ID.match(value):
        return None
    return f"'{value}' is not a policy ID: 1-63 lowercase letters, digits and '-', starting with a letter"


def _tag_prefix_problem(value: str) -> str | None:
    if _TAG_PREFIX.match(value):
        return None
    return f"'{value}' is not a tag prefix: 1-128 letters, digits, '_', '.', '-' (not starting with '.' or '-'; no '*')"


def _package_prefix_problem(value: str) -> str | None:
    if _PACKAGE_PREFIX.match(value):
        return None
    return f"'{value}' is not a package (image) name prefix: lowercase letters, digits, '.', '_', '-', '/' (e.g. api or team/)"


TagPrefix = Annotated[str, checked(_tag_prefix_problem)]
PackagePrefix = Annotated[str, checked(_package_prefix_problem)]
PolicyId = Annotated[str, checked(_policy_id_problem)]


class KeepMostRecent(SettingsModel):
    """Keep the newest `count` versions of each image, whatever else a delete rule says."""

    count: int = Field(ge=1)
    """How many versions to keep, per image."""
    package_name_prefixes: list[PackagePrefix] | None = Field(None, min_length=1)
    """Only images whose names start with one of these (default: every image)."""
    id: PolicyId | None = None
    """Policy ID (default: `keep-most-recent`, numbered from the second rule on)."""


class KeepTagged(SettingsModel):
    """Keep every version carrying a tag with one of these prefixes (e.g. releases)."""

    tag_prefixes: list[TagPrefix] = Field(min_length=1)
    """Tag prefixes, e.g. `v`, `release-`."""
    package_name_prefixes: list[PackagePrefix] | None = Field(None, min_length=1)
    """Only images whose names start with one of these (default: every image)."""
    id: PolicyId | None = None
    """Policy ID (default: `keep-tagged`, numbered from the second rule on)."""


class DeleteRule(SettingsModel):
    """Delete the versions matching every condition given (Google applies KEEP policies first)."""

    older_than_days: int = Field(ge=1)
    """Only versions older than this many days (rendered in seconds, as the API takes them)."""
    tag_state: Literal["TAGGED", "UNTAGGED", "ANY"] = "ANY"
    """Tagged, untagged or any versions."""
    tag_prefixes: list[TagPrefix] | None = Field(None, min_length=1)
    """Only versions with a tag starting with one of these (needs `tagState: TAGGED`)."""
    package_name_prefixes: list[PackagePrefix] | None = Field(None, min_length=1)
    """Only images whose names start with one of these."""
    id: PolicyId | None = None
    """Policy ID (default: `delete`, numbered from the second rule on)."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        if invalid & {"tag_state", "tag_prefixes"} or not self.tag_prefixes or self.tag_state == "TAGGED":
            return []
        return [("tagPrefixes", f"only applies with `tagState: TAGGED` (tagState is {self.tag_state})")]


class CleanupSettings(SettingsModel):
    """Cleanup policies of a STANDARD repository. Dry run by default: nothing is deleted until `dryRun: false`."""

    dry_run: bool = True
    """Only log what the policies would delete (Google's advice for a first rollout). Set `false` to delete."""
    delete_untagged_older_than_days: int | None = Field(None, ge=1)
    """Delete untagged versions older than this many days (policy `delete-untagged`)."""
    keep_most_recent: list[KeepMostRecent] = Field(default_factory=list)
    """Keep the newest N versions (per image), overriding delete rules."""
    keep_tagged: list[KeepTagged] = Field(default_factory=list)
    """Keep versions tagged with these prefixes, overriding delete rules."""
    delete: list[DeleteRule] = Field(default_factory=list)
    """Further delete rules (age plus tag state, tag prefixes, image name prefixes)."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        if invalid & {"delete_untagged_older_than_days", "keep_most_recent", "keep_tagged", "delete"}:
            return []
        ids = policy_ids(self)
        problems: list[tuple[str, str]] = []
        if len(ids) > MAX_CLEANUP_POLICIES:
            problems.append(("", f"{len(ids)} policies; Artifact Registry allows at most {MAX_CLEANUP_POLICIES} per repository"))
        if not ids:
            problems.append(("", "no policy given: set deleteUntaggedOlderThanDays, keepMostRecent, keepTagged or delete (or remove `cleanup`)"))
        seen: set[str] = set()
        for path, policy_id in ids:
            if policy_id in seen:
                problems.append((path, f"policy ID '{policy_id}' is used twice; give each rule its own `id`"))
            seen.add(policy_id)
        return problems


def policy_ids(cleanup: CleanupSettings) -> list[tuple[str, str]]:
    """(config sub-path, policy ID) of every policy, in rendering order. Default IDs are the rule's
    kind, numbered from the second rule of that kind on (`delete`, `delete-2`...)."""
    ids: list[tuple[str, str]] = []
    if cleanup.delete_untagged_older_than_days is not None:
        ids.append(("deleteUntaggedOlderThanDays", "delete-untagged"))
    for key, default, rules in (
        ("keepMostRecent", "keep-most-recent", cleanup.keep_most_recent),
        ("keepTagged", "keep-tagged", cleanup.keep_tagged),
        ("delete", "delete", cleanup.delete),
    ):
        for index, rule in enumerate(rules):
            generated = default if index == 0 else f"{default}-{index + 1}"
            ids.append((f"{key}[{index}].id" if rule.id else f"{key}[{index}]", rule.id or generated))
    return ids
