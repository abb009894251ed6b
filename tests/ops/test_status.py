"""`status` without a registry: reading outputs, the pulumi CLI call, usage errors, bounded timeouts."""

from __future__ import annotations

import datetime
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from registry_platform.ops.status import checks as checks_module
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


class LoopbackServer:
    """A tiny HTTP/1.1 server on 127.0.0.1 answering each request with `handler(path, headers, conn)`.

    Every request it saw is kept in `requests` (path, headers). Stopped, with its threads, by `stop()`.
    """

    def __init__(self, handler):
        self.handler = handler
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.acceptor = threading.Thread(target=self._accept, daemon=True)
        self.acceptor.start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        reader = conn.makefile("rb")
        try:
            while not self.stopping.is_set():
                request_line = reader.readline().decode()
                if not request_line:
                    return
                headers = {}
                while (line := reader.readline().decode().strip()):
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                path = request_line.split()[1]
                self.requests.append((path, headers))
                self.handler(self, path, headers, conn)
        except OSError:
            return
        finally:
            reader.close()
            conn.close()

    def stop(self) -> None:
        self.stopping.set()
        self.sock.close()
        self.acceptor.join(5)
        for thread in self.threads:
            thread.join(5)


def answer(conn: socket.socket, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
    head = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in (headers or {}).items())]
    conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body)


@pytest.fixture
def loopback():
    servers: list[LoopbackServer] = []

    def start(handler) -> LoopbackServer:
        servers.append(LoopbackServer(handler))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def plain_registry(port: int, **extra) -> StackRegistry:
    return StackRegistry("slow", "self-hosted", f"http://127.0.0.1:{port}", f"127.0.0.1:{port}", **extra)


def drip(server: LoopbackServer, path: str, headers: dict, conn: socket.socket) -> None:
    """`200` headers at once, then one body byte every 0.3 s (each read well inside the timeout)."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
    for _ in range(60):  # at most 18 s, and only until the client hangs up or the test stops the server
        if server.stopping.is_set():
            return
        time.sleep(0.3)
        conn.sendall(b" ")


def test_a_registry_dripping_its_answer_is_cut_off_at_the_timeout(loopback):
    server = loopback(drip)
    registry = plain_registry(server.port, debug_endpoint=f"http://127.0.0.1:{server.port}")
    started = time.monotonic()
    report = check_registry(registry, CheckOptions(timeout=0.5))
    elapsed = time.monotonic() - started
    assert elapsed < 4 * 0.5, elapsed  # GET /v2/ and /debug/health, each cut off at 0.5 s
    checks = {check.name: check for check in report.checks}
    assert checks["api"].status == "fail" and checks["api"].detail == "GET /v2/: no answer within 0.5s"
    assert checks["health"].status == "fail" and "0.5s" in checks["health"].detail
    assert "slow.api" in report.failed


def test_one_registrys_requests_together_stay_within_its_budget(loopback):
    """A catalog that pages for ever, each page just inside the timeout: the registry's budget stops it."""
    def pages(server, path, headers, conn):
        if path == "/v2/":
            return answer(conn, 200)
        time.sleep(0.4)
        answer(conn, 200, json.dumps({"repositories": ["a"]}).encode(),
               {"Link": f'</v2/_catalog?last={len(server.requests)}&n=1000>; rel="next"'})

    server = loopback(pages)
    started = time.monotonic()
    report = check_registry(plain_registry(server.port), CheckOptions(timeout=0.5))
    elapsed = time.monotonic() - started
    assert elapsed < 3 + 1, elapsed  # a 3 s budget (6 x 0.5 s); 20 pages would take 8 s
    catalog = next(check for check in report.checks if check.name == "catalog")
    assert catalog.status == "fail"
    assert "exceeded their 3s budget" in catalog.detail and "0.5s timeout" in catalog.detail


def test_an_answer_too_large_fails_its_check(loopback, monkeypatch):
    monkeypatch.setattr(checks_module, "MAX_BODY", 1000, raising=False)
    server = loopback(lambda server, path, headers, conn: answer(conn, 200, b"{" + b" " * 5000 + b"}"))
    report = check_registry(plain_registry(server.port), CheckOptions(timeout=2))
    api = next(check for check in report.checks if check.name == "api")
    assert api.status == "fail" and "larger than" in api.detail


def test_credentials_never_follow_a_catalog_link_to_another_host(loopback):
    other = loopback(lambda server, path, headers, conn: answer(conn, 200, b'{"repositories": ["stolen"]}'))

    def registry_handler(server, path, headers, conn):
        if "authorization" not in headers:
            return answer(conn, 401, headers={"WWW-Authenticate": 'Basic realm="r"'})
        if path == "/v2/":
            return answer(conn, 200)
        answer(conn, 200, b'{"repositories": ["a", "b"]}',
               {"Link": f'<http://127.0.0.1:{other.port}/v2/_catalog?last=b&n=1000>; rel="next"'})

    registry = loopback(registry_handler)
    report = check_registry(plain_registry(registry.port, username="ci", password=PASSWORD), CheckOptions(timeout=2))
    assert other.requests == []
    catalog = next(check for check in report.checks if check.name == "catalog")
    assert catalog.status == "fail" and "another origin" in catalog.detail and catalog.value == 2
    assert any("authorization" in headers for _, headers in registry.requests)  # the registry itself got them


def test_the_table_shows_server_text_verbatim_not_as_markup():
    from rich.console import Console

    from registry_platform.ops.status.checks import Check, RegistryReport
    from registry_platform.ops.status.report import render_table

    registry = plain_registry(1)
    report = RegistryReport(registry, [Check("health", "fail", "/debug/health: unhealthy ([/bold] storage [red])")])
    console = Console(record=True, width=200, color_system=None)
    render_table([report], console, "status")
    assert "[/bold] storage [red]" in console.export_text()
