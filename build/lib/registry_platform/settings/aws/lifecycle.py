"""ECR lifecycle settings: typed rules, and raw rules typed as ECR documents them.

ECR reads a `tagPrefixList` with several prefixes as "images that carry a tag for every one of
them", which is rarely what is meant; `keepLast` therefore gives each prefix (or pattern) its own
rule, each keeping the newest `count` images.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field

from ..base import SettingsModel, checked

_TAG_PREFIX = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
_TAG_PATTERN = re.compile(r"^[A-Za-z0-9._*-]{1,128}$")
MAX_PATTERN_WILDCARDS = 4


def _prefix_problem(value: str) -> str | None:
    if _TAG_PREFIX.match(value):
        return None
    return f"'{value}' is not a tag prefix: 1-128 letters, digits, '.', '_', '-' (no '*'; use tagPatterns for wildcards)"


def _pattern_problem(value: str) -> str | None:
    if _TAG_PATTERN.match(value) and value.count("*") <= MAX_PATTERN_WILDCARDS:
        return None
    return (
        f"'{value}' is not a tag pattern: 1-128 letters, digits, '.', '_', '-', "
        f"'*' with at most {MAX_PATTERN_WILDCARDS} '*'"
    )


TagPrefix = Annotated[str, checked(_prefix_problem)]
TagPattern = Annotated[str, checked(_pattern_problem)]


class KeepLastRule(SettingsModel):
    """Keep the newest `count` images for each tag prefix (or pattern); older ones expire."""

    count: int = Field(ge=1)
    """How many images to keep, per prefix or pattern."""
    tag_prefixes: list[TagPrefix] | None = Field(None, min_length=1)
    """Tag prefixes (e.g. `v`, `release-`): one rule per prefix. Neither prefixes nor patterns: every image."""
    tag_patterns: list[TagPattern] | None = Field(None, min_length=1)
    """Tag wildcard patterns (e.g. `v*-prod`): one rule per pattern."""
    description: str | None = None
    """Text shown in the ECR console (default: says what the rule keeps)."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        if not invalid & {"tag_prefixes", "tag_patterns"} and self.tag_prefixes and self.tag_patterns:
            return [("tagPatterns", "give tagPrefixes or tagPatterns, not both")]
        return []

    @property
    def selects_any(self) -> bool:
        return not self.tag_prefixes and not self.tag_patterns


class LifecycleSelection(SettingsModel):
    """An ECR lifecycle `selection`, key for key."""

    tag_status: Literal["tagged", "untagged", "any"]
    """Which images: tagged (with tagPrefixList or tagPatternList), untagged, or any."""
    tag_prefix_list: list[TagPrefix] | None = Field(None, min_length=1)
    """Images carrying a tag for every prefix listed."""
    tag_pattern_list: list[TagPattern] | None = Field(None, min_length=1)
    """Images carrying a tag matching every pattern listed."""
    count_type: Literal["imageCountMoreThan", "sinceImagePushed"]
    """Keep a number of images, or expire by age."""
    count_unit: Literal["days"] | None = None
    """`days`, with sinceImagePushed only."""
    count_number: int = Field(ge=1)
    """The count or the number of days."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        lists = {"tagPrefixList": self.tag_prefix_list, "tagPatternList": self.tag_pattern_list}
        if "tag_status" not in invalid and not invalid & {"tag_prefix_list", "tag_pattern_list"}:
            given = [key for key, value in lists.items() if value]
            if self.tag_status == "tagged" and len(given) != 1:
                problems.append(("tagStatus", "a `tagged` selection needs exactly one of tagPrefixList or tagPatternList"))
            if self.tag_status != "tagged" and given:
                problems.append((given[0], f"only applies to `tagged` selections (tagStatus is `{self.tag_status}`)"))
        if not invalid & {"count_type", "count_unit"}:
            if self.count_type == "sinceImagePushed" and self.count_unit is None:
                problems.append(("countUnit", "sinceImagePushed needs countUnit: days"))
            if self.count_type == "imageCountMoreThan" and self.count_unit is not None:
                problems.append(("countUnit", "only applies to sinceImagePushed"))
        return problems

    @property
    def tag_selector(self) -> tuple[str, tuple[str, ...]] | None:
        if self.tag_prefix_list:
            return ("prefixes", tuple(sorted(self.tag_prefix_list)))
        if self.tag_pattern_list:
            return ("patterns", tuple(sorted(self.tag_pattern_list)))
        return None


class LifecycleAction(SettingsModel):
    type: Literal["expire"] = "expire"
    """What happens to selected images (ECR: expire)."""


class RawLifecycleRule(SettingsModel):
    """An ECR lifecycle rule written out; its priority comes from its place in the list."""

    selection: LifecycleSelection
    """As in ECR: tagStatus, tagPrefixList or tagPatternList, countType, countUnit, countNumber."""
    action: LifecycleAction = Field(default_factory=LifecycleAction)
    """As in ECR; `{type: expire}`."""
    description: str | None = None
    """Text shown in the ECR console."""
    rule_priority: int | None = None
    """Not set here: priorities are assigned in order (typed rules first, the `any` rule last)."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        if "rule_priority" not in invalid and self.rule_priority is not None:
            return [("rulePriority", "is assigned from the rule's place in the list; remove it")]
        return []

    @property
    def selects_any(self) -> bool:
        return self.selection.tag_status == "any"


class LifecycleSettings(SettingsModel):
    """Lifecycle from typed rules; rendered with unique, ordered priorities, or not at all when empty."""

    keep_last: list[KeepLastRule] = Field(default_factory=list)
    """Keep the last N images per tag prefix or pattern."""
    untagged_expire_days: int | None = Field(None, ge=1)
    """Expire untagged images this many days after push."""
    raw_rules: list[RawLifecycleRule] = Field(default_factory=list)
    """Further rules written out as ECR has them (evaluated after the typed ones)."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        keep_last = [] if "keep_last" in invalid else self.keep_last
        raw_rules = [] if "raw_rules" in invalid else self.raw_rules
        problems: list[tuple[str, str]] = []
        if sum(rule.selects_any for rule in [*keep_last, *raw_rules]) > 1:
            problems.append(("", "at most one rule may select every image (tagStatus any); ECR evaluates it last"))
        untagged = int(self.untagged_expire_days is not None and "untagged_expire_days" not in invalid)
        untagged += sum(rule.selection.tag_status == "untagged" for rule in raw_rules)
        if untagged > 1:
            problems.append(("rawRules", "only one rule may select untagged images (untaggedExpireDays is one)"))
        seen: set[tuple[str, tuple[str, ...]]] = set()
        selectors = [("prefixes", (p,)) for rule in keep_last for p in rule.tag_prefixes or []]
        selectors += [("patterns", (p,)) for rule in keep_last for p in rule.tag_patterns or []]
        selectors += [rule.selection.tag_selector for rule in raw_rules if rule.selection.tag_selector]
        for selector in selectors:
            if selector in seen:
                problems.append(("", f"two rules select the same tag {selector[0]} {list(selector[1])}; ECR needs them unique"))
            seen.add(selector)
        return problems

    @property
    def empty(self) -> bool:
        return not self.keep_last and self.untagged_expire_days is None and not self.raw_rules
