"""Run a real Distribution registry (Debian's `docker-registry`) with the files the container would get.

`materialise` takes the uploads of the registry container exactly as the component declared them,
writes them under a temporary root, and points the rendered config.yml at that root and at loopback
ports. Nothing else in the config is changed.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REGISTRY_BINARY = "docker-registry"
SKOPEO_BINARY = "skopeo"


def missing_tools() -> list[str]:
    return [tool for tool in (REGISTRY_BINARY, SKOPEO_BINARY) if shutil.which(tool) is None]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Materialised:
    root: Path
    config_path: Path
    config: dict[str, Any]
    port: int
    debug_port: int
    ca_dir: Path | None
    """A directory holding `ca.crt` (the layout of /etc/docker/certs.d/<host:port>/), when TLS is on."""


def materialise(uploads: list[dict], tmp: Path, ca_pem: str | None) -> Materialised:
    """Write the container's uploaded files under `tmp` and rewrite the paths in config.yml to them."""
    root = tmp / "container"
    files = {upload["file"]: upload["content"] for upload in uploads}
    config_file = next(path for path in files if path.endswith("config.yml"))
    for path, content in files.items():
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    config = yaml.safe_load(files[config_file])

    def relocate(value: Any) -> Any:
        if isinstance(value, str) and value in files:
            return str(root / value.lstrip("/"))
        if isinstance(value, dict):
            return {k: relocate(v) for k, v in value.items()}
        return value

    config = relocate(config)
    if "filesystem" in config["storage"]:  # object storage needs no local directory
        data = root / config["storage"]["filesystem"]["rootdirectory"].lstrip("/")
        data.mkdir(parents=True, exist_ok=True)
        config["storage"]["filesystem"]["rootdirectory"] = str(data)
    port, debug_port = free_port(), free_port()
    config["http"]["addr"] = f"127.0.0.1:{port}"
    config["http"]["debug"]["addr"] = f"127.0.0.1:{debug_port}"
    config_path = tmp / "config.yml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    ca_dir = None
    if ca_pem:
        ca_dir = tmp / "certs.d"
        ca_dir.mkdir()
        (ca_dir / "ca.crt").write_text(ca_pem)
    return Materialised(root, config_path, config, port, debug_port, ca_dir)


def container_environment() -> dict[str, str]:
    """The test machine's environment without its AWS_* variables, which the container would not have
    (a host `AWS_CA_BUNDLE` makes the S3 driver panic; host credentials would hide missing ones)."""
    return {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}


def _accepts(port: int) -> bool:
    """Whether something accepts TCP connections on 127.0.0.1:`port`."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


class RegistryProcess:
    """`docker-registry serve` on loopback; start, kill and restart on the same storage."""

    def __init__(self, materialised: Materialised, log_path: Path):
        self.m = materialised
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def tls(self) -> bool:
        return "tls" in self.m.config["http"]

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.m.port}"

    def ssl_context(self) -> ssl.SSLContext | None:
        if not self.tls:
            return None
        return ssl.create_default_context(cafile=str(self.m.ca_dir / "ca.crt"))

    def start(self, timeout: float = 20.0) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [REGISTRY_BINARY, "serve", str(self.m.config_path)], stdout=log, stderr=subprocess.STDOUT,
            env=container_environment(),
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"registry exited with {self.process.returncode}:\n{self.log()}")
            try:
                url = f"http://127.0.0.1:{self.m.debug_port}/debug/health"
                with urllib.request.urlopen(url, timeout=2) as response:
                    # The debug server comes up before the registry's own listener: wait for both.
                    if response.status == 200 and _accepts(self.m.port):
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"registry did not become healthy in {timeout}s:\n{self.log()}")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def request(
        self, path: str, *, auth: tuple[str, str] | None = None, method: str = "GET", headers: dict | None = None
    ) -> tuple[int, Any, bytes]:
        """An HTTP request verified against the generated CA; returns (status, headers, body).

        The headers are an `email.message.Message`: `headers[name]` or `headers.get_all(name)`.
        """
        request = urllib.request.Request(self.base_url + path, method=method, headers=headers or {})
        if auth:
            import base64

            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(request, context=self.ssl_context(), timeout=10) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()
