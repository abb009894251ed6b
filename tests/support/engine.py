"""A real Docker engine for the tests: a private dockerd, and the registry created on it exactly as
the component declares it.

`PrivateDaemon` starts `dockerd` as root on a socket, data root and exec root of its own, with its
own bridge (so it cannot hand out the addresses of another daemon's `docker0`), `--iptables=false`
(it leaves the host's firewall alone; published ports go through docker-proxy) and `--ip=127.0.0.1`
(a port published without an address binds to loopback). It is stopped by its PID.

`EngineRegistry` takes a recorded mock run of the stack program and mirrors the docker provider's
create sequence: the `RemoteImage` (resolved locally: nothing can be pulled), the volume (name,
labels), the container create with every declared input, each upload copied in as a root-owned tar
entry with its declared mode before start, start, then a bounded wait for healthy. Every container
input the component sets must be in MAPPED_CONTAINER_INPUTS; an input the harness does not know fails
(`unmapped_inputs`), so the harness cannot silently ignore something new.
"""

from __future__ import annotations

import io
import ipaddress
import os
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from registry_platform.settings.formats import duration_nanoseconds

from .harness import StackRun

CONTAINER = "docker:index/container:Container"
VOLUME = "docker:index/volume:Volume"
REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage"

MAPPED_CONTAINER_INPUTS: dict[str, set[str] | None] = {
    # input key -> the nested keys the harness maps (None: a scalar or a list of scalars)
    "name": None,
    "image": None,
    "entrypoints": None,
    "command": None,
    "envs": None,
    "restart": None,
    "mustRun": None,
    "wait": None,
    "waitTimeout": None,
    "ports": {"internal", "external", "ip", "protocol"},
    "volumes": {"volumeName", "containerPath", "readOnly"},
    "uploads": {"file", "content", "permissions"},
    "healthcheck": {"tests", "interval", "timeout", "startPeriod", "retries", "startInterval"},
    "labels": {"label", "value"},
    "capabilities": {"drops", "adds"},
    "securityOpts": None,
    "memory": None,
    "logDriver": None,
    "logOpts": None,
}
MAPPED_VOLUME_INPUTS = {"name", "labels"}
ENGINE_LABEL = "org.registry-platform.engine-test"


def unmapped_inputs(inputs: dict[str, Any], mapped: dict[str, set[str] | None] = MAPPED_CONTAINER_INPUTS) -> set[str]:
    """Input paths (`key` or `key.nested`) the harness would not pass to the engine."""
    unknown: set[str] = set()
    for key, value in inputs.items():
        if key not in mapped:
            unknown.add(key)
            continue
        nested = mapped[key]
        if nested is None:
            continue
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict):
                unknown |= {f"{key}.{inner}" for inner in item if inner not in nested}
    return unknown


def docker_client(base_url: str, timeout: int = 60):
    import docker

    return docker.DockerClient(base_url=base_url, version="auto", timeout=timeout)


# --- the daemon -------------------------------------------------------------------------------


def daemon_missing() -> str | None:
    """Why no private dockerd can be started here (None when it can)."""
    if shutil.which("dockerd") is None:
        return "dockerd is not installed (apt-get install -y docker.io)"
    if os.geteuid() != 0:
        return "a private dockerd needs root (or point DOCKER_HOST at a running engine)"
    if shutil.which("ip") is None:
        return "the `ip` command (iproute2) is needed for the daemon's own bridge"
    return None


def _free_subnet() -> ipaddress.IPv4Network:
    """A /24 in 172.30.0.0/16 that no interface of this machine uses."""
    shown = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True, check=True).stdout
    used = [ipaddress.ip_interface(word).network for word in shown.split() if "/" in word and word[0].isdigit()]
    for third in range(200, 255):
        candidate = ipaddress.ip_network(f"172.30.{third}.0/24")
        if not any(candidate.overlaps(network) for network in used):
            return candidate
    raise RuntimeError("no free 172.30.x.0/24 for the test daemon's bridge")


@dataclass
class PrivateDaemon:
    """dockerd on a temporary socket; `stop()` ends it by PID and removes its bridge and files."""

    root: Path
    socket: Path
    bridge: str
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    @classmethod
    def start(cls, timeout: float = 60.0) -> "PrivateDaemon":
        root = Path(tempfile.mkdtemp(prefix="rpe-", dir="/tmp"))  # short: unix socket paths are limited
        bridge = f"rpe{os.getpid() % 100000}"
        daemon = cls(root=root, socket=root / "d.sock", bridge=bridge, log_path=root / "dockerd.log")
        subnet = _free_subnet()
        gateway = f"{next(subnet.hosts())}/{subnet.prefixlen}"
        subprocess.run(["ip", "link", "add", bridge, "type", "bridge"], check=True)
        subprocess.run(["ip", "addr", "add", gateway, "dev", bridge], check=True)
        subprocess.run(["ip", "link", "set", bridge, "up"], check=True)
        log = daemon.log_path.open("ab")
        daemon.process = subprocess.Popen(
            ["dockerd", "--data-root", str(root / "data"), "--exec-root", str(root / "exec"),
             "-H", f"unix://{daemon.socket}", "--pidfile", str(root / "dockerd.pid"),
             "--bridge", bridge, "--iptables=false", "--ip-masq=false", "--ip=127.0.0.1"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if daemon.process.poll() is not None:
                daemon.stop()
                raise RuntimeError(f"dockerd exited with {daemon.process.returncode}:\n{daemon.log()}")
            if daemon.socket.exists():
                try:
                    if docker_client(daemon.base_url, timeout=5).ping():
                        return daemon
                except Exception:  # noqa: BLE001 not up yet
                    pass
            time.sleep(0.2)
        daemon.stop()
        raise RuntimeError(f"dockerd did not answer within {timeout}s:\n{daemon.log()}")

    @property
    def base_url(self) -> str:
        return f"unix://{self.socket}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path and self.log_path.exists() else ""

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM to our dockerd's PID (it stops its containers and its containerd), SIGKILL if it hangs."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.send_signal(signal.SIGKILL)
                self.process.wait(timeout=10)
        subprocess.run(["ip", "link", "delete", self.bridge], capture_output=True)
        # dockerd unmounts its overlays on a clean stop; anything still mounted is left in place.
        mounts = Path("/proc/mounts").read_text()
        if str(self.root) not in mounts:
            shutil.rmtree(self.root, ignore_errors=True)


# --- the registry, as the component declares it ---------------------------------------------------


def _ns(duration: str) -> int:
    return int(duration_nanoseconds(duration))


def upload_archive(uploads: list[dict[str, Any]]) -> bytes:
    """The uploads as the provider copies them: one tar entry per file, path from `/`, declared mode, root-owned."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for upload in uploads:
            data = upload["content"].encode()
            info = tarfile.TarInfo(upload["file"].lstrip("/"))
            info.size = len(data)
            info.mode = int(upload.get("permissions") or "0644", 8)
            info.uid = info.gid = 0
            info.mtime = int(time.time())
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@dataclass
class Timings:
    created: float = 0.0
    started: float = 0.0
    healthy: float = 0.0

    @property
    def create_to_healthy(self) -> float:
        return self.healthy - self.created


@dataclass
class EngineRegistry:
    """The registry of one mock run, created for real on `client`'s engine."""

    client: Any
    run: StackRun
    timings: Timings = field(default_factory=Timings)
    container_resource: str | None = None
    """The `docker.Container` resource to create (its Pulumi name), when the run declares several
    (the registry and its pull-through mirrors); its volume is the one it mounts."""

    @property
    def container_inputs(self) -> dict[str, Any]:
        return self.run.one(CONTAINER, self.container_resource).inputs

    @property
    def volume_inputs(self) -> dict[str, Any]:
        mounted = {volume["volumeName"] for volume in self.container_inputs.get("volumes", [])}
        (volume,) = [v for v in self.run.of_type(VOLUME) if v.inputs["name"] in mounted]
        return volume.inputs

    @property
    def name(self) -> str:
        return self.container_inputs["name"]

    @property
    def volume_name(self) -> str:
        return self.volume_inputs["name"]

    def image_id(self) -> str:
        """The container's `image` input: the RemoteImage's `imageId`, which the provider reads from
        the engine after the pull. Here the image is already local (nothing can be pulled)."""
        declared = self.container_inputs["image"]
        for remote in self.run.of_type(REMOTE_IMAGE):
            if declared == remote.outputs.get("imageId"):
                return self.client.images.get(remote.inputs["name"]).id
        return declared

    def create_volume(self):
        unknown = set(self.volume_inputs) - MAPPED_VOLUME_INPUTS
        assert not unknown, f"volume inputs the engine harness does not map: {unknown}"
        labels = {item["label"]: item["value"] for item in self.volume_inputs.get("labels", [])}
        return self.client.volumes.create(name=self.volume_name, driver="local", labels={**labels, ENGINE_LABEL: "1"})

    def create_container(self):
        """Container create with every declared input, then the uploads; not started."""
        inputs = self.container_inputs
        unknown = unmapped_inputs(inputs)
        assert not unknown, f"container inputs the engine harness does not map: {sorted(unknown)}"
        api = self.client.api
        ports: dict[str, Any] = {}
        for port in inputs.get("ports", []):
            key = f"{int(port['internal'])}/{port.get('protocol', 'tcp')}"
            ports[key] = (port.get("ip", "0.0.0.0"), int(port["external"]))
        binds = [
            f"{volume['volumeName']}:{volume['containerPath']}{':ro' if volume.get('readOnly') else ''}"
            for volume in inputs.get("volumes", [])
        ]
        capabilities = inputs.get("capabilities", {})
        host_config: dict[str, Any] = dict(
            port_bindings=ports,
            binds=binds,
            restart_policy={"Name": inputs["restart"]} if inputs.get("restart") else None,
            cap_drop=capabilities.get("drops"),
            cap_add=capabilities.get("adds"),
            security_opt=inputs.get("securityOpts"),
            mem_limit=int(inputs["memory"]) * 1024 * 1024 if inputs.get("memory") else None,
        )
        if inputs.get("logDriver"):
            host_config["log_config"] = {"Type": inputs["logDriver"], "Config": inputs.get("logOpts", {})}
        labels = {item["label"]: item["value"] for item in inputs.get("labels", [])}
        config = api.create_container_config(
            image=self.image_id(),
            entrypoint=inputs.get("entrypoints"),
            command=inputs.get("command"),
            environment=inputs.get("envs"),
            ports=list(ports),
            labels={**labels, ENGINE_LABEL: "1"},
            host_config=api.create_host_config(**{k: v for k, v in host_config.items() if v is not None}),
        )
        check = inputs.get("healthcheck")
        if check:
            config["Healthcheck"] = {
                "Test": check["tests"],
                "Interval": _ns(check["interval"]),
                "Timeout": _ns(check["timeout"]),
                "StartPeriod": _ns(check["startPeriod"]),
                "Retries": int(check["retries"]),
            }
            if check.get("startInterval"):
                # Sent as the API defines it (1.44+). An older engine decodes the JSON and drops the
                # unknown field; see test_time_to_healthy for what that does to the first probe.
                config["Healthcheck"]["StartInterval"] = _ns(check["startInterval"])
        self.timings = Timings(created=time.monotonic())
        created = api.create_container_from_config(config, name=self.name)
        container = self.client.containers.get(created["Id"])
        if inputs.get("uploads"):
            assert container.put_archive("/", upload_archive(inputs["uploads"])), "upload refused"
        return container

    def deploy(self, *, create_volume: bool = True, health_timeout: float | None = None):
        """Volume, container, uploads, start, wait for healthy: the provider's create, in order."""
        if create_volume:
            self.create_volume()
        container = self.create_container()
        container.start()
        self.timings.started = time.monotonic()
        if self.container_inputs.get("wait", True):
            self.wait_healthy(container, health_timeout)
        return container

    def wait_healthy(self, container, timeout: float | None = None) -> float:
        """Poll the health status until healthy; bounded by the component's `waitTimeout` (or `timeout`)."""
        limit = timeout if timeout is not None else float(self.container_inputs.get("waitTimeout", 60))
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            container.reload()
            state = container.attrs["State"]
            status = (state.get("Health") or {}).get("Status")
            if status == "healthy":
                self.timings.healthy = time.monotonic()
                return self.timings.healthy
            if state["Status"] in ("exited", "dead") or status == "unhealthy":
                break
            time.sleep(0.1)
        container.reload()
        raise AssertionError(
            f"{container.name} not healthy within {limit}s: {container.attrs['State']}\n"
            f"{container.logs(tail=40).decode(errors='replace')}"
        )

    def remove(self, *, volume: bool = True) -> None:
        import docker

        try:
            self.client.containers.get(self.name).remove(force=True)
        except docker.errors.NotFound:
            pass
        if volume:
            try:
                self.client.volumes.get(self.volume_name).remove(force=True)
            except docker.errors.NotFound:
                pass
