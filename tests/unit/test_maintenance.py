"""The garbage-collection maintenance without an engine: its checks, command line, and the rule that
the registry is started again whatever happens (a fake docker client records the calls)."""

from __future__ import annotations

import io
import tarfile

import pytest

from registry_platform.selfhosted import maintenance
from registry_platform.selfhosted.maintenance import MaintenanceError, collect_garbage, gc_command, storage_problems

MOUNTED = {"Mounts": [{"Type": "volume", "Name": "data", "Destination": "/var/lib/registry", "RW": True}]}
FILESYSTEM = {"storage": {"filesystem": {"rootdirectory": "/var/lib/registry"}, "cache": {"blobdescriptor": "inmemory"}}}


def test_gc_command():
    assert gc_command("/c.yml") == ["garbage-collect", "/c.yml"]
    assert gc_command("/c.yml", dry_run=True, delete_untagged=True) == [
        "garbage-collect", "--dry-run", "--delete-untagged", "/c.yml"]


def test_a_filesystem_registry_on_its_volume_may_be_collected():
    assert storage_problems(FILESYSTEM, MOUNTED) == []
    assert not maintenance.uses_network(FILESYSTEM)
    assert maintenance.uses_network({"storage": {"s3": {"bucket": "b"}}})


def test_a_redis_cache_is_refused():
    config = {"storage": {"filesystem": {}, "cache": {"blobdescriptor": "redis"}}}
    [problem] = storage_problems(config, MOUNTED)
    assert "Redis" in problem and "FLUSHDB" in problem


def test_storage_outside_a_mount_is_refused():
    [problem] = storage_problems(FILESYSTEM, {"Mounts": []})
    assert "/var/lib/registry is not a mount" in problem


class FakeContainer:
    def __init__(self, name, log, running=True, config=b"version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: /var/lib/registry\n"):
        self.name, self.log, self.running, self.config = name, log, running, config
        self.id = name
        self.attrs = self._attrs()

    def _attrs(self):
        return {
            "Image": "sha256:img", "Config": {"Cmd": ["serve", "/etc/docker/registry/config.yml"], "Entrypoint": ["registry"],
                                              "Env": [], "User": ""},
            "HostConfig": {"CapDrop": ["ALL"], "SecurityOpt": ["no-new-privileges:true"], "Memory": 0},
            "State": {"Running": self.running, "Status": "running" if self.running else "exited",
                      "Health": {"Status": "healthy" if self.running else "starting"}},
            **MOUNTED,
        }

    def reload(self):
        self.attrs = self._attrs()

    def get_archive(self, path):
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            info = tarfile.TarInfo("config.yml")
            info.size, info.mode = len(self.config), 0o400
            tar.addfile(info, io.BytesIO(self.config))
        return [buffer.getvalue()], {}

    def stop(self, timeout):
        self.log.append(("stop", self.name))
        self.running = False

    def start(self):
        self.log.append(("start", self.name))
        self.running = True


class FakeClient:
    def __init__(self, fail_create=False):
        self.log = []
        self.registry = FakeContainer("reg", self.log)
        self.fail_create = fail_create
        outer = self

        class Containers:
            def get(self, name):
                import docker

                if name == "reg":
                    return outer.registry
                raise docker.errors.NotFound(name)

        class Api:
            def create_host_config(self, **kwargs):
                return kwargs

            def create_container_config(self, **kwargs):
                return kwargs

            def create_container_from_config(self, config, name=None):
                outer.log.append(("create", name))
                raise RuntimeError("engine refused the create")

        self.containers, self.api = Containers(), Api()


def test_the_registry_is_started_again_when_the_collection_fails():
    client = FakeClient()
    with pytest.raises(RuntimeError, match="engine refused"):
        collect_garbage(client, "reg", health_timeout=5)
    assert client.log == [("stop", "reg"), ("create", "reg-gc"), ("start", "reg")]
    assert client.registry.running


def test_a_refused_config_changes_nothing():
    client = FakeClient()
    client.registry.config = b"version: 0.1\nstorage:\n  filesystem: {}\n  cache:\n    blobdescriptor: redis\n"
    with pytest.raises(MaintenanceError, match="nothing was changed"):
        collect_garbage(client, "reg")
    assert client.log == []


def test_a_dry_run_does_not_stop_the_registry():
    client = FakeClient()
    with pytest.raises(RuntimeError):
        collect_garbage(client, "reg", dry_run=True)
    assert client.log == [("create", "reg-gc")]


def test_delete_untagged_is_refused_unless_the_image_is_distribution_3():
    """2.x deletes the platform manifests of multi-arch images (an index's children have no tag)."""
    assert maintenance.delete_untagged_problem(["registry:3.0.0"]) is None
    assert maintenance.delete_untagged_problem(["ghcr.io/distribution/distribution:3.0.0"]) is None
    for tags in (["registry:2.8.3"], ["registry:2"], []):
        problem = maintenance.delete_untagged_problem(tags)
        assert problem and "multi-arch" in problem and "registry:3" in problem


def test_a_refused_delete_untagged_changes_nothing():
    client = FakeClient()

    class Images:
        def get(self, image_id):
            assert image_id == "sha256:img"
            return type("Image", (), {"tags": ["registry:2.8.3"]})()

    client.images = Images()
    with pytest.raises(MaintenanceError, match="nothing was changed.*--delete-untagged is refused with registry:2.8.3"):
        collect_garbage(client, "reg", delete_untagged=True)
    assert client.log == []


def test_the_one_off_gets_every_file_the_config_names():
    """A GCS key file is an upload of the registry container, not a mount: it is copied like config.yml."""
    config = b"version: 0.1\nstorage:\n  gcs:\n    bucket: b\n    keyfile: /etc/docker/registry/gcs/keyfile.json\n"
    assert maintenance.referenced_files({"storage": {"gcs": {"keyfile": "/k.json"}}}) == ["/k.json"]
    assert maintenance.referenced_files({"storage": {"filesystem": {}}}) == []
    client = FakeClient()
    client.registry.config = config
    copied: list[str] = []

    class OneOff:
        def put_archive(self, path, data):
            with tarfile.open(fileobj=io.BytesIO(data)) as tar:
                copied.extend("/" + name for name in tar.getnames())
            return True

        def start(self):
            pass

        def wait(self, timeout):
            return {"StatusCode": 0}

        def logs(self, **kwargs):
            return b"0 blobs marked, 0 blobs eligible for deletion\n"

        def remove(self, force):
            pass

    outer_get = client.containers.get
    created: list[str] = []

    def create(config, name=None):
        created.append(name)
        return {"Id": name}

    client.api.create_container_from_config = create
    client.containers.get = lambda name: OneOff() if name in created else outer_get(name)
    collect_garbage(client, "reg", health_timeout=5)
    assert copied == ["/etc/docker/registry/config.yml", "/etc/docker/registry/gcs/keyfile.json"]
