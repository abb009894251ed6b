"""Artifact Registry cleanup policies, rendered by a pure function of the settings (no Pulumi, no GCP calls).

The result is what `artifactregistry.Repository(cleanup_policies=...)` takes: a list of
`{id, action, condition | most_recent_versions}` with `older_than` in seconds, as the API stores it
(`"7d"` would come back as `"604800s"` and show a diff on every run).
"""

from __future__ import annotations

from typing import Any, Optional

from ..settings.gcp.cleanup import CleanupSettings, policy_ids

SECONDS_PER_DAY = 86400


def days_to_duration(days: int) -> str:
    """7 -> `"604800s"`."""
    return f"{days * SECONDS_PER_DAY}s"


def _prefixes(key: str, values: Optional[list[str]]) -> dict[str, list[str]]:
    return {key: sorted(values)} if values else {}


def render_cleanup_policies(cleanup: Optional[CleanupSettings]) -> Optional[list[dict[str, Any]]]:
    """The cleanup policies (snake_case keys, as the SDK's dict inputs), or None when there are none."""
    if cleanup is None:
        return None
    ids = iter(policy_id for _, policy_id in policy_ids(cleanup))
    policies: list[dict[str, Any]] = []
    if cleanup.delete_untagged_older_than_days is not None:
        policies.append({
            "id": next(ids),
            "action": "DELETE",
            "condition": {"tag_state": "UNTAGGED", "older_than": days_to_duration(cleanup.delete_untagged_older_than_days)},
        })
    for rule in cleanup.keep_most_recent:
        policies.append({
            "id": next(ids),
            "action": "KEEP",
            "most_recent_versions": {"keep_count": rule.count, **_prefixes("package_name_prefixes", rule.package_name_prefixes)},
        })
    for rule in cleanup.keep_tagged:
        policies.append({
            "id": next(ids),
            "action": "KEEP",
            "condition": {
                "tag_state": "TAGGED",
                **_prefixes("tag_prefixes", rule.tag_prefixes),
                **_prefixes("package_name_prefixes", rule.package_name_prefixes),
            },
        })
    for rule in cleanup.delete:
        policies.append({
            "id": next(ids),
            "action": "DELETE",
            "condition": {
                "tag_state": rule.tag_state,
                "older_than": days_to_duration(rule.older_than_days),
                **_prefixes("tag_prefixes", rule.tag_prefixes),
                **_prefixes("package_name_prefixes", rule.package_name_prefixes),
            },
        })
    return policies or None
