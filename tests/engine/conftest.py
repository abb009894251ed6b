"""The engine tier: a real Docker engine and the stand-in `registry:2.8.3` image on it.

`docker_engine` reuses the engine DOCKER_HOST points at, or starts a private dockerd (root,
`dockerd` from Debian's docker.io) for the session and stops it by PID at the end. Without one the
engine tests skip, unless REGISTRY_PLATFORM_REQUIRE_ENGINE=1 (CI): then they fail.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import REQUIRE_ENGINE_ENV, skip_unless_required
from tests.support import standin_image
from tests.support.engine import ENGINE_LABEL, PrivateDaemon, daemon_missing, docker_client
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
