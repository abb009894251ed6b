"""Artifact Registry cleanup policies: the pure renderer, checked value for value."""

from __future__ import annotations

from registry_platform.gcp.cleanup import days_to_duration, render_cleanup_policies
from registry_platform.settings.gcp import CleanupSettings


def render(**cleanup):
    return render_cleanup_policies(CleanupSettings.model_validate(cleanup))


def test_older_than_is_rendered_in_seconds_as_the_api_stores_it():
    assert days_to_duration(1) == "86400s"
    assert days_to_duration(30) == "2592000s"


def test_every_typed_rule_becomes_one_policy_with_a_stable_id():
    policies = render(
        deleteUntaggedOlderThanDays=7,
        keepMostRecent=[{"count": 20}, {"count": 5, "packageNamePrefixes": ["tools/", "api"]}],
        keepTagged=[{"tagPrefixes": ["v", "release-"]}],
        delete=[
            {"olderThanDays": 14, "tagState": "TAGGED", "tagPrefixes": ["pr-"]},
            {"olderThanDays": 90, "packageNamePrefixes": ["scratch"], "id": "scratch-images"},
        ],
    )
    assert policies == [
        {"id": "delete-untagged", "action": "DELETE", "condition": {"tag_state": "UNTAGGED", "older_than": "604800s"}},
        {"id": "keep-most-recent", "action": "KEEP", "most_recent_versions": {"keep_count": 20}},
        {"id": "keep-most-recent-2", "action": "KEEP",
         "most_recent_versions": {"keep_count": 5, "package_name_prefixes": ["api", "tools/"]}},
        {"id": "keep-tagged", "action": "KEEP", "condition": {"tag_state": "TAGGED", "tag_prefixes": ["release-", "v"]}},
        {"id": "delete", "action": "DELETE",
         "condition": {"tag_state": "TAGGED", "older_than": "1209600s", "tag_prefixes": ["pr-"]}},
        {"id": "scratch-images", "action": "DELETE",
         "condition": {"tag_state": "ANY", "older_than": "7776000s", "package_name_prefixes": ["scratch"]}},
    ]


def test_no_cleanup_renders_nothing():
    assert render_cleanup_policies(None) is None


def test_dry_run_is_the_default():
    assert CleanupSettings.model_validate({"deleteUntaggedOlderThanDays": 3}).dry_run is True
