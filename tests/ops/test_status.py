"""`status` without a registry: reading outputs, the pulumi CLI call, usage errors, bounded timeouts."""

from __future__ import annotations

import datetime
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from registry_platform.ops.status import CheckOptions, StackRegistry, check_registry, registries_from_outputs
from registry_platform.ops.status.outputs import OutputsError, load_outputs
from registry_platform.ops.status.report import to_json
from tests.support.harness import ROOT

PASSWORD = "s3cret-password-of-ci-0123456789"
OUTPUTS = {
    "registries": {
        "selfHosted": {"kind": "self-hosted", "endpoint": "https://127.0.0.1:5000", "loginServer": "127.0.0.1:5000",
                       "username": "ci", "caCertificatePem": "-----BEGIN CERTIFICATE-----...", "passwordExpiresAt": None,
                       "loginCommand": "docker login ...", "credentialHelper": None, "identities": []},
        "aws": {"kind": "ecr", "endpoint": "https://123.dkr.ecr.eu-west-1.amazonaws.com",
                "loginServer": "123.dkr.ecr.eu-west-1.amazonaws.com", "username": "AWS", "caCertificatePem": None,
                "passwordExpiresAt": None, "loginCommand": "aws ecr ...", "credentialHelper": "ecr-login", "identities": []},
    },
    "registryCredentials": {"selfHosted": {"password": PASSWORD, "dockerConfigJson": "{}"},
                            "aws": {"password": None, "dockerConfigJson": "{}"}},
    "selfHosted": {"debugEndpoint": "http://127.0.0.1:5001"},
}


def test_registries_are_read_from_the_shared_output_shape():
    hosted, ecr = sorted(registries_from_outputs(OUTPUTS), key=lambda r: r.key != "selfHosted")
    assert (hosted.key, hosted.kind, hosted.username, hosted.password) == ("selfHosted", "self-hosted", "ci", PASSWORD)
    assert hosted.debug_endpoint == "http://127.0.0.1:5001" and hosted.ca_certificate_pem.startswith("-----BEGIN")
    assert (ecr.password, ecr.credential_helper, ecr.debug_endpoint) == (None, "ecr-login", None)
    assert PASSWORD not in repr(hosted)


def test_outputs_read_without_show_secrets_say_so():
    hidden = {**OUTPUTS, "registryCredentials": "[secret]"}
    assert all(r.password_hidden and r.password is None for r in registries_from_outputs(hidden))


@pytest.mark.parametrize(
    ("outputs", "fragment"),
    [({}, "no `registries`"), ({"registries": {"x": {"kind": "ecr"}}}, "registries.x has no endpoint")],
)
def test_outputs_without_registries_are_refused(outputs, fragment):
    with pytest.raises(OutputsError, match=fragment.replace("`", ".")):
        registries_from_outputs(outputs)


def fake_pulumi(tmp_path: Path, body: str) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "pulumi"
    script.write_text(f"#!/usr/bin/env bash\necho \"$*\" > {tmp_path}/args\n{body}\n")
    script.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}


def run_status(*args: str, env: dict | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**(env or os.environ), "PYTHONPATH": str(ROOT / "components"), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "registry_platform", "status", *args],
                          capture_output=True, text=True, timeout=60, env=env, cwd=cwd)


def test_stack_outputs_come_from_pulumi_with_secrets_shown(tmp_path, monkeypatch):
    env = fake_pulumi(tmp_path, f"cat <<'JSON'\n{json.dumps(OUTPUTS)}\nJSON")
    monkeypatch.setenv("PATH", env["PATH"])
    assert load_outputs(stack="dev", cwd=tmp_path) == OUTPUTS
    assert (tmp_path / "args").read_text().split() == ["stack", "output", "--json", "--show-secrets", "--stack", "dev"]


def test_a_failing_pulumi_is_a_usage_error_not_a_traceback(tmp_path):
    env = fake_pulumi(tmp_path, "echo 'error: no stack named dev found' >&2; exit 255")
    result = run_status("--stack", "dev", env=env)
    assert result.returncode == 2
    assert "failed: error: no stack named dev found" in result.stderr and "Traceback" not in result.stderr


def test_missing_pulumi_and_bad_arguments_exit_2(tmp_path):
    env = {**os.environ, "PATH": str(Path(sys.executable).parent) + ":/nonexistent"}
    result = run_status("--stack", "dev", env=env)
    assert result.returncode == 2 and "'pulumi' is not installed" in result.stderr
    assert run_status().returncode == 2
    (tmp_path / "bad.json").write_text("{not json")
    bad = run_status("--outputs", str(tmp_path / "bad.json"))
    assert bad.returncode == 2 and "is not JSON" in bad.stderr
    (tmp_path / "outputs.json").write_text(json.dumps(OUTPUTS))
    unknown = run_status("--outputs", str(tmp_path / "outputs.json"), "--registry", "azure")
    assert unknown.returncode == 2 and "no registry azure" in unknown.stderr


@pytest.fixture
def silent_server():
    """A loopback port that accepts connections and never says a word (a hung registry)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield server.getsockname()[1]
    server.close()


def test_a_hung_registry_times_out_within_the_bound(silent_server):
    registry = StackRegistry("hung", "self-hosted", f"https://127.0.0.1:{silent_server}", f"127.0.0.1:{silent_server}",
                             username="ci", password=PASSWORD, debug_endpoint=f"http://127.0.0.1:{silent_server}")
    started = time.monotonic()
    report = check_registry(registry, CheckOptions(timeout=0.5))
    assert time.monotonic() - started < 5
    assert report.failed == ["hung.reachable", "hung.health"]
    checks = {check.name: check for check in report.checks}
    assert checks["reachable"].detail == "no answer within 0.5s"
    assert checks["health"].detail == "debug server: no answer within 0.5s"
    assert PASSWORD not in json.dumps(to_json([report]))


def test_an_expired_token_is_recognised_before_any_request():
    """A 12-hour ECR token past `passwordExpiresAt` fails the credentials check without being sent."""
    from registry_platform.ops.status.checks import _expired

    registry = StackRegistry("aws", "ecr", "https://x", "x", username="AWS", password=PASSWORD,
                             password_expires_at="2026-01-01T08:00:00Z")
    before = CheckOptions(now=datetime.datetime(2026, 1, 1, 7, 0, tzinfo=datetime.timezone.utc))
    after = CheckOptions(now=datetime.datetime(2026, 1, 1, 9, 0, tzinfo=datetime.timezone.utc))
    assert _expired(registry, before) is None
    assert _expired(registry, after) == "2026-01-01T08:00:00Z"


@pytest.mark.parametrize(
    ("debug", "expected"),
    [
        ({}, None),
        ({"publish": True}, "http://127.0.0.1:5001"),
        ({"publish": True, "hostPort": 9001, "bindAddress": "0.0.0.0"}, "http://registry.internal:9001"),
    ],
)
def test_the_stack_exports_the_debug_endpoint_only_when_published(run_stack, debug, expected):
    config = {"selfHosted": {"host": "registry.internal", "users": [{"name": "ci"}], "debug": debug,
                             "tls": {"sans": ["registry.internal"]}}}
    run = run_stack(config)
    assert run.exports["selfHosted"].value["debugEndpoint"] == expected
    assert registries_from_outputs({n: e.value for n, e in run.exports.items()})[0].debug_endpoint == expected
