"""Debian's haproxy as a stand-in for an Ingress controller in front of a Service: TLS ends here,
requests go round-robin to the replicas, and a replica whose /debug/health fails (the readiness probe)
is taken out of rotation. Loopback only; started and stopped by the test (by PID).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .registry_process import free_port

HAPROXY_BINARY = "haproxy"


@dataclass(frozen=True)
class Backend:
    name: str
    port: int
    health_port: int


@dataclass
class Proxy:
    port: int
    config_path: Path

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"


def render_haproxy_config(port: int, pem: Path, backends: list[Backend]) -> str:
    """Round robin per request; health checks on the debug server every 200 ms (one failure takes a
    replica out, as a readiness probe would); a refused connection is retried on another replica."""
    servers = "\n".join(
        f"  server {b.name} 127.0.0.1:{b.port} check port {b.health_port} inter 200ms fall 1 rise 2" for b in backends
    )
    return f"""global
  maxconn 256

defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout http-request 30s
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response response-timeout

frontend ingress
  bind 127.0.0.1:{port} ssl crt {pem}
  http-request set-header X-Forwarded-Proto https
  default_backend replicas

backend replicas
  balance roundrobin
  option httpchk GET /debug/health
{servers}
"""


@contextlib.contextmanager
def haproxy(tmp: Path, certificate_pem: str, private_key_pem: str, backends: list[Backend], timeout: float = 10.0) -> Iterator[Proxy]:
    binary = shutil.which(HAPROXY_BINARY)
    if binary is None:
        raise RuntimeError("haproxy is missing (apt-get install -y haproxy)")
    pem = tmp / "ingress.pem"
    pem.write_text(certificate_pem + private_key_pem)
    pem.chmod(0o600)
    port = free_port()
    config = tmp / "haproxy.cfg"
    config.write_text(render_haproxy_config(port, pem, backends))
    checked = subprocess.run([binary, "-c", "-q", "-f", str(config)], capture_output=True, text=True, timeout=30)
    if checked.returncode != 0:
        raise RuntimeError(f"haproxy refused its config:\n{checked.stdout}{checked.stderr}")
    log_path = tmp / "haproxy.log"
    log = log_path.open("ab")
    process = subprocess.Popen([binary, "-db", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"haproxy exited with {process.returncode}:\n{log_path.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"haproxy did not listen in {timeout}s:\n{log_path.read_text()}") from None
                time.sleep(0.05)
        yield Proxy(port, config)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        log.close()
