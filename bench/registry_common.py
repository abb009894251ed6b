"""A configured registry (as the component renders it), a minimal one, a mirror, and a large image.

Reuses the project's test support: `tests.support.harness.run_program` (the realistic mocks make real
keys, certificates and bcrypt htpasswd) and `tests.support.registry_process.materialise`. Every process
listens on 127.0.0.1 and is stopped by its PID.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.support.harness import run_program
from tests.support.registry_process import Materialised, RegistryProcess, free_port, materialise

CONTAINER = "docker:index/container:Container"
LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


@dataclass
class Registry:
    name: str
    process: RegistryProcess
    creds: str | None = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.process.m.port}"

    def tls_args(self, side: str) -> list[str]:
        """skopeo options for this registry as source (`src`) or destination (`dest`)."""
        args = [f"--{side}-creds", self.creds] if self.creds else []
        if self.process.tls:
            return args + [f"--{side}-cert-dir", str(self.process.m.ca_dir)]
        return args + [f"--{side}-tls-verify=false"]  # plain HTTP on loopback: the minimal comparison config

    def data_dir(self) -> Path:
        return Path(self.process.m.config["storage"]["filesystem"]["rootdirectory"])

    def restart_empty(self) -> None:
        """Stop, empty the storage (and with it any blob-descriptor cache), start again."""
        self.process.kill()
        shutil.rmtree(self.data_dir(), ignore_errors=True)
        self.data_dir().mkdir(parents=True)
        self.process.start()


def configured_registry(tmp: Path, users: int = 2) -> Registry:
    """The self-hosted registry exactly as the component configures it (TLS + htpasswd), user `ci`."""
    names = ["ci", *[f"user{i}" for i in range(1, users)]]
    run = run_program({"selfHosted": {"users": [{"name": n} for n in names]}})
    container = next(r for r in run.resources if r.type == CONTAINER)
    ca = run.exports["registries"].value["selfHosted"]["caCertificatePem"]
    passwords = run.exports["selfHostedUserPasswords"].value
    root = tmp / "configured"
    root.mkdir()
    m = materialise(container.inputs["uploads"], root, ca)
    return Registry("configured", RegistryProcess(m, root / "registry.log"), creds=f"ci:{passwords['ci']}")


def _plain_registry(name: str, tmp: Path, extra: dict | None = None) -> Registry:
    root = tmp / name
    (root / "data").mkdir(parents=True)
    port, debug_port = free_port(), free_port()
    config = {
        "version": 0.1,
        "storage": {"filesystem": {"rootdirectory": str(root / "data")}},
        "http": {"addr": f"127.0.0.1:{port}", "debug": {"addr": f"127.0.0.1:{debug_port}"}},
        "log": {"level": "warn"},
        **(extra or {}),
    }
    config_path = root / "config.yml"
    config_path.write_text(yaml.safe_dump(config))
    m = Materialised(root, config_path, config, port, debug_port, None)
    return Registry(name, RegistryProcess(m, root / "registry.log"))


def minimal_registry(tmp: Path) -> Registry:
    """The same binary with the smallest config: filesystem storage, plain HTTP, no auth, no cache."""
    return _plain_registry("minimal", tmp)


def mirror_registry(tmp: Path, upstream: Registry) -> Registry:
    """A pull-through cache (proxy mode) of `upstream` (an unauthenticated one: registry 2.8 does not
    send proxy credentials to a basic-auth upstream, see registry-facts)."""
    return _plain_registry("mirror", tmp, {"proxy": {"remoteurl": f"http://{upstream.host}"}})


def write_large_image(layout: Path, tag: str, total_mib: int, layers: int) -> tuple[str, int]:
    """An OCI layout with `layers` gzip tar layers of random data (total_mib MiB); (digest, bytes).

    Gzipped (level 1; random data does not shrink) because skopeo compresses uncompressed layers on
    their way to a registry, which would time gzip rather than the registry."""
    blobs = layout / "blobs" / "sha256"
    blobs.mkdir(parents=True, exist_ok=True)
    per_layer = total_mib * 1024 * 1024 // layers
    descriptors, diff_ids, total = [], [], 0
    for index in range(layers):
        temp = layout / f"layer-{index}.tar"
        with tarfile.open(temp, "w") as tar:
            info = tarfile.TarInfo(f"data-{index}.bin")
            info.size = per_layer
            info.mtime = 0
            tar.addfile(info, _RandomReader(per_layer))
        diff_id = _sha256_file(temp)
        compressed = layout / f"layer-{index}.tar.gz"
        with temp.open("rb") as source, gzip.GzipFile(compressed, "wb", compresslevel=1, mtime=0) as target:
            shutil.copyfileobj(source, target, 1 << 20)
        temp.unlink()
        digest = _sha256_file(compressed)
        compressed.rename(blobs / digest)
        size = (blobs / digest).stat().st_size
        total += size
        descriptors.append({"mediaType": LAYER, "digest": f"sha256:{digest}", "size": size})
        diff_ids.append(f"sha256:{diff_id}")
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": diff_ids}, "config": {}}).encode()
    config_digest = _put(blobs, config)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": len(config)},
        "layers": descriptors,
    }).encode()
    manifest_digest = _put(blobs, manifest)
    (layout / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))
    (layout / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_digest, "size": len(manifest),
        "annotations": {"org.opencontainers.image.ref.name": tag}}]}))
    return manifest_digest, total


class _RandomReader(io.RawIOBase):
    def __init__(self, size: int):
        self.left = size

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        self.left -= n
        return os.urandom(n)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _put(blobs: Path, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    (blobs / digest).write_bytes(data)
    return f"sha256:{digest}"


def skopeo_copy(source: str, destination: str, *options: str, digestfile: Path | None = None, timeout: float = 600) -> float:
    """Run `skopeo copy`; return its wall time; raise with stderr on failure."""
    args = ["skopeo", "copy", "--quiet", *options]
    if digestfile is not None:
        args += ["--digestfile", str(digestfile)]
    started = time.perf_counter()
    done = subprocess.run([*args, source, destination], capture_output=True, text=True, timeout=timeout)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"skopeo copy {source} {destination} failed: {done.stderr[-2000:]}")
    return elapsed


def push(layout: Path, tag: str, registry: Registry, repo: str, digestfile: Path | None = None) -> float:
    return skopeo_copy(f"oci:{layout}:{tag}", f"docker://{registry.host}/{repo}:{tag}", *registry.tls_args("dest"), digestfile=digestfile)


def pull(registry: Registry, repo: str, tag: str, out: Path) -> float:
    shutil.rmtree(out, ignore_errors=True)
    return skopeo_copy(f"docker://{registry.host}/{repo}:{tag}", f"oci:{out}:{tag}", *registry.tls_args("src"))


def copy_floor(layout: Path, out: Path) -> float:
    """The floor: copying the same bytes on this disk (no fsync, like the registry and skopeo)."""
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    shutil.copytree(layout, out)
    return time.perf_counter() - started
