"""In CI (REGISTRY_PLATFORM_REQUIRE_INTEGRATION=1) a skipped real-registry test fails the run."""

from __future__ import annotations

from tests.support.harness import ROOT

pytest_plugins = ["pytester"]

SKIPPING_TEST = """
import pytest

@pytest.mark.integration
def test_needs_a_registry():
    pytest.skip("no registry here")
"""


def run_with(pytester, monkeypatch, required: bool):
    pytester.makeconftest((ROOT / "tests" / "conftest.py").read_text())
    pytester.makeini("[pytest]\nmarkers =\n    integration: real registry\n")
    pytester.makepyfile(SKIPPING_TEST)
    if required:
        monkeypatch.setenv("REGISTRY_PLATFORM_REQUIRE_INTEGRATION", "1")
    else:
        monkeypatch.delenv("REGISTRY_PLATFORM_REQUIRE_INTEGRATION", raising=False)
    return pytester.runpytest_inprocess("-p", "no:cacheprovider")


def test_skip_is_a_skip_outside_ci(pytester, monkeypatch):
    run_with(pytester, monkeypatch, required=False).assert_outcomes(skipped=1)


def test_skip_is_a_failure_in_ci(pytester, monkeypatch):
    run_with(pytester, monkeypatch, required=True).assert_outcomes(failed=1)
