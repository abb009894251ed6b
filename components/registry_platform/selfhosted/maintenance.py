"""Maintenance of a deployed self-hosted registry: garbage collection that is safe by construction.

`collect_garbage(client, container_name)` with a docker-py client (`pip install
registry-platform[maintenance]`), or from a shell:

    python -m registry_platform.selfhosted.maintenance gc --container NAME [--dry-run] [--delete-untagged]

The sequence:

1. Read the registry container's `config.yml` (the file the component uploaded, taken from the
   container itself, so the collection sees exactly the storage the registry uses) and check it: a
   Redis blob-descriptor cache is refused (see below), and with the filesystem driver the data
   directory must be a mount of the container.
2. Stop the registry (`docker stop`: nothing can push or delete while blobs are being swept; the
   restart policy does not start a manually stopped container).
3. Run `registry garbage-collect` as a one-off container: the same image (by ID), entrypoint,
   environment, user, mounts (the data volume), memory limit and hardening (capabilities dropped,
   security options) as the registry, the same config.yml copied in root-owned with its mode,
   no network for filesystem storage. A leftover one-off of a running collection acts as a lock.
4. Start the registry again, whatever happened in step 3, and wait until it is healthy. The restart
   drops the registry's in-memory blob-descriptor cache, which would otherwise still describe the
   deleted blobs (a re-push of a collected image would then fail to pull with "manifest unknown").

Every wait is bounded. A dry run (`--dry-run`) deletes nothing, so it runs beside the live registry
without stopping it (its report is then only a snapshot).

A Redis blob-descriptor cache survives the registry's restart; it must be flushed after a collection
(`FLUSHDB` on the registry's Redis db), which this function does not do yet, so it refuses such a
registry instead of leaving a stale cache behind.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tarfile
import time
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import yaml

from .layout import LAYOUT

MAINTENANCE_LABEL = "org.registry-platform.maintenance"
MAINTENANCE_OF_LABEL = "org.registry-platform.maintenance-of"
GC_SUFFIX = "-gc"
SUMMARY = re.compile(r"(\d+) blobs marked, (\d+) blobs and (\d+) manifests eligible for deletion")


class MaintenanceError(RuntimeError):
    """The maintenance did not complete; the message says in which state the registry was left."""


@dataclass
class GarbageCollection:
    """What one collection did."""

    container: str
    dry_run: bool
    delete_untagged: bool
    output: str
    """The output of `registry garbage-collect` (one line per marked or deleted blob)."""
    blobs_marked: Optional[int]
    blobs_eligible: Optional[int]
    manifests_eligible: Optional[int]
    registry_stopped: bool
    """Whether the registry was stopped (and started again) for the collection."""
    downtime_seconds: float
    """From stopping the registry to healthy again (0 when it was not stopped)."""

    def summary(self) -> str:
        mode = "dry run: " if self.dry_run else ""
        if self.blobs_marked is None:
            counts = "no summary line in the output"
        else:
            verb = "would be deleted" if self.dry_run else "deleted"
            counts = (
                f"{self.blobs_marked} blobs in use, {self.blobs_eligible} blobs and "
                f"{self.manifests_eligible} manifests {verb}"
            )
        downtime = f"; registry down {self.downtime_seconds:.1f}s" if self.registry_stopped else ""
        return f"{self.container}: {mode}{counts}{downtime}"


def gc_command(config_path: str, *, delete_untagged: bool = False, dry_run: bool = False) -> list[str]:
    """The arguments of the one-off container (after the registry's entrypoint)."""
    flags = (["--dry-run"] if dry_run else []) + (["--delete-untagged"] if delete_untagged else [])
    return ["garbage-collect", *flags, config_path]


def config_path_of(attrs: dict[str, Any]) -> str:
    """The config file the registry serves with (`serve PATH`), from the container's inspect data."""
    command = list(attrs["Config"].get("Cmd") or [])
    if len(command) >= 2 and command[-2] == "serve":
        return command[-1]
    return LAYOUT.config


def storage_problems(config: dict[str, Any], attrs: dict[str, Any]) -> list[str]:
    """Why collecting with this config on this container would be unsafe (empty: go ahead)."""
    problems = []
    storage = config.get("storage") or {}
    cache = (storage.get("cache") or {}).get("blobdescriptor")
    if cache == "redis":
        problems.append(
            "the blob-descriptor cache is in Redis, which a registry restart does not drop: collect only "
            "with the Redis db flushed afterwards (FLUSHDB), which this tool does not do yet"
        )
    filesystem = storage.get("filesystem")
    if filesystem is not None:
        root = filesystem.get("rootdirectory", "/var/lib/registry")
        mounted = [mount["Destination"] for mount in attrs.get("Mounts") or []]
        if not any(root == target or root.startswith(target.rstrip("/") + "/") for target in mounted):
            problems.append(f"the storage root {root} is not a mount of the container: the collection would not see it")
    return problems


def delete_untagged_problem(image_tags: list[str]) -> str | None:
    """Why `--delete-untagged` is unsafe with this registry image (None: a Distribution 3 image).

    Distribution 2.x's garbage-collect counts the platform manifests of a multi-arch image (an index)
    as untagged and deletes their blobs: the image then answers "manifest unknown" (reproduced with
    2.8.2). Only a v3 image is known to be safe; an image of unknown version is refused too.
    """
    for tag in image_tags:
        repository, _, version = tag.rpartition(":")
        if repository.rsplit("/", 1)[-1] in ("registry", "distribution") and version.split(".")[0] == "3":
            return None
    shown = ", ".join(image_tags) or "an untagged image"
    return (
        f"--delete-untagged is refused with {shown}: Distribution 2.x deletes the platform manifests of "
        "multi-arch images (an index's children have no tag), which breaks those images; it is safe only "
        "with a registry:3 image (`selfHosted.image`). Collect without --delete-untagged"
    )


def referenced_files(config: dict[str, Any]) -> list[str]:
    """Files besides config.yml that garbage-collect reads (the GCS key file)."""
    keyfile = ((config.get("storage") or {}).get("gcs") or {}).get("keyfile")
    return [keyfile] if keyfile else []


def uses_network(config: dict[str, Any]) -> bool:
    """Filesystem storage needs no network; object storage (S3, GCS, Azure...) does."""
    storage = config.get("storage") or {}
    return "filesystem" not in storage


def _read_file(container, path: str) -> tuple[bytes, tarfile.TarInfo]:
    stream, _ = container.get_archive(path)
    with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
        member = tar.next()
        if member is None or not member.isfile():
            raise MaintenanceError(f"{path} in {container.name} is not a file")
        return tar.extractfile(member).read(), member


def _file_archive(path: str, data: bytes, mode: int) -> bytes:
    """One root-owned file at `path` (from `/`), with `mode`: how the component's uploads arrive."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo(path.lstrip("/"))
        info.size, info.mode, info.uid, info.gid, info.mtime = len(data), mode, 0, 0, int(time.time())
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _one_off_config(client, attrs: dict[str, Any], name: str, command: list[str], network: bool) -> dict[str, Any]:
    """Create parameters of the collection container, taken from the registry container."""
    api = client.api
    config, host = attrs["Config"], attrs["HostConfig"]
    binds = []
    for mount in attrs.get("Mounts") or []:
        source = mount["Name"] if mount["Type"] == "volume" else mount["Source"]
        binds.append(f"{source}:{mount['Destination']}:{'rw' if mount.get('RW', True) else 'ro'}")
    host_config = api.create_host_config(
        binds=binds,
        cap_drop=host.get("CapDrop"),
        cap_add=host.get("CapAdd"),
        security_opt=host.get("SecurityOpt"),
        mem_limit=host.get("Memory") or None,
        read_only=bool(host.get("ReadonlyRootfs")),
        network_mode=None if network else "none",
    )
    return api.create_container_config(
        image=attrs["Image"],
        entrypoint=config.get("Entrypoint"),
        command=command,
        environment=config.get("Env"),
        user=config.get("User") or None,
        labels={MAINTENANCE_LABEL: "garbage-collect", MAINTENANCE_OF_LABEL: name},
        network_disabled=not network,
        host_config=host_config,
    )


def wait_until_healthy(container, timeout: float) -> None:
    """Until the health check passes (or, without one, the container runs); bounded by `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        container.reload()
        state = container.attrs["State"]
        health = (state.get("Health") or {}).get("Status")
        if (health == "healthy") or (health is None and state.get("Running")):
            return
        if state.get("Status") in ("exited", "dead"):
            raise MaintenanceError(f"{container.name} exited after the restart: {state.get('Error') or state.get('ExitCode')}")
        if time.monotonic() >= deadline:
            raise MaintenanceError(f"{container.name} was started again but is not healthy after {timeout:.0f}s ({health})")
        time.sleep(0.2)


def _remove_leftover(client, name: str) -> None:
    import docker

    try:
        leftover = client.containers.get(name)
    except docker.errors.NotFound:
        return
    if leftover.attrs["State"].get("Running"):
        raise MaintenanceError(f"{name} is running: another garbage collection is in progress")
    leftover.remove(force=True)


def _run_one_off(client, attrs, name, command, files, network, timeout) -> tuple[int, str]:
    """Create, fill (`files`: (path, content, mode), config.yml first), start and wait for the collection
    container; it is always removed afterwards."""
    import requests

    one_off_name = f"{name}{GC_SUFFIX}"
    _remove_leftover(client, one_off_name)
    created = client.api.create_container_from_config(
        _one_off_config(client, attrs, name, command, network), name=one_off_name
    )
    one_off = client.containers.get(created["Id"])
    try:
        for path, content, mode in files:
            if not one_off.put_archive("/", _file_archive(path, content, mode)):
                raise MaintenanceError(f"could not copy {path} into {one_off_name}")
        one_off.start()
        try:
            status = one_off.wait(timeout=timeout)
        except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError) as error:
            one_off.kill()
            raise MaintenanceError(f"garbage-collect did not finish within {timeout:.0f}s and was killed") from error
        output = one_off.logs(stdout=True, stderr=True).decode(errors="replace")
        return int(status.get("StatusCode", -1)), output
    finally:
        one_off.remove(force=True)


def collect_garbage(
    docker_client,
    container_name: str,
    *,
    delete_untagged: bool = False,
    dry_run: bool = False,
    stop_timeout: float = 30,
    timeout: float = 3600,
    health_timeout: float = 180,
) -> GarbageCollection:
    """Garbage-collect the registry in `container_name` (see the module docstring for the sequence).

    `timeout` bounds the collection itself, `stop_timeout` the registry's graceful stop,
    `health_timeout` the wait for healthy after the restart. On any failure the registry is started
    again (if it was running) before MaintenanceError is raised.
    """
    import docker

    try:
        registry = docker_client.containers.get(container_name)
    except docker.errors.NotFound as error:
        raise MaintenanceError(f"no container named {container_name}") from error
    attrs = registry.attrs
    config_path = config_path_of(attrs)
    config_bytes, member = _read_file(registry, config_path)
    config = yaml.safe_load(config_bytes) or {}
    problems = storage_problems(config, attrs)
    if delete_untagged:
        try:
            tags = list(docker_client.images.get(attrs["Image"]).tags)
        except docker.errors.ImageNotFound:
            tags = []
        problem = delete_untagged_problem(tags)
        problems += [problem] if problem else []
    if problems:
        raise MaintenanceError(f"{container_name}: not collecting, nothing was changed: " + "; ".join(problems))
    command = gc_command(config_path, delete_untagged=delete_untagged, dry_run=dry_run)
    files = [(config_path, config_bytes, member.mode)]
    for path in referenced_files(config):
        data, info = _read_file(registry, path)
        files.append((path, data, info.mode))
    stop = attrs["State"].get("Running", False) and not dry_run

    stopped_at = time.monotonic()
    failure: BaseException | None = None
    status, output = -1, ""
    try:
        if stop:
            registry.stop(timeout=int(stop_timeout))
            registry.reload()
            if registry.attrs["State"].get("Running"):
                raise MaintenanceError(f"{container_name} did not stop within {stop_timeout:.0f}s")
        status, output = _run_one_off(docker_client, attrs, container_name, command, files, uses_network(config), timeout)
        if status != 0:
            raise MaintenanceError(f"garbage-collect exited with {status}:\n{output[-2000:]}")
    except BaseException as error:  # noqa: BLE001 the registry is started again below, then it is raised
        failure = error
    finally:
        if stop:
            try:
                registry.start()
                wait_until_healthy(registry, health_timeout)
            except Exception as restart_error:
                raise MaintenanceError(
                    f"{container_name} could not be started again after the collection: {restart_error}"
                ) from (failure or restart_error)
    if failure is not None:
        if isinstance(failure, MaintenanceError):
            raise MaintenanceError(f"{failure} ({container_name} was started again)" if stop else str(failure)) from failure
        raise failure
    summary = SUMMARY.search(output)
    counts = [int(value) for value in summary.groups()] if summary else [None, None, None]
    return GarbageCollection(
        container=container_name,
        dry_run=dry_run,
        delete_untagged=delete_untagged,
        output=output,
        blobs_marked=counts[0],
        blobs_eligible=counts[1],
        manifests_eligible=counts[2],
        registry_stopped=stop,
        downtime_seconds=time.monotonic() - stopped_at if stop else 0.0,
    )


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m registry_platform.selfhosted.maintenance",
        description="Maintenance of a self-hosted registry container (uses DOCKER_HOST like the docker CLI).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    gc = commands.add_parser(
        "gc", help="stop the registry, run garbage-collect on its volume with its config, start it again"
    )
    gc.add_argument("--container", required=True, help="the registry container (stack output containerName)")
    gc.add_argument("--dry-run", action="store_true", help="only report what would be deleted (registry stays up)")
    gc.add_argument("--delete-untagged", action="store_true", help="also delete manifests no tag points at")
    gc.add_argument("--timeout", type=float, default=3600, help="seconds the collection may take (default 3600)")
    gc.add_argument("--health-timeout", type=float, default=180, help="seconds to wait for healthy after the restart")
    gc.add_argument("--show-output", action="store_true", help="print garbage-collect's own output")
    args = parser.parse_args(argv)

    try:
        import docker
    except ImportError:
        print("the docker SDK is needed: pip install 'registry-platform[maintenance]'", file=sys.stderr)
        return 2
    client = docker.from_env()
    try:
        result = collect_garbage(
            client, args.container, delete_untagged=args.delete_untagged, dry_run=args.dry_run,
            timeout=args.timeout, health_timeout=args.health_timeout,
        )
    except MaintenanceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        client.close()
    if args.show_output:
        print(result.output, end="" if result.output.endswith("\n") else "\n")
    print(result.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
