"""The engine tier: a real Docker engine and the stand-in `registry:2.8.3` image on it.

`docker_engine` reuses the engine DOCKER_HOST points at, or starts a private dockerd (root,
`dockerd` from Debian's docker.io) for the session and stops it by PID at the end. Without one the
engine tests skip, unless REGISTRY_PLATFORM_REQUIRE_ENGINE=1 (CI): then they fail.
"""

from __future__ import annotations

import base64
import os
import ssl
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REQUIRE_ENGINE_ENV, skip_unless_required
from tests.support import standin_image
from tests.support.engine import ENGINE_LABEL, EngineRegistry, PrivateDaemon, daemon_missing, docker_client
from tests.support.harness import run_program
from tests.support.oci import skopeo
from tests.support.registry_process import free_port
from tests.support.registry_process import missing_tools as registry_tools_missing


@dataclass
class Engine:
    client: Any
    base_url: str
    private: bool
    image_id: str
    standin: bool
    """Whether `registry:2.8.3` is the stand-in built here (False: an image already on the engine)."""

    @property
    def api_version(self) -> str:
        return self.client.api.api_version


def _ensure_image(client) -> tuple[str, bool, bool]:
    """(image ID, whether it is the stand-in, whether it was built now)."""
    import docker

    try:
        image = client.images.get(standin_image.STANDIN_REFERENCE)
        return image.id, standin_image.STANDIN_LABEL in (image.labels or {}), False
    except docker.errors.ImageNotFound:
        missing = standin_image.missing_tools()
        if missing:
            skip_unless_required(
                f"the stand-in registry image needs {', '.join(missing)} (apt-get install -y docker-registry busybox-static)",
                REQUIRE_ENGINE_ENV,
            )
        return standin_image.build_standin_image(client), True, True


@pytest.fixture(scope="session")
def docker_engine():
    if registry_tools_missing():
        skip_unless_required(
            f"engine tests need {', '.join(registry_tools_missing())} (apt-get install -y docker-registry skopeo)",
            REQUIRE_ENGINE_ENV,
        )
    daemon = None
    host = os.environ.get("DOCKER_HOST")
    if host:
        client = docker_client(host)
        try:
            client.ping()
        except Exception as error:  # noqa: BLE001 reported as a skip (or failure in CI)
            skip_unless_required(f"DOCKER_HOST={host} does not answer: {error}", REQUIRE_ENGINE_ENV)
        base_url = host
    else:
        reason = daemon_missing()
        if reason:
            skip_unless_required(f"engine tests: {reason}", REQUIRE_ENGINE_ENV)
        daemon = PrivateDaemon.start()
        client = docker_client(daemon.base_url)
        base_url = daemon.base_url
    built = False
    try:
        image_id, standin, built = _ensure_image(client)
        yield Engine(client, base_url, daemon is not None, image_id, standin)
    finally:
        try:
            for container in client.containers.list(all=True, filters={"label": ENGINE_LABEL}):
                container.remove(force=True)
            for volume in client.volumes.list(filters={"label": ENGINE_LABEL}):
                volume.remove(force=True)
            if built and daemon is None:
                client.images.remove(standin_image.STANDIN_REFERENCE, force=True)
        finally:
            client.close()
            if daemon is not None:
                daemon.stop()


class EngineDeployment:
    """One mock run of the stack program, deployed on the engine; skopeo and HTTPS against it."""

    def __init__(self, engine: Engine, self_hosted: dict, tmp: Path):
        self.tmp = tmp
        self.port = free_port()
        self.config = {"selfHosted": {"users": [{"name": "admin"}], "port": self.port, **self_hosted}}
        self.run = run_program(self.config)
        self.registry = EngineRegistry(engine.client, self.run)
        self.passwords = self.run.exports["selfHostedUserPasswords"].value
        self.ca_dir = tmp / "certs.d"
        self.ca_dir.mkdir(parents=True, exist_ok=True)
        (self.ca_dir / "ca.crt").write_text(self.run.exports["registries"].value["selfHosted"]["caCertificatePem"])
        self.host = f"127.0.0.1:{self.port}"
        self.container = None

    @property
    def creds(self) -> str:
        return f"admin:{self.passwords['admin']}"

    def deploy(self, **kwargs):
        self.container = self.registry.deploy(**kwargs)
        return self.container

    def push(self, layout: Path, reference: str, tag: str) -> subprocess.CompletedProcess:
        return skopeo("copy", f"oci:{layout}:{tag}", f"docker://{self.host}/{reference}",
                      "--dest-creds", self.creds, "--dest-cert-dir", str(self.ca_dir))

    def pull(self, reference: str, out: Path, tag: str = "pulled") -> subprocess.CompletedProcess:
        return skopeo("copy", f"docker://{self.host}/{reference}", f"oci:{out}:{tag}",
                      "--src-creds", self.creds, "--src-cert-dir", str(self.ca_dir))

    def request(self, path: str, *, method: str = "GET", headers: dict | None = None) -> tuple[int, Any, bytes]:
        request = urllib.request.Request(f"https://{self.host}{path}", method=method, headers=headers or {})
        token = base64.b64encode(self.creds.encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
        context = ssl.create_default_context(cafile=str(self.ca_dir / "ca.crt"))
        try:
            with urllib.request.urlopen(request, context=context, timeout=10) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def exec(self, *command: str) -> str:
        """Run a command in the registry container (busybox applets through /bin/busybox)."""
        result = self.container.exec_run(list(command))
        assert result.exit_code == 0, result.output.decode(errors="replace")
        return result.output.decode()

    def stored_blobs(self) -> set[str]:
        """The blob digests in the volume (docker/registry/v2/blobs/sha256/xx/<hex>/data)."""
        self.container.reload()
        listing = self.exec("/bin/busybox", "find", "/var/lib/registry/docker/registry/v2/blobs", "-name", "data")
        return {f"sha256:{line.split('/')[-2]}" for line in listing.split()}

    def remove(self) -> None:
        self.registry.remove()


@pytest.fixture
def deploy(docker_engine, tmp_path):
    """`deploy(selfHosted overrides)` -> a deployed EngineDeployment; removed (with its volume) afterwards."""
    made: list[EngineDeployment] = []

    def make(self_hosted: dict | None = None, **deploy_kwargs) -> EngineDeployment:
        deployment = EngineDeployment(docker_engine, self_hosted or {}, tmp_path / f"registry{len(made)}")
        made.append(deployment)
        deployment.deploy(**deploy_kwargs)
        return deployment

    yield make
    for deployment in made:
        deployment.remove()
