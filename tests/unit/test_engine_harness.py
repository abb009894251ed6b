"""The engine harness (tests/support/engine.py) maps every input the component gives the container.

If the component starts setting a container input the harness does not pass to the engine, these
tests fail, instead of the engine tier silently testing a different container.
"""

from __future__ import annotations

import io
import tarfile

import pytest

from tests.support.engine import CONTAINER, MAPPED_VOLUME_INPUTS, VOLUME, unmapped_inputs, upload_archive

CONFIGS = {
    "defaults": {"users": [{"name": "admin"}]},
    "everything": {
        "name": "reg", "port": 5443, "bindAddress": "0.0.0.0", "users": [{"name": "admin"}, {"name": "ci"}],
        "storage": {"deleteEnabled": True, "readOnly": True},
        "debug": {"publish": True, "hostPort": 5002, "prometheus": True},
        "volume": {"name": "reg-data"},
        "container": {
            "restartPolicy": "always", "memoryMb": 256, "labels": {"team": "platform"}, "waitForHealthy": False,
            "log": {"driver": "local", "maxSize": "5m", "maxFiles": 2},
            "healthcheck": {"interval": "10s", "startInterval": None},
        },
    },
    "plain": {"auth": "none", "tls": {"mode": "disabled"}},
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_every_container_and_volume_input_is_mapped(run_stack, name):
    run = run_stack({"selfHosted": CONFIGS[name]})
    container = run.one(CONTAINER).inputs
    assert unmapped_inputs(container) == set()
    assert set(run.one(VOLUME).inputs) <= MAPPED_VOLUME_INPUTS


def test_an_unknown_input_is_reported():
    assert unmapped_inputs({"name": "x", "init": True}) == {"init"}
    assert unmapped_inputs({"healthcheck": {"tests": [], "startupCommand": "x"}}) == {"healthcheck.startupCommand"}
    assert unmapped_inputs({"uploads": [{"file": "/a", "content": "b", "executable": True}]}) == {"uploads.executable"}


def test_uploads_are_root_owned_with_their_declared_modes():
    archive = upload_archive([
        {"file": "/etc/docker/registry/config.yml", "content": "version: 0.1\n", "permissions": "0400"},
        {"file": "/etc/docker/registry/tls/server.crt", "content": "cert", "permissions": "0444"},
    ])
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        members = {m.name: (oct(m.mode), m.uid, m.gid) for m in tar.getmembers()}
    assert members == {
        "etc/docker/registry/config.yml": ("0o400", 0, 0),
        "etc/docker/registry/tls/server.crt": ("0o444", 0, 0),
    }
