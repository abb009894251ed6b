"""Services the registry talks to, started on loopback by the tests and stopped by them (by PID).

- `s3_server`: moto in server mode (an S3-compatible endpoint) in a thread.
- `redis_server`: Debian's `redis-server` as a subprocess on a free port, nothing persisted.
- `EventReceiver`: a webhook receiver (stdlib `http.server` in a thread) that keeps every request.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterator

from .registry_process import free_port

REDIS_BINARY = "redis-server"
S3_KEYS = ("test-access-key", "test-secret-key")


@dataclass
class S3Server:
    endpoint: str
    client: Any


@contextlib.contextmanager
def s3_server(bucket: str) -> Iterator[S3Server]:
    """moto's S3 on 127.0.0.1 with `bucket` created; stopped afterwards."""
    import boto3
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        client = boto3.client(
            "s3", endpoint_url=endpoint, region_name="us-east-1",
            aws_access_key_id=S3_KEYS[0], aws_secret_access_key=S3_KEYS[1],
        )
        client.create_bucket(Bucket=bucket)
        yield S3Server(endpoint, client)
    finally:
        server.stop()


@dataclass
class RedisServer:
    address: str
    password: str
    client: Any


@contextlib.contextmanager
def redis_server(tmp: Path, password: str, timeout: float = 10.0) -> Iterator[RedisServer]:
    """`redis-server` on a free loopback port with a password, no persistence; killed by its PID afterwards."""
    import redis

    binary = shutil.which(REDIS_BINARY)
    if binary is None:
        raise RuntimeError("redis-server is missing (apt-get install -y redis-server)")
    port = free_port()
    log = (tmp / "redis.log").open("ab")
    process = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
         "--dir", str(tmp), "--requirepass", password, "--maxmemory-policy", "allkeys-lru"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        client = redis.Redis(host="127.0.0.1", port=port, password=password, socket_timeout=5)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start:\n{(tmp / 'redis.log').read_text()}") from None
                time.sleep(0.05)
        yield RedisServer(f"127.0.0.1:{port}", password, client)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        log.close()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def events(self) -> list[dict]:
        return json.loads(self.body).get("events", [])


class EventReceiver:
    """A loopback webhook that answers 200 and keeps every POST."""

    def __init__(self) -> None:
        received: list[Received] = []
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                received.append(Received(self.path, dict(self.headers.items()), self.rfile.read(length)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/events"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "EventReceiver":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def events(self) -> list[tuple[Received, dict]]:
        return [(request, event) for request in list(self.received) for event in request.events()]

    def wait_for(self, predicate: Callable[[dict], bool], timeout: float = 20.0) -> tuple[Received, dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for request, event in self.events():
                if predicate(event):
                    return request, event
            time.sleep(0.1)
        raise AssertionError(f"no matching event in {timeout}s; got {[e.get('action') for _, e in self.events()]}")
