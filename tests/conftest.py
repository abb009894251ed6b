"""Shared fixtures: the mock harness that runs `__main__.py`, and the gates for real-registry and engine tests."""

from __future__ import annotations

import importlib.util
import os
import shutil

import pytest

from tests.support.harness import run_program
from tests.support.mocks import StackState
from tests.support.registry_process import missing_tools

REQUIRE_INTEGRATION_ENV = "REGISTRY_PLATFORM_REQUIRE_INTEGRATION"
REQUIRE_ENGINE_ENV = "REGISTRY_PLATFORM_REQUIRE_ENGINE"
REQUIRED_BY_MARKER = {"integration": REQUIRE_INTEGRATION_ENV, "engine": REQUIRE_ENGINE_ENV}
"""A test with this marker may not skip while the variable is 1 (CI sets both)."""


def skip_unless_required(message: str, variable: str) -> None:
    """Skip, or fail when `variable` is 1 (CI): a missing tool must not pass quietly there."""
    if os.environ.get(variable) == "1":
        pytest.fail(f"{message} ({variable}=1)")
    pytest.skip(message)


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


@pytest.fixture(scope="session")
def registry_tools():
    """The real registry and skopeo. Missing tools skip, unless integration is required (CI): then fail."""
    missing = missing_tools()
    if missing:
        message = f"real-registry tests need {', '.join(missing)} (apt-get install -y docker-registry skopeo)"
        skip_unless_required(message, REQUIRE_INTEGRATION_ENV)


@pytest.fixture(scope="session")
def service_tools():
    """What the storage, cache and notification tests start beside the registry: `redis-server`
    (apt) and moto's S3 server, boto3 and the redis client (requirements-dev.txt)."""
    missing = [] if shutil.which("redis-server") else ["redis-server (apt-get install -y redis-server)"]
    for module, package in (("moto.server", "moto[server]"), ("boto3", "boto3"), ("redis", "redis")):
        if importlib.util.find_spec(module.split(".")[0]) is None:
            missing.append(f"{package} (pip install -r requirements-dev.txt)")
    if missing:
        skip_unless_required(f"these tests need {', '.join(missing)}", REQUIRE_INTEGRATION_ENV)


@pytest.fixture(scope="session")
def haproxy_tool():
    """Debian's haproxy, the Ingress stand-in of the Kubernetes replica tests (apt, see .ci/run)."""
    if not shutil.which("haproxy"):
        skip_unless_required("these tests need haproxy (apt-get install -y haproxy)", REQUIRE_INTEGRATION_ENV)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """When a tier is required (CI), a skipped test of that tier (integration, engine) counts as a failure."""
    outcome = yield
    report = outcome.get_result()
    if not report.skipped:
        return
    for marker, variable in REQUIRED_BY_MARKER.items():
        if item.get_closest_marker(marker) and os.environ.get(variable) == "1":
            report.outcome = "failed"
            report.longrepr = f"{marker} test skipped while {variable}=1: {report.longrepr}"
            return
