"""Every example stack file runs under mocks, twice with one state: users copy from them, and a
second `pulumi up` with unchanged config must declare exactly the same inputs (no per-run randomness)."""

from __future__ import annotations

import pytest

from tests.support.harness import ROOT
from tests.support.mocks import StackState
from tests.unit.test_stack_files import stack_file_config, stack_file_secret_keys

STACK_FILES = sorted(ROOT.glob("Pulumi.*.yaml"))


def declared(run) -> dict[tuple[str, str], dict]:
    return {(r.type, r.name): r.inputs for r in run.resources}


@pytest.mark.parametrize("stack_file", STACK_FILES, ids=lambda p: p.name)
def test_example_stack_runs_twice_with_identical_inputs(run_stack, stack_file):
    config = stack_file_config(stack_file)
    stack = stack_file.name.split(".")[1]
    state = StackState()
    secret_keys = stack_file_secret_keys(stack_file)
    first = run_stack(config, state=state, stack=stack, secret_keys=secret_keys)
    second = run_stack(config, state=state, stack=stack, secret_keys=secret_keys)
    assert declared(first) == declared(second)
    assert set(first.exports["registries"].value) == set(config) - {"pullThroughCaches"}
    assert first.exports["registryCredentials"].secret and first.exports["dockerConfigJson"].secret


def test_every_registry_kind_is_enabled_in_some_example_stack():
    from registry_platform.platform import REGISTRY_BUILDERS

    enabled = {key for stack_file in STACK_FILES for key in stack_file_config(stack_file)}
    assert {key for key, _ in REGISTRY_BUILDERS.values()} <= enabled


def test_the_self_hosted_features_are_enabled_in_some_example_stack():
    """Users copy from the example stacks: each self-hosted feature appears in one of them."""
    sections = [stack_file_config(path).get("selfHosted") or {} for path in STACK_FILES]
    features = {
        "s3 storage": any("s3" in s.get("storage", {}) for s in sections),
        "redis cache": any("redis" in s for s in sections),
        "notifications": any(s.get("notifications", {}).get("endpoints") for s in sections),
        "token auth with roles": any(s.get("auth") == "token" and all("role" in u for u in s["users"]) for s in sections),
    }
    assert all(features.values()), features
