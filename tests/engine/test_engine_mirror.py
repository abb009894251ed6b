"""A pull-through mirror container (pullThroughCaches, selfHosted target) on a real Docker engine.

The data path of a mirror (pull through it, blobs cached, served with the upstream down, pushes
refused) is proven against real registry processes in tests/integration/test_selfhosted_mirror.py.
Here: the container as the component declares it, on the engine. Nothing here can reach Docker Hub,
which is exactly the documented failure: registry:2 in proxy mode panics at start when its upstream
is unreachable, and the restart policy keeps bringing it back until the upstream answers.
"""

from __future__ import annotations

import time

import pytest

from tests.support.engine import EngineRegistry
from tests.support.harness import run_program
from tests.support.registry_process import free_port

pytestmark = [pytest.mark.engine]

MIRROR = "mirror-docker-hub-container"


def test_a_mirror_is_hardened_like_the_registry_and_restarts_while_its_upstream_is_down(docker_engine):
    port, mirror_port = free_port(), free_port()
    run = run_program({
        "selfHosted": {"users": [{"name": "admin"}], "port": port, "container": {"healthcheck": {"interval": "2s"}}},
        "pullThroughCaches": [{"name": "docker-hub", "upstream": "docker-hub", "targets": ["selfHosted"],
                               "selfHosted": {"port": mirror_port}}],
    })
    mirror = EngineRegistry(docker_engine.client, run, container_resource=MIRROR)
    registry_volume = EngineRegistry(docker_engine.client, run, container_resource="self-hosted-container").volume_name
    assert mirror.volume_name != registry_volume
    try:
        mirror.create_volume()
        container = mirror.create_container()
        container.start()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            container.reload()
            if container.attrs["RestartCount"] >= 1:
                break
            time.sleep(0.5)
        host = container.attrs["HostConfig"]
        logs = container.logs(tail=50).decode(errors="replace")
        assert container.attrs["RestartCount"] >= 1, f"the mirror did not exit and restart: {container.attrs['State']}\n{logs}"
        assert "panic" in logs or "error" in logs.lower(), logs
        assert host["RestartPolicy"]["Name"] == "unless-stopped"
        assert host["CapDrop"] == ["ALL"] and host["SecurityOpt"] == ["no-new-privileges:true"]
        assert host["PortBindings"] == {"5000/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(mirror_port)}]}
        assert [(m["Type"], m["Name"]) for m in container.attrs["Mounts"]] == [("volume", mirror.volume_name)]
    finally:
        mirror.remove()
