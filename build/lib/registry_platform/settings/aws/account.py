"""Account-wide ECR settings (one owner stack per account and region): scanning, replication, registry policy."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..base import SettingsModel
from .formats import (
    MAX_FILTERS,
    MAX_REPLICATION_DESTINATIONS,
    MAX_REPLICATION_RULES,
    AccountId,
    Region,
    RepositoryPrefix,
    ScanFilter,
)
from .policy import RegistryPolicyStatements


class ScanningRule(SettingsModel):
    frequency: Literal["SCAN_ON_PUSH", "CONTINUOUS_SCAN"] = "SCAN_ON_PUSH"
    """When to scan: on push, or continuously (ENHANCED only)."""
    filters: list[ScanFilter] = Field(default_factory=lambda: ["*"], min_length=1, max_length=MAX_FILTERS)
    """Repository wildcard filters the rule applies to."""


class ScanningSettings(SettingsModel):
    type: Literal["BASIC", "ENHANCED"] = "BASIC"
    """`BASIC` (ECR) or `ENHANCED` (Amazon Inspector, billed)."""
    rules: list[ScanningRule] = Field(default_factory=lambda: [ScanningRule()])
    """Scanning rules, at most one per frequency."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        problems = []
        seen: set[str] = set()
        if "rules" in invalid:
            return problems
        for index, rule in enumerate(self.rules):
            if "type" not in invalid and self.type == "BASIC" and rule.frequency != "SCAN_ON_PUSH":
                problems.append((f"rules[{index}].frequency", "BASIC scanning supports only SCAN_ON_PUSH; use type ENHANCED for CONTINUOUS_SCAN"))
            if rule.frequency in seen:
                problems.append((f"rules[{index}].frequency", f"{rule.frequency} appears twice; give one rule per frequency"))
            seen.add(rule.frequency)
        return problems


class ReplicationDestination(SettingsModel):
    region: Region
    """Destination region."""
    registry_id: AccountId | None = None
    """Destination account (default: this account)."""


class ReplicationRule(SettingsModel):
    destinations: list[ReplicationDestination] = Field(min_length=1)
    """Where matching repositories are replicated."""
    repository_prefixes: list[RepositoryPrefix] = Field(default_factory=list, max_length=MAX_FILTERS)
    """Replicate only repositories whose names start with one of these (all when empty)."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        if "destinations" in invalid:
            return []
        first: dict[tuple[str, str | None], int] = {}
        problems = []
        for index, destination in enumerate(self.destinations):
            key = (destination.region, destination.registry_id)
            if key in first:
                problems.append((f"destinations[{index}]", f"is the same destination as destinations[{first[key]}]"))
            first.setdefault(key, index)
        return problems


class ReplicationSettings(SettingsModel):
    rules: list[ReplicationRule] = Field(min_length=1, max_length=MAX_REPLICATION_RULES)
    """Replication rules (at most 10, at most 25 distinct destinations in all)."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        unique = set() if "rules" in invalid else {(d.region, d.registry_id) for rule in self.rules for d in rule.destinations}
        if len(unique) > MAX_REPLICATION_DESTINATIONS:
            return [("rules", f"{len(unique)} distinct destinations; ECR allows at most {MAX_REPLICATION_DESTINATIONS}")]
        return []


class RegistryPolicySettings(SettingsModel):
    allow_replication_from: list[AccountId] = Field(default_factory=list)
    """Accounts allowed to replicate into this registry (ecr:CreateRepository, ecr:ReplicateImage)."""
    statements: RegistryPolicyStatements = Field(default_factory=list)
    """Further registry-policy statements, as written in a policy document."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        from ...aws.documents import MAX_POLICY_CHARACTERS, oversize_problem

        if invalid:  # the size of a document that is partly wrong means little
            return []
        lists = {"allowReplicationFrom": "allow_replication_from", "statements": "statements"}
        problem = oversize_problem(_render_for_size, self, MAX_POLICY_CHARACTERS, lists, "registry policy")
        return [("", problem)] if problem else []


def _render_for_size(policy: RegistryPolicySettings) -> str | None:
    """The registry policy as ECR would get it, with an account and region as long as real ones."""
    from ...aws.documents import render_registry_policy

    return render_registry_policy(policy, account_id="123456789012", region="ap-southeast-5")


class EcrRegistrySettingsArgs(SettingsModel):
    """Account-wide ECR settings (one per account and region): scanning, replication, registry policy."""

    region: Region | None = None
    """Region (default: `aws.region`, then the provider's)."""
    scanning: ScanningSettings | None = None
    """Registry scanning configuration; ECR keeps its own default (BASIC, manual) when absent."""
    replication: ReplicationSettings | None = None
    """Replication configuration."""
    policy: RegistryPolicySettings | None = None
    """Registry policy."""

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        if invalid & {"replication", "region"}:
            return []
        return self_replication_problems(self.replication, self.region)


def self_replication_problems(replication: ReplicationSettings | None, region: str | None) -> list[tuple[str, str]]:
    """Destinations that would replicate a registry into itself (same region, no other account)."""
    problems = []
    if replication and region:
        for r_index, rule in enumerate(replication.rules):
            for d_index, destination in enumerate(rule.destinations):
                if destination.region == region and destination.registry_id is None:
                    problems.append((
                        f"replication.rules[{r_index}].destinations[{d_index}]",
                        f"replicates {region} into itself; give another region or a registryId",
                    ))
    return problems
