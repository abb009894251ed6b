"""In CI a skipped test of a required tier fails the run: real-registry tests with
REGISTRY_PLATFORM_REQUIRE_INTEGRATION=1, engine tests with REGISTRY_PLATFORM_REQUIRE_ENGINE=1."""

from __future__ import annotations

import pytest

from tests.support.harness import ROOT

pytest_plugins = ["pytester"]

SKIPPING_TEST = """
import pytest

@pytest.mark.{marker}
def test_needs_a_tool():
    pytest.skip("no tool here")
"""

GATED_FIXTURE_TEST = """
from tests_conftest_copy import skip_unless_required

def test_fixture_without_its_tool():
    skip_unless_required("no dockerd here", "{variable}")
"""

TIERS = {"integration": "REGISTRY_PLATFORM_REQUIRE_INTEGRATION", "engine": "REGISTRY_PLATFORM_REQUIRE_ENGINE"}


def run_with(pytester, monkeypatch, marker: str, required: set[str]):
    pytester.makeconftest((ROOT / "tests" / "conftest.py").read_text())
    pytester.makeini("[pytest]\nmarkers =\n    integration: real registry\n    engine: real engine\n")
    pytester.makepyfile(SKIPPING_TEST.format(marker=marker))
    for variable in TIERS.values():
        monkeypatch.delenv(variable, raising=False)
    for tier in required:
        monkeypatch.setenv(TIERS[tier], "1")
    return pytester.runpytest_inprocess("-p", "no:cacheprovider")


@pytest.mark.parametrize("marker", sorted(TIERS))
def test_skip_is_a_skip_outside_ci(pytester, monkeypatch, marker):
    run_with(pytester, monkeypatch, marker, required=set()).assert_outcomes(skipped=1)


@pytest.mark.parametrize("marker", sorted(TIERS))
def test_skip_is_a_failure_in_ci(pytester, monkeypatch, marker):
    run_with(pytester, monkeypatch, marker, required={marker}).assert_outcomes(failed=1)


def test_each_variable_gates_only_its_own_tier(pytester, monkeypatch):
    run_with(pytester, monkeypatch, "engine", required={"integration"}).assert_outcomes(skipped=1)


@pytest.mark.parametrize("required", [False, True])
def test_a_missing_tool_fails_the_fixture_in_ci(pytester, monkeypatch, required):
    """The fixtures call skip_unless_required: outside CI a skip, in CI a failure (even unmarked)."""
    pytester.makepyfile(tests_conftest_copy=(ROOT / "tests" / "conftest.py").read_text())
    pytester.makepyfile(GATED_FIXTURE_TEST.format(variable=TIERS["engine"]))
    monkeypatch.delenv(TIERS["engine"], raising=False)
    if required:
        monkeypatch.setenv(TIERS["engine"], "1")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1) if required else result.assert_outcomes(skipped=1)
