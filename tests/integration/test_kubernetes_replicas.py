"""The distributed data path of `KubernetesRegistry`, without a cluster.

The stack program runs under mocks; the files the Deployment mounts from its config Secret (at the
paths its volume items name) start three `docker-registry serve` processes: the same config.yml,
rewritten only for the listen ports and where the files sit on this machine. They share moto's S3 and
a redis-server on 127.0.0.1 and sit behind haproxy, which terminates TLS and balances round-robin
like an Ingress controller in front of the Service, taking a replica out when its /debug/health
(the readiness probe's target) fails.

What this cannot show: scheduling, probes run by a kubelet, the Ingress controller's own behaviour,
network policies, rolling updates. Those need a real cluster (README, Scaling out).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.support.certs import brought_certificate
from tests.support.harness import run_program
from tests.support.haproxy import Backend, haproxy
from tests.support.oci import layout_digest, skopeo, write_image
from tests.support.registry_process import RegistryProcess, materialise
from tests.support.services import S3_KEYS, redis_server, s3_server

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("registry_tools", "service_tools", "haproxy_tool")]

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
SECRET = "kubernetes:core/v1:Secret"
BUCKET = "registry-replicas"
REPO = "platform/replicated"
TAG = "1.0"
REPLICAS = 3
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
UPLOAD_REQUEST = re.compile(r'"(POST|PATCH|PUT) /v2/[^ ]+/blobs/uploads/')
API_REQUEST = re.compile(r'"(GET|HEAD|POST|PATCH|PUT) /v2/')


def mounted_files(run) -> list[dict]:
    """What the Deployment's container sees: each item of its Secret volumes at its mount path, with
    the content the config Secret holds (an upload list, as `materialise` takes it)."""
    deployment = run.one(DEPLOYMENT)
    secret = run.one(SECRET)
    pod = deployment.inputs["spec"]["template"]["spec"]
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    files = []
    for mount in pod["containers"][0]["volumeMounts"]:
        source = volumes[mount["name"]].get("secret")
        if source is None:
            continue
        assert source["secretName"] == secret.inputs["metadata"]["name"]
        for item in source["items"]:
            files.append({"file": f"{mount['mountPath']}/{item['path']}", "content": secret.inputs["stringData"][item["key"]]})
    return files


class Replicas:
    """One stack run, three registry processes from what the Deployment mounts, haproxy in front."""

    def __init__(self, tmp: Path, s3, redis):
        self.tmp = tmp
        self.run = run_program({"kubernetes": {
            "replicas": REPLICAS,
            "users": [{"name": "admin"}],
            "ingress": {"host": "localhost", "tls": {"secretName": "registry-tls"}},
            "storage": {"s3": {
                "bucket": BUCKET, "region": "us-east-1", "regionEndpoint": s3.endpoint,
                "accessKey": S3_KEYS[0], "secretKey": S3_KEYS[1], "rootDirectory": "/registry",
            }},
            "redis": {"address": redis.address, "password": redis.password},
        }}, secret_keys=["registry-platform:kubernetes"])
        self.files = mounted_files(self.run)
        self.password = self.run.exports["kubernetesUserPasswords"].value["admin"]
        self.processes: list[RegistryProcess] = []
        for index in range(REPLICAS):
            root = tmp / f"replica-{index}"
            root.mkdir()
            self.processes.append(RegistryProcess(materialise(self.files, root, None), root / "registry.log"))
        self.mounted_config = yaml.safe_load(next(f["content"] for f in self.files if f["file"].endswith("config.yml")))

    @property
    def auth(self) -> str:
        return "Basic " + base64.b64encode(f"admin:{self.password}".encode()).decode()

    def request(self, replica: RegistryProcess, path: str, *, method: str = "GET", body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, dict, bytes]:
        """A request straight to one replica (as a pod IP would be reached); the credentials are not
        sent on to a storage redirect."""
        url = path if path.startswith("http") else replica.base_url + path
        request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
        request.add_unredirected_header("Authorization", self.auth)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers.items()), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers.items()), error.read()

    def api_requests(self, index: int, pattern: re.Pattern = API_REQUEST) -> int:
        return sum(1 for line in self.processes[index].log().splitlines() if pattern.search(line))


@pytest.fixture
def replicas(tmp_path):
    with s3_server(BUCKET) as s3, redis_server(tmp_path, "redis-replicas-password-1") as redis:
        deployed = Replicas(tmp_path, s3, redis)
        try:
            for process in deployed.processes:
                process.start()
            yield deployed
        finally:
            for process in deployed.processes:
                process.kill()


@pytest.fixture
def ingress_certificate():
    return brought_certificate(["localhost", "127.0.0.1"])


@pytest.fixture
def proxy(tmp_path, replicas, ingress_certificate):
    backends = [Backend(f"replica-{i}", p.m.port, p.m.debug_port) for i, p in enumerate(replicas.processes)]
    with haproxy(tmp_path, ingress_certificate.certificate_pem, ingress_certificate.private_key_pem, backends) as started:
        yield started


@pytest.fixture
def cert_dir(tmp_path, ingress_certificate):
    directory = tmp_path / "ingress-ca"
    directory.mkdir()
    (directory / "ca.crt").write_text(ingress_certificate.ca_certificate_pem)
    return directory


@pytest.fixture
def image(tmp_path):
    layout = tmp_path / "image"
    return layout, write_image(layout, TAG, "hello from three replicas")


def push(replicas, proxy, layout, cert_dir):
    return skopeo(
        "copy", f"oci:{layout}:{TAG}", f"docker://{proxy.host}/{REPO}:{TAG}",
        "--dest-creds", f"admin:{replicas.password}", "--dest-cert-dir", str(cert_dir),
    )


def pull(replicas, proxy, out, cert_dir):
    return skopeo(
        "copy", f"docker://{proxy.host}/{REPO}:{TAG}", f"oci:{out}:{TAG}",
        "--src-creds", f"admin:{replicas.password}", "--src-cert-dir", str(cert_dir),
    )


def layer_of(layout: Path) -> tuple[str, bytes]:
    index = json.loads((layout / "index.json").read_text())
    manifest = json.loads((layout / "blobs" / "sha256" / index["manifests"][0]["digest"].split(":")[1]).read_bytes())
    digest = manifest["layers"][0]["digest"]
    return digest, (layout / "blobs" / "sha256" / digest.split(":")[1]).read_bytes()


def test_the_replicas_run_exactly_the_mounted_config_rewritten_only_for_ports_and_paths(replicas):
    mounted = replicas.mounted_config
    assert mounted["http"]["addr"] == ":5000" and mounted["http"]["debug"]["addr"] == "0.0.0.0:5001"
    assert "tls" not in mounted["http"]  # TLS ends at the Ingress
    assert mounted["storage"]["cache"] == {"blobdescriptor": "redis"} and "s3" in mounted["storage"]
    for process in replicas.processes:
        running = json.loads(json.dumps(process.m.config))
        assert running["http"].pop("addr").startswith("127.0.0.1:")
        assert running["http"]["debug"].pop("addr").startswith("127.0.0.1:")
        running["auth"]["htpasswd"].pop("path")
        expected = json.loads(json.dumps(mounted))
        expected["http"].pop("addr")
        expected["http"]["debug"].pop("addr")
        assert expected["auth"]["htpasswd"].pop("path") == "/etc/docker/registry/auth/htpasswd"
        assert running == expected
    secrets = {process.m.config["http"]["secret"] for process in replicas.processes}
    assert len(secrets) == 1 and len(secrets.pop()) == 64


def test_a_push_through_the_proxy_is_served_by_several_replicas_and_every_replica_serves_the_same_image(
    replicas, proxy, cert_dir, image, tmp_path
):
    layout, digest = image
    pushed = push(replicas, proxy, layout, cert_dir)
    assert pushed.returncode == 0, pushed.stderr + "".join(p.log()[-2000:] for p in replicas.processes)

    uploads = [replicas.api_requests(i, UPLOAD_REQUEST) for i in range(REPLICAS)]
    assert sum(1 for count in uploads if count) >= 2, uploads  # blob uploads crossed replicas
    assert all(replicas.api_requests(i) for i in range(REPLICAS)), "round robin skipped a replica"

    layer_digest, layer = layer_of(layout)
    for process in replicas.processes:
        status, headers, body = replicas.request(process, f"/v2/{REPO}/manifests/{TAG}", headers={"Accept": OCI_MANIFEST})
        assert status == 200, body
        assert headers["Docker-Content-Digest"] == digest
        assert "sha256:" + hashlib.sha256(body).hexdigest() == digest
        status, headers, blob = replicas.request(process, f"/v2/{REPO}/blobs/{layer_digest}")
        assert status == 200 and blob == layer

    out = tmp_path / "pulled"
    pulled = pull(replicas, proxy, out, cert_dir)
    assert pulled.returncode == 0, pulled.stderr
    assert layout_digest(out) == digest


def _start_upload(replicas, process) -> str:
    status, headers, body = replicas.request(process, f"/v2/{REPO}/blobs/uploads/", method="POST", body=b"")
    assert status == 202, body
    return headers["Location"]


def _path_of(location: str) -> str:
    return re.sub(r"^https?://[^/]+", "", location)


def test_a_chunked_upload_started_on_one_replica_finishes_on_the_others(replicas):
    first, second, third = replicas.processes
    data = b"layer data in two chunks " * 4000
    half = len(data) // 2
    digest = "sha256:" + hashlib.sha256(data).hexdigest()

    location = _start_upload(replicas, first)
    status, headers, body = replicas.request(
        second, _path_of(location), method="PATCH", body=data[:half],
        headers={"Content-Type": "application/octet-stream", "Content-Range": f"0-{half - 1}"},
    )
    assert status == 202, body
    assert headers["Range"] == f"0-{half - 1}"
    status, headers, body = replicas.request(
        third, _path_of(headers["Location"]), method="PATCH", body=data[half:],
        headers={"Content-Type": "application/octet-stream", "Content-Range": f"{half}-{len(data) - 1}"},
    )
    assert status == 202, body
    separator = "&" if "?" in headers["Location"] else "?"
    status, headers, body = replicas.request(
        first, f"{_path_of(headers['Location'])}{separator}digest={digest}", method="PUT", body=b"",
        headers={"Content-Type": "application/octet-stream"},
    )
    assert status == 201, body
    assert headers["Docker-Content-Digest"] == digest
    for process in replicas.processes:
        assert replicas.request(process, f"/v2/{REPO}/blobs/{digest}", method="HEAD")[0] == 200


def test_an_upload_does_not_continue_on_a_replica_with_another_http_secret(replicas, tmp_path):
    """The control: what a replica without the shared `http.secret` does with the same upload."""
    root = tmp_path / "stray"
    root.mkdir()
    stray = RegistryProcess(materialise(replicas.files, root, None), root / "registry.log")
    stray.m.config["http"]["secret"] = "a-different-secret-" + "x" * 40
    stray.m.config_path.write_text(yaml.safe_dump(stray.m.config, sort_keys=False))
    stray.start()
    try:
        location = _start_upload(replicas, replicas.processes[0])
        status, _, body = replicas.request(
            stray, _path_of(location), method="PATCH", body=b"chunk",
            headers={"Content-Type": "application/octet-stream", "Content-Range": "0-4"},
        )
        assert status in (400, 404), (status, body)
        assert b"BLOB_UPLOAD_INVALID" in body or b"BLOB_UPLOAD_UNKNOWN" in body, body
    finally:
        stray.kill()


PULLS = 6
OVERLAPPING = 2
"""Pulls started before the puller waits for the kill: the first finishes before it, the second runs
across it; the rest start once the replica is dead."""


def test_pulls_through_the_proxy_keep_succeeding_while_a_replica_is_killed(replicas, proxy, cert_dir, image, tmp_path):
    layout, digest = image
    assert push(replicas, proxy, layout, cert_dir).returncode == 0
    results: list[tuple[float, int, str]] = []  # (start, returncode, digest or stderr), in pull order
    first_done = threading.Event()
    killed = threading.Event()

    def keep_pulling():
        for attempt in range(PULLS):
            if attempt == OVERLAPPING and not killed.wait(timeout=60):
                return  # the main thread failed before the kill; it reports that
            out = tmp_path / f"pull-{attempt}"
            started = time.monotonic()
            done = pull(replicas, proxy, out, cert_dir)
            results.append((started, done.returncode, done.stderr if done.returncode else layout_digest(out)))
            first_done.set()

    puller = threading.Thread(target=keep_pulling, daemon=True)
    puller.start()
    try:
        assert first_done.wait(timeout=120), "the first pull did not finish"
        victim = replicas.processes[1]
        victim.kill()
        killed_at = time.monotonic()
        served_before = replicas.api_requests(1)  # after the kill: nothing can be added to it
        # The counters are cumulative: what the survivors had served when the victim died.
        survivors_at_kill = {index: replicas.api_requests(index) for index in (0, 2)}
    finally:
        killed.set()
        puller.join(timeout=600)
    assert not puller.is_alive()
    assert victim.process.returncode is not None and served_before > 0  # it was in rotation, then died
    assert len(results) == PULLS, results
    assert [code for _, code, _ in results] == [0] * PULLS, results
    assert {value for _, _, value in results} == {digest}
    after_kill = [started for started, code, value in results if started > killed_at and code == 0 and value == digest]
    assert after_kill, (killed_at, results)  # at least one whole pull ran with the replica already dead
    assert replicas.api_requests(1) == served_before  # a dead process logs nothing more
    # The survivors served what came after the kill: both counters grew past their value at the kill.
    survivors_after = {index: replicas.api_requests(index) for index in (0, 2)}
    assert all(survivors_after[i] > survivors_at_kill[i] for i in (0, 2)), (survivors_at_kill, survivors_after)
