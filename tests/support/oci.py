"""A tiny OCI image layout written from Python, and skopeo to move images in and out of a registry."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import subprocess
import tarfile
from pathlib import Path

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def _blob(layout: Path, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    (layout / "blobs" / "sha256" / digest).write_bytes(data)
    return f"sha256:{digest}"


def write_image(layout: Path, tag: str, message: str) -> str:
    """Write a one-layer image (a file `hello.txt` holding `message`); return its manifest digest."""
    return write_layered_image(layout, tag, [("hello.txt", message)])


def layer_blob(name: str, content: str) -> tuple[bytes, bytes]:
    """A reproducible layer holding one file: (uncompressed tar, gzip blob). Same input, same digest."""
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w") as tar:
        payload = content.encode()
        info = tarfile.TarInfo(name)
        info.size = len(payload)
        info.mtime = 0
        tar.addfile(info, io.BytesIO(payload))
    layer_tar = tar_bytes.getvalue()
    return layer_tar, gzip.compress(layer_tar, mtime=0)


def write_layered_image(layout: Path, tag: str, files: list[tuple[str, str]]) -> str:
    """Write an image with one layer per (file name, content); return its manifest digest.

    Two images given the same first entry share that layer blob (as images on one base do).
    """
    (layout / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
    layers, diff_ids = [], []
    for name, content in files:
        layer_tar, layer = layer_blob(name, content)
        layers.append(
            {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": _blob(layout, layer), "size": len(layer)}
        )
        diff_ids.append(f"sha256:{hashlib.sha256(layer_tar).hexdigest()}")
    config = json.dumps(
        {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": diff_ids}, "config": {}}
    ).encode()
    config_digest = _blob(layout, config)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": config_digest,
                "size": len(config),
            },
            "layers": layers,
        }
    ).encode()
    manifest_digest = _blob(layout, manifest)
    (layout / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": OCI_MANIFEST,
                "digest": manifest_digest,
                "size": len(manifest),
                "annotations": {"org.opencontainers.image.ref.name": tag},
            }
        ],
    }
    (layout / "index.json").write_text(json.dumps(index))
    return manifest_digest


def manifest_blobs(layout: Path) -> set[str]:
    """The digests of the manifest, its config and its layers (what the registry stores for the image)."""
    digest = layout_digest(layout)
    manifest = json.loads((layout / "blobs" / "sha256" / digest.split(":", 1)[1]).read_bytes())
    return {digest, manifest["config"]["digest"], *(layer["digest"] for layer in manifest["layers"])}


def layout_digest(layout: Path) -> str:
    """The manifest digest an OCI layout's index points at."""
    return json.loads((layout / "index.json").read_text())["manifests"][0]["digest"]


def skopeo(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run skopeo; never with TLS verification switched off."""
    assert "--tls-verify=false" not in args and "--dest-tls-verify=false" not in args
    return subprocess.run(["skopeo", *args], capture_output=True, text=True, timeout=timeout)
