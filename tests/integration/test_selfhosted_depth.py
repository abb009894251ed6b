"""The self-hosted registry in depth (issue 10), proven against a real registry process: S3 storage
(moto on loopback), the Redis blob-descriptor cache (redis-server on loopback), notifications (a
loopback webhook) and token auth (tokens signed with the generated key).

As in test_selfhosted_registry.py, the stack program runs under mocks with real TLS and random
values, and the files the container would receive start Debian's `docker-registry serve`.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.integration.test_selfhosted_registry import REPO, TAG, Deployed
from tests.support.oci import layout_digest, skopeo, write_image
from tests.support.services import S3_KEYS, EventReceiver, redis_server, s3_server
from tests.support.tokens import sign_token

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("registry_tools", "service_tools")]

CONTAINER = "docker:index/container:Container"
SECRET = ["registry-platform:selfHosted"]
ADMIN = [{"name": "admin"}]


@pytest.fixture
def image(tmp_path):
    layout = tmp_path / "image"
    return layout, write_image(layout, TAG, "hello from registry-platform, in depth")


def deploy(tmp_path, self_hosted: dict) -> Deployed:
    deployment = Deployed({"selfHosted": self_hosted}, tmp_path, secret_keys=SECRET)
    deployment.registry.start()
    return deployment


def layer_digest(layout) -> str:
    index = json.loads((layout / "index.json").read_text())
    manifest_digest = index["manifests"][0]["digest"].split(":")[1]
    manifest = json.loads((layout / "blobs" / "sha256" / manifest_digest).read_bytes())
    return manifest["layers"][0]["digest"]


# Storage: S3


def test_s3_storage_push_and_pull_with_blobs_in_the_bucket(tmp_path, image):
    layout, digest = image
    with s3_server("registry-data") as s3:
        deployment = deploy(tmp_path, {
            "users": ADMIN,
            "storage": {"s3": {
                "bucket": "registry-data", "region": "us-east-1", "regionEndpoint": s3.endpoint,
                "accessKey": S3_KEYS[0], "secretKey": S3_KEYS[1], "rootDirectory": "/registry",
                "chunkSize": 5 * 1024 * 1024,
            }},
        })
        try:
            assert "filesystem" not in deployment.m.config["storage"]
            assert not deployment.run.of_type("docker:index/volume:Volume")
            pushed = deployment.push(layout, f"{REPO}:{TAG}", deployment.creds("admin"))
            assert pushed.returncode == 0, pushed.stderr + deployment.registry.log()[-3000:]
            out = tmp_path / "pulled"
            pulled = deployment.pull(f"{REPO}:{TAG}", out, deployment.creds("admin"))
            assert pulled.returncode == 0, pulled.stderr
            assert layout_digest(out) == digest
        finally:
            deployment.registry.kill()
        keys = {item["Key"] for item in s3.client.list_objects_v2(Bucket="registry-data").get("Contents", [])}
        layer = layer_digest(layout).split(":")[1]
        assert f"registry/docker/registry/v2/blobs/sha256/{layer[:2]}/{layer}/data" in keys
        assert f"registry/docker/registry/v2/blobs/sha256/{digest.split(':')[1][:2]}/{digest.split(':')[1]}/data" in keys
        assert any(key.startswith(f"registry/docker/registry/v2/repositories/{REPO}/_manifests/tags/{TAG}/") for key in keys)


# Redis blob-descriptor cache


def test_redis_blob_descriptor_cache_serves_push_and_pull_and_fills_redis(tmp_path, image):
    layout, digest = image
    with redis_server(tmp_path, "redis-test-password-1") as redis:
        deployment = deploy(tmp_path, {
            "users": ADMIN,
            "redis": {"address": redis.address, "password": redis.password, "pool": {"maxIdle": 2}},
        })
        try:
            assert deployment.m.config["storage"]["cache"] == {"blobdescriptor": "redis"}
            pushed = deployment.push(layout, f"{REPO}:{TAG}", deployment.creds("admin"))
            assert pushed.returncode == 0, pushed.stderr + deployment.registry.log()[-3000:]
            out = tmp_path / "pulled"
            pulled = deployment.pull(f"{REPO}:{TAG}", out, deployment.creds("admin"))
            assert pulled.returncode == 0, pulled.stderr
            assert layout_digest(out) == digest
            keys = {key.decode() for key in redis.client.keys("*")}
            layer = layer_digest(layout)
            assert f"blobs::{layer}" in keys, keys
            assert f"repository::{REPO}::blobs" in keys, keys
        finally:
            deployment.registry.kill()


# Notifications


def test_a_push_is_delivered_to_the_webhook_with_its_auth_header(tmp_path, image):
    layout, digest = image
    with EventReceiver() as receiver:
        deployment = deploy(tmp_path, {
            "users": ADMIN,
            "notifications": {"endpoints": [{
                "name": "audit", "url": receiver.url, "timeout": "2s", "threshold": 3, "backoff": "1s",
                "headers": {"X-Source": ["registry-platform"]},
                "authHeader": {"value": "Bearer webhook-secret-1"},
                "ignoredMediaTypes": ["application/octet-stream"],
                "ignoreActions": ["pull"],
            }]},
        })
        try:
            assert deployment.push(layout, f"{REPO}:{TAG}", deployment.creds("admin")).returncode == 0
            request, event = receiver.wait_for(
                lambda e: e.get("action") == "push" and e["target"].get("tag") == TAG
            )
            assert event["target"]["repository"] == REPO and event["target"]["digest"] == digest
            assert request.headers["Authorization"] == "Bearer webhook-secret-1"
            assert request.headers["X-Source"] == "registry-platform"
            assert request.headers["Content-Type"].startswith("application/vnd.docker.distribution.events.v1+json")
            assert deployment.pull(f"{REPO}:{TAG}", tmp_path / "pulled", deployment.creds("admin")).returncode == 0
            time.sleep(2)  # pulls are ignored: nothing arrives for them
            assert {e["action"] for _, e in receiver.events()} == {"push"}
        finally:
            deployment.registry.kill()


# Token auth


class TokenDeployment:
    ISSUER, SERVICE = "test-issuer", "test-registry"

    def __init__(self, tmp_path):
        self.d = deploy(tmp_path, {
            "auth": "token",
            "users": [{"name": "admin", "role": "admin"}, {"name": "dev", "role": "developer"},
                      {"name": "reader", "role": "readonly"}],
            "token": {"issuer": self.ISSUER, "service": self.SERVICE, "keyBits": 2048},
        })
        auth = self.d.run.one(CONTAINER, "self-hosted-auth-container").inputs["uploads"]
        self.signing_key = next(u["content"] for u in auth if u["file"].endswith("signing.key"))

    def token(self, actions: list[str], repository: str = REPO, key: str | None = None, **kw) -> str:
        return sign_token(
            key or self.signing_key, issuer=kw.pop("issuer", self.ISSUER), audience=kw.pop("audience", self.SERVICE),
            subject="ci", access=[{"type": "repository", "name": repository, "actions": actions}], **kw,
        )

    def status(self, path: str, token: str, method: str = "GET") -> int:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/vnd.oci.image.manifest.v1+json"}
        return self.d.registry.request(path, method=method, headers=headers)[0]

    def push(self, layout, token: str):
        return skopeo("copy", f"oci:{layout}:{TAG}", f"docker://{self.d.host}/{REPO}:{TAG}",
                      "--dest-registry-token", token, "--dest-cert-dir", str(self.d.m.ca_dir))

    def pull(self, out, token: str):
        return skopeo("copy", f"docker://{self.d.host}/{REPO}:{TAG}", f"oci:{out}:{TAG}",
                      "--src-registry-token", token, "--src-cert-dir", str(self.d.m.ca_dir))


@pytest.fixture
def token_registry(tmp_path):
    deployment = TokenDeployment(tmp_path)
    yield deployment
    deployment.d.registry.kill()


def test_token_auth_challenges_with_the_realm_and_service(token_registry):
    status, headers, _ = token_registry.d.registry.request("/v2/")
    assert status == 401
    assert headers["Www-Authenticate"] == (
        'Bearer realm="https://localhost:5001/auth",service="test-registry"'
    )


def test_tokens_grant_exactly_their_scope(token_registry, image, tmp_path):
    layout, digest = image
    pull_only = token_registry.token(["pull"])
    refused = token_registry.push(layout, pull_only)
    assert refused.returncode != 0
    assert token_registry.status(f"/v2/{REPO}/blobs/uploads/", pull_only, method="POST") == 401

    push = token_registry.token(["pull", "push"])
    pushed = token_registry.push(layout, push)
    assert pushed.returncode == 0, pushed.stderr + token_registry.d.registry.log()[-3000:]

    out = tmp_path / "pulled"
    pulled = token_registry.pull(out, pull_only)
    assert pulled.returncode == 0, pulled.stderr
    assert layout_digest(out) == digest
    assert token_registry.status(f"/v2/{REPO}/manifests/{TAG}", pull_only) == 200
    # A token for another repository reads nothing here, and nobody deletes without the delete action.
    assert token_registry.status(f"/v2/{REPO}/manifests/{TAG}", token_registry.token(["pull"], "platform/other")) == 401
    assert token_registry.status("/v2/_catalog", push) == 401


def test_tokens_from_another_key_expired_or_for_another_audience_are_refused(token_registry):
    assert token_registry.status(f"/v2/{REPO}/tags/list", token_registry.token(["pull"])) in (200, 404)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    assert token_registry.status(f"/v2/{REPO}/tags/list", token_registry.token(["pull"], key=other)) == 401
    expired = token_registry.token(["pull"], issued_at=time.time() - 3600, lifetime=60)
    assert token_registry.status(f"/v2/{REPO}/tags/list", expired) == 401
    assert token_registry.status(f"/v2/{REPO}/tags/list", token_registry.token(["pull"], audience="elsewhere")) == 401
    assert token_registry.status(f"/v2/{REPO}/tags/list", token_registry.token(["pull"], issuer="someone")) == 401


def test_the_signing_key_id_is_the_one_the_registry_trusts(token_registry):
    """The key id in the outputs is the libtrust id of the certificate in the registry's rootcertbundle."""
    from cryptography import x509

    from registry_platform.selfhosted.token_server import libtrust_key_id

    bundle = token_registry.d.m.config["auth"]["token"]["rootcertbundle"]
    certificate = x509.load_pem_x509_certificate(open(bundle, "rb").read())
    exported = token_registry.d.run.exports["selfHosted"].value["tokenAuth"]
    assert exported["signingKeyId"] == libtrust_key_id(certificate.public_key())
    header = json.loads(base64.urlsafe_b64decode(token_registry.token(["pull"]).split(".")[0] + "=="))
    assert header["kid"] == exported["signingKeyId"]


def test_registry_2_8_ignores_redis_tls_which_is_why_the_setting_is_refused(tmp_path):
    """Evidence for refusing `redis.tls: true`: with `redis.tls.enabled`, 2.8.2 still speaks plain RESP."""
    import socket
    import subprocess
    import threading

    from tests.support.registry_process import REGISTRY_BINARY, container_environment, free_port

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(10)
    port = free_port()
    config = tmp_path / "config.yml"
    config.write_text(
        "version: 0.1\nstorage: {inmemory: {}, cache: {blobdescriptor: redis}}\n"
        f"redis: {{addr: '127.0.0.1:{listener.getsockname()[1]}', dialtimeout: 2s, readtimeout: 2s, tls: {{enabled: true}}}}\n"
        f"http: {{addr: '127.0.0.1:{port}', secret: test}}\n"
    )
    process = subprocess.Popen([REGISTRY_BINARY, "serve", str(config)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env=container_environment())

    def ask_for_a_blob():  # a blob lookup goes through the descriptor cache, which dials Redis
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(urllib.request.Request(
                    f"http://127.0.0.1:{port}/v2/a/b/blobs/sha256:{'0' * 64}", method="HEAD"), timeout=5)
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.1)

    asker = threading.Thread(target=ask_for_a_blob, daemon=True)
    asker.start()
    try:
        connection, _ = listener.accept()
        with connection:
            connection.settimeout(5)
            first = connection.recv(1)
        assert first == b"*", f"expected a plain RESP command, got {first!r} (0x16 would be a TLS handshake)"
    finally:
        process.kill()
        process.wait(timeout=10)
        listener.close()
        asker.join(timeout=10)
