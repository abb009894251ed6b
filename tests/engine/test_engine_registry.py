"""The self-hosted registry on a real Docker engine, created exactly as the component declares it.

The engine is a private dockerd (or DOCKER_HOST); the image is the stand-in `registry:2.8.3` of
tests/support/standin_image.py (Debian's Distribution 2.8.2 and busybox-static in a `docker
import`ed rootfs: no entrypoint script, glibc build, no Azure/GCS drivers). Apart from the
time-to-healthy test, the stack config sets `container.healthcheck.interval: 2s`, so that every
create and restart is healthy within seconds on engines that ignore `startInterval` (API < 1.44).
"""

from __future__ import annotations

import pytest

from registry_platform.settings.formats import duration_seconds
from tests.support.oci import layout_digest, write_image

pytestmark = [pytest.mark.engine]

FAST_HEALTH = {"container": {"healthcheck": {"interval": "2s"}}}
REPO = "platform/hello"
TAG = "1.0"


def api_at_least(engine, version: str) -> bool:
    return tuple(map(int, engine.api_version.split("."))) >= tuple(map(int, version.split(".")))


def test_time_to_healthy_with_the_default_health_check(docker_engine, deploy, record_property):
    """The default check has no start interval (older engines' clients refuse one) and a 10s
    interval: the first probe runs one interval after start, so the container is healthy about 10s
    after start on every engine (it was 30s with the former 30s default)."""
    deployment = deploy({}, health_timeout=90)
    timings = deployment.registry.timings
    check = deployment.container.attrs["Config"]["Healthcheck"]
    interval = duration_seconds(deployment.registry.container_inputs["healthcheck"]["interval"])
    after_start = timings.healthy - timings.started
    record_property("create_to_healthy_seconds", round(timings.create_to_healthy, 2))
    print(f"engine API {docker_engine.api_version}: default check, create to healthy {timings.create_to_healthy:.1f}s")
    assert interval == 10 and not check.get("StartInterval")
    assert interval - 1 <= after_start < interval + 10


def test_time_to_healthy_with_a_start_interval(docker_engine, deploy, record_property):
    """`startInterval: 1s` probes every second until the first success on API 1.44+.

    Engines before 1.44 (Debian bookworm's docker.io 20.10 speaks 1.41) drop `StartInterval` when they
    decode the create request (the harness sends it raw; the provider's Go client would refuse it): the
    first probe then runs one full `interval` (30s here) after start.
    """
    deployment = deploy({"container": {"healthcheck": {"interval": "30s", "startInterval": "1s"}}}, health_timeout=90)
    timings = deployment.registry.timings
    check = deployment.container.attrs["Config"]["Healthcheck"]
    interval = duration_seconds(deployment.registry.container_inputs["healthcheck"]["interval"])
    after_start = timings.healthy - timings.started
    record_property("create_to_healthy_seconds", round(timings.create_to_healthy, 2))
    record_property("engine_api", docker_engine.api_version)
    print(f"engine API {docker_engine.api_version}: create to healthy {timings.create_to_healthy:.1f}s, "
          f"start to healthy {after_start:.1f}s (interval {interval:.0f}s)")
    if api_at_least(docker_engine, "1.44"):
        assert check["StartInterval"] == 1_000_000_000
        assert timings.create_to_healthy < 10, "start_interval should make the registry healthy in seconds"
    else:
        assert "StartInterval" not in check, "this engine kept StartInterval: move the branch above"
        assert interval - 1 <= after_start < interval + 10


def test_push_and_pull_over_tls_through_the_published_port(deploy, tmp_path):
    deployment = deploy(FAST_HEALTH)
    bindings = deployment.container.attrs["HostConfig"]["PortBindings"]
    assert bindings == {"5000/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(deployment.port)}]}
    layout = tmp_path / "image"
    digest = write_image(layout, TAG, "hello from the engine tier")
    pushed = deployment.push(layout, f"{REPO}:{TAG}", TAG)
    assert pushed.returncode == 0, pushed.stderr
    pulled = deployment.pull(f"{REPO}:{TAG}", tmp_path / "pulled")
    assert pulled.returncode == 0, pulled.stderr
    assert layout_digest(tmp_path / "pulled") == digest
    # The blobs are on the named volume, which the container mounts at /var/lib/registry.
    assert digest in deployment.stored_blobs()
    mounts = deployment.container.attrs["Mounts"]
    assert [(m["Type"], m["Name"], m["Destination"]) for m in mounts] == [
        ("volume", deployment.registry.volume_name, "/var/lib/registry")]


def test_hardening(deploy):
    deployment = deploy(FAST_HEALTH)
    host = deployment.container.attrs["HostConfig"]
    assert host["CapDrop"] == ["ALL"] and not host["CapAdd"]
    assert host["SecurityOpt"] == ["no-new-privileges:true"]
    status = dict(
        line.split(":\t", 1) for line in deployment.exec("/bin/busybox", "cat", "/proc/1/status").splitlines()
        if ":\t" in line
    )
    assert status["CapEff"].strip() == "0000000000000000"
    assert status["CapPrm"].strip() == "0000000000000000"
    assert status["CapBnd"].strip() == "0000000000000000"
    assert status["NoNewPrivs"].strip() == "1"
    listing = deployment.exec(
        "/bin/busybox", "stat", "-c", "%n %a %u %g",
        "/etc/docker/registry/config.yml", "/etc/docker/registry/tls/server.key",
        "/etc/docker/registry/auth/htpasswd", "/etc/docker/registry/tls/server.crt",
    )
    modes = {name: (mode, uid, gid) for name, mode, uid, gid in (line.split() for line in listing.splitlines())}
    assert modes == {
        "/etc/docker/registry/config.yml": ("400", "0", "0"),
        "/etc/docker/registry/tls/server.key": ("400", "0", "0"),
        "/etc/docker/registry/auth/htpasswd": ("400", "0", "0"),
        "/etc/docker/registry/tls/server.crt": ("444", "0", "0"),
    }
    # Without CAP_CHOWN / CAP_DAC_OVERRIDE, root in the container cannot take or open other users' files.
    refused = deployment.container.exec_run(["/bin/busybox", "chown", "65534", "/etc/docker/registry/config.yml"])
    assert refused.exit_code != 0


def test_restart_and_recreate_keep_the_data(deploy, docker_engine, tmp_path):
    deployment = deploy(FAST_HEALTH)
    layout = tmp_path / "image"
    digest = write_image(layout, TAG, "survives restart and re-create")
    assert deployment.push(layout, f"{REPO}:{TAG}", TAG).returncode == 0

    deployment.container.restart(timeout=10)
    deployment.registry.wait_healthy(deployment.container, timeout=60)
    pulled = deployment.pull(f"{REPO}:{TAG}", tmp_path / "after-restart")
    assert pulled.returncode == 0, pulled.stderr
    assert layout_digest(tmp_path / "after-restart") == digest

    # Re-create: the container goes (as on a replacement), the volume stays; same declaration again.
    old_id = deployment.container.id
    deployment.registry.remove(volume=False)
    deployment.deploy(create_volume=False, health_timeout=60)
    assert deployment.container.id != old_id
    pulled = deployment.pull(f"{REPO}:{TAG}", tmp_path / "after-recreate")
    assert pulled.returncode == 0, pulled.stderr
    assert layout_digest(tmp_path / "after-recreate") == digest
