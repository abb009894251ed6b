"""Shared fixtures: the mock harness that runs `__main__.py`, and the gate for real-registry tests."""

from __future__ import annotations

import importlib.util
import os
import shutil

import pytest

from tests.support.harness import run_program
from tests.support.mocks import StackState
from tests.support.registry_process import missing_tools

REQUIRE_INTEGRATION_ENV = "REGISTRY_PLATFORM_REQUIRE_INTEGRATION"


@pytest.fixture
def run_stack():
    """`run_stack(config, **kw)` runs the stack program under mocks (fresh event loop per run)."""
    return run_program


@pytest.fixture
def stack_state():
    """Outputs kept between two runs of the program, like Pulumi's state file."""
    return StackState()


@pytest.fixture
def two_users():
    return {"selfHosted": {"users": [{"name": "admin"}, {"name": "ci"}]}}


def _skip_or_fail(message: str) -> None:
    """Skip, unless integration is required (CI): then fail."""
    if os.environ.get(REQUIRE_INTEGRATION_ENV) == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def registry_tools():
    """The real registry and skopeo. Missing tools skip, unless integration is required (CI): then fail."""
    missing = missing_tools()
    if missing:
        _skip_or_fail(f"real-registry tests need {', '.join(missing)} (apt-get install -y docker-registry skopeo)")


@pytest.fixture(scope="session")
def service_tools():
    """What the storage, cache and notification tests start beside the registry: `redis-server`
    (apt) and moto's S3 server, boto3 and the redis client (requirements-dev.txt)."""
    missing = [] if shutil.which("redis-server") else ["redis-server (apt-get install -y redis-server)"]
    for module, package in (("moto.server", "moto[server]"), ("boto3", "boto3"), ("redis", "redis")):
        if importlib.util.find_spec(module.split(".")[0]) is None:
            missing.append(f"{package} (pip install -r requirements-dev.txt)")
    if missing:
        _skip_or_fail(f"these tests need {', '.join(missing)}")


@pytest.fixture(scope="session")
def haproxy_tool():
    """Debian's haproxy, the Ingress stand-in of the Kubernetes replica tests (apt, see .ci/run)."""
    if not shutil.which("haproxy"):
        _skip_or_fail("these tests need haproxy (apt-get install -y haproxy)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """When integration is required (CI), a skipped real-registry test counts as a failure."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and item.get_closest_marker("integration") and os.environ.get(REQUIRE_INTEGRATION_ENV) == "1":
        report.outcome = "failed"
        report.longrepr = f"integration test skipped while {REQUIRE_INTEGRATION_ENV}=1: {report.longrepr}"
