"""A stand-in for the official `registry:2.8.3` image, built locally (nothing can be pulled here).

`build_standin_image(client)` runs `docker import` (the engine API's image create from a tarball) of
a rootfs assembled in memory:

- `/bin/registry`: Debian's `docker-registry` binary (Distribution 2.8.2, the official image has
  2.8.3), with the libraries and loader `ldd` lists, at the paths `ldd` lists them;
- `/bin/busybox` from Debian's `busybox-static`, linked as `/bin/sh` and `/usr/bin/wget` (the
  official image is Alpine, whose busybox provides both, so the component's `wget` health check runs
  unchanged);
- the directories of the official image: `/etc/docker/registry` (with a default `config.yml`, which
  the component's upload replaces, as on the official image), `/var/lib/registry` (declared a
  VOLUME), `/tmp` (1777), `/etc/passwd` and `/etc/group` with root only.

How it differs from the official image: no `/entrypoint.sh` (the image's ENTRYPOINT is
`["/bin/registry"]` and its CMD `["serve", "/etc/docker/registry/config.yml"]`; the component sets
both explicitly anyway), no Alpine userland or package manager, no CA bundle (the registry serves TLS
but does not call out in these tests), a Debian build of Distribution 2.8.2 linked against glibc
(the official binary is static) and without the Azure and GCS storage drivers. Like the official
image it runs as root, exposes 5000 and sets `PATH`.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

REGISTRY_BINARY = "/usr/bin/docker-registry"
BUSYBOX_BINARY = "/bin/busybox"
STANDIN_REFERENCE = "registry:2.8.3"
STANDIN_LABEL = "org.registry-platform.test-standin"
PATH_ENV = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

DEFAULT_CONFIG = """\
version: 0.1
log:
  fields:
    service: registry
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: /var/lib/registry
http:
  addr: :5000
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
"""


def missing_tools() -> list[str]:
    """What the stand-in image is built from (Debian packages docker-registry and busybox-static)."""
    missing = [path for path in (REGISTRY_BINARY,) if not os.path.exists(path)]
    if busybox() is None:
        missing.append("busybox-static")
    if shutil.which("ldd") is None:
        missing.append("ldd")
    return missing


def busybox() -> str | None:
    """A statically linked busybox (the dynamic one would need its own libraries)."""
    for candidate in ("/bin/busybox", "/usr/bin/busybox"):
        if os.path.exists(candidate):
            described = subprocess.run(["ldd", candidate], capture_output=True, text=True)
            if "not a dynamic executable" in described.stdout + described.stderr:
                return candidate
    return None


def shared_libraries(binary: str) -> list[str]:
    """The absolute paths `ldd` lists for `binary` (libraries and the loader)."""
    listed = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    paths = []
    for line in listed.splitlines():
        match = re.search(r"(/\S+)\s+\(0x", line)
        if match:
            paths.append(match.group(1))
    return paths


def _add_dir(tar: tarfile.TarFile, path: str, mode: int = 0o755) -> None:
    info = tarfile.TarInfo(path.lstrip("/"))
    info.type = tarfile.DIRTYPE
    info.mode = mode
    tar.addfile(info)


def _add_bytes(tar: tarfile.TarFile, path: str, data: bytes, mode: int) -> None:
    info = tarfile.TarInfo(path.lstrip("/"))
    info.size = len(data)
    info.mode = mode
    tar.addfile(info, io.BytesIO(data))


def _add_symlink(tar: tarfile.TarFile, path: str, target: str) -> None:
    info = tarfile.TarInfo(path.lstrip("/"))
    info.type = tarfile.SYMTYPE
    info.linkname = target
    tar.addfile(info)


def rootfs_tar() -> bytes:
    """The stand-in rootfs as an uncompressed tar (root-owned, as `docker import` keeps owners)."""
    box = busybox()
    assert box is not None, "busybox-static is needed"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        directories = {"/bin", "/usr", "/usr/bin", "/etc", "/etc/docker", "/etc/docker/registry", "/var", "/var/lib",
                       "/var/lib/registry", "/root", "/proc", "/sys", "/dev"}
        libraries = shared_libraries(REGISTRY_BINARY)
        for library in libraries:
            parent = Path(library).parent
            while str(parent) != "/":
                directories.add(str(parent))
                parent = parent.parent
        for directory in sorted(directories):
            _add_dir(tar, directory)
        _add_dir(tar, "/tmp", 0o1777)
        _add_bytes(tar, "/bin/registry", Path(REGISTRY_BINARY).read_bytes(), 0o755)
        for library in libraries:
            # The file itself (symlinks resolved) at the path the loader looks for.
            _add_bytes(tar, library, Path(library).resolve().read_bytes(), 0o755)
        _add_bytes(tar, "/bin/busybox", Path(box).read_bytes(), 0o755)
        _add_symlink(tar, "/bin/sh", "/bin/busybox")
        _add_symlink(tar, "/usr/bin/wget", "/bin/busybox")
        _add_bytes(tar, "/etc/docker/registry/config.yml", DEFAULT_CONFIG.encode(), 0o644)
        _add_bytes(tar, "/etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n", 0o644)
        _add_bytes(tar, "/etc/group", b"root:x:0:root\n", 0o644)
    return buffer.getvalue()


def build_standin_image(client, reference: str = STANDIN_REFERENCE) -> str:
    """`docker import` the stand-in rootfs as `reference`; returns the image ID.

    `client` is a docker-py `DockerClient`. The image carries the label STANDIN_LABEL so that
    clean-up removes only an image built here.
    """
    repository, tag = reference.rsplit(":", 1)
    changes = [
        f"ENV PATH={PATH_ENV}",
        'ENTRYPOINT ["/bin/registry"]',
        'CMD ["serve", "/etc/docker/registry/config.yml"]',
        "VOLUME /var/lib/registry",
        "EXPOSE 5000",
        f"LABEL {STANDIN_LABEL}=true",
    ]
    client.api.import_image_from_data(rootfs_tar(), repository=repository, tag=tag, changes=changes)
    return client.images.get(reference).id
