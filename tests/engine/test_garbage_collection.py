"""Garbage collection on the engine: `collect_garbage` stops the registry, runs `registry
garbage-collect` as a one-off container of the same image on the same volume with the same
config.yml and hardening, and starts the registry again (dropping its blob-descriptor cache)."""

from __future__ import annotations

import pytest

from registry_platform.selfhosted.maintenance import MAINTENANCE_LABEL, MaintenanceError, collect_garbage, main
from tests.support.oci import layout_digest, manifest_blobs, write_layered_image

pytestmark = [pytest.mark.engine]

GC_CONFIG = {"storage": {"deleteEnabled": True}, "container": {"healthcheck": {"interval": "2s"}}}
REPO = "platform/app"
BASE = ("base.txt", "a base layer both images share " * 64)


@pytest.fixture
def two_tags(deploy, tmp_path):
    """Two tags of one repository whose images share their base layer; returns (deployment, layouts)."""
    deployment = deploy(GC_CONFIG)
    layouts = {}
    for tag in ("keep", "drop"):
        layout = tmp_path / tag
        write_layered_image(layout, tag, [BASE, (f"{tag}.txt", f"only in {tag}")])
        pushed = deployment.push(layout, f"{REPO}:{tag}", tag)
        assert pushed.returncode == 0, pushed.stderr
        layouts[tag] = layout
    return deployment, layouts


def delete_manifest(deployment, digest: str) -> None:
    status, _, body = deployment.request(f"/v2/{REPO}/manifests/{digest}", method="DELETE")
    assert status == 202, body


def no_maintenance_containers(client) -> bool:
    return not client.containers.list(all=True, filters={"label": MAINTENANCE_LABEL})


def test_collect_keeps_the_other_tag_removes_unreferenced_blobs_and_allows_a_repush(two_tags, docker_engine, tmp_path):
    deployment, layouts = two_tags
    keep, drop = manifest_blobs(layouts["keep"]), manifest_blobs(layouts["drop"])
    shared = keep & drop
    assert len(shared) == 1  # the base layer
    stored = deployment.stored_blobs()
    assert keep | drop <= stored

    delete_manifest(deployment, layout_digest(layouts["drop"]))
    started_before = deployment.container.attrs["State"]["StartedAt"]
    result = collect_garbage(docker_engine.client, deployment.registry.name, health_timeout=60)
    print(result.summary())

    assert result.registry_stopped and not result.dry_run
    assert result.blobs_eligible == len(drop - shared)  # the deleted manifest, its config and its own layer
    assert result.blobs_marked == len(keep)
    deployment.container.reload()
    assert deployment.container.attrs["State"]["Health"]["Status"] == "healthy"
    assert deployment.container.attrs["State"]["StartedAt"] != started_before
    assert no_maintenance_containers(docker_engine.client)

    after = deployment.stored_blobs()
    assert keep <= after, "a blob of the kept tag was collected"
    assert not (drop - shared) & after, "unreferenced blobs are still in the volume"

    pulled = deployment.pull(f"{REPO}:keep", tmp_path / "kept")
    assert pulled.returncode == 0, pulled.stderr
    assert layout_digest(tmp_path / "kept") == layout_digest(layouts["keep"])
    gone = deployment.pull(f"{REPO}:drop", tmp_path / "gone")
    assert gone.returncode != 0 and "manifest unknown" in gone.stderr

    # A re-push uploads the collected blobs again (the restarted registry has no stale cache entry).
    assert deployment.push(layouts["drop"], f"{REPO}:drop", "drop").returncode == 0
    repulled = deployment.pull(f"{REPO}:drop", tmp_path / "repulled")
    assert repulled.returncode == 0, repulled.stderr
    assert layout_digest(tmp_path / "repulled") == layout_digest(layouts["drop"])
    assert drop <= deployment.stored_blobs()


def test_the_one_off_container_has_the_registry_hardening(two_tags, docker_engine, monkeypatch):
    """Inspect the collection container while it exists: same image, volume, capabilities, options."""
    deployment, _ = two_tags
    seen = {}
    client = docker_engine.client
    original = client.api.create_container_from_config

    def spy(config, name=None, *args, **kwargs):
        created = original(config, name, *args, **kwargs)
        seen.update(client.api.inspect_container(created["Id"]))
        return created

    monkeypatch.setattr(client.api, "create_container_from_config", spy)
    collect_garbage(client, deployment.registry.name, health_timeout=60)
    registry = deployment.container.attrs
    assert seen["Image"] == registry["Image"]
    assert seen["Config"]["Entrypoint"] == registry["Config"]["Entrypoint"]
    assert seen["Config"]["Cmd"] == ["garbage-collect", "/etc/docker/registry/config.yml"]
    assert seen["HostConfig"]["CapDrop"] == ["ALL"]
    assert seen["HostConfig"]["SecurityOpt"] == ["no-new-privileges:true"]
    assert seen["HostConfig"]["NetworkMode"] == "none"
    assert seen["HostConfig"]["PortBindings"] in ({}, None)
    assert seen["HostConfig"]["Binds"] == [f"{deployment.registry.volume_name}:/var/lib/registry:rw"]


def test_dry_run_deletes_nothing_and_keeps_the_registry_up(two_tags, docker_engine):
    deployment, layouts = two_tags
    delete_manifest(deployment, layout_digest(layouts["drop"]))
    before = deployment.stored_blobs()
    started = deployment.container.attrs["State"]["StartedAt"]
    result = collect_garbage(docker_engine.client, deployment.registry.name, dry_run=True)
    assert result.dry_run and not result.registry_stopped
    assert result.blobs_eligible == len(manifest_blobs(layouts["drop"]) - manifest_blobs(layouts["keep"]))
    deployment.container.reload()
    assert deployment.container.attrs["State"]["StartedAt"] == started
    assert deployment.stored_blobs() == before


def test_a_failed_collection_starts_the_registry_again(two_tags, docker_engine):
    deployment, _ = two_tags
    with pytest.raises(MaintenanceError, match="did not finish within 0s.*was started again"):
        collect_garbage(docker_engine.client, deployment.registry.name, timeout=0.001, health_timeout=60)
    deployment.container.reload()
    assert deployment.container.attrs["State"]["Health"]["Status"] == "healthy"
    assert no_maintenance_containers(docker_engine.client)
    assert deployment.request("/v2/")[0] == 200


def test_the_command_line(two_tags, docker_engine, monkeypatch, capsys):
    deployment, layouts = two_tags
    delete_manifest(deployment, layout_digest(layouts["drop"]))
    monkeypatch.setenv("DOCKER_HOST", docker_engine.base_url)
    assert main(["gc", "--container", deployment.registry.name, "--health-timeout", "60"]) == 0
    out = capsys.readouterr().out
    assert f"{deployment.registry.name}: 4 blobs in use, 3 blobs and 0 manifests deleted; registry down" in out
    assert main(["gc", "--container", "no-such-registry"]) == 1
    assert "no container named no-such-registry" in capsys.readouterr().err
