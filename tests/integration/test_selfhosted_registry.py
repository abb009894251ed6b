"""The self-hosted registry, proven against a real registry process.

The stack program runs under mocks whose TLS and random outputs are real; the files the container
would receive (config.yml, certificate, key, htpasswd) start Debian's `docker-registry serve` on a
loopback port; skopeo and plain HTTPS (always verifying against the generated CA) drive it.
"""

from __future__ import annotations

import json
import ssl
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support.certs import brought_certificate
from tests.support.harness import run_program
from tests.support.oci import layout_digest, skopeo, write_image
from tests.support.registry_process import RegistryProcess, materialise

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("registry_tools")]

CONTAINER = "docker:index/container:Container"
REPO = "platform/hello"
TAG = "1.0"


class Deployed:
    """One run of the stack program turned into a running registry."""

    def __init__(self, config: dict, tmp: Path, secret_keys: list[str] | None = None):
        self.run = run_program(config, secret_keys=secret_keys)
        uploads = self.run.one(CONTAINER, "self-hosted-container").inputs["uploads"]
        public = self.run.exports["registries"].value["selfHosted"]
        self.passwords = self.run.exports.get("selfHostedUserPasswords")
        self.passwords = self.passwords.value if self.passwords else {}
        self.m = materialise(uploads, tmp, public["caCertificatePem"])
        self.registry = RegistryProcess(self.m, tmp / "registry.log")
        self.host = f"127.0.0.1:{self.m.port}"
        self.tmp = tmp

    def creds(self, user: str) -> str:
        return f"{user}:{self.passwords[user]}"

    def push(self, layout: Path, reference: str, creds: str, host: str | None = None) -> subprocess.CompletedProcess:
        digest_file = self.tmp / "pushed.digest"
        return skopeo(
            "copy", "--digestfile", str(digest_file), f"oci:{layout}:{TAG}", f"docker://{host or self.host}/{reference}",
            "--dest-creds", creds, "--dest-cert-dir", str(self.m.ca_dir),
        )

    def pull(self, reference: str, out: Path, creds: str) -> subprocess.CompletedProcess:
        return skopeo(
            "copy", f"docker://{self.host}/{reference}", f"oci:{out}:{TAG}",
            "--src-creds", creds, "--src-cert-dir", str(self.m.ca_dir),
        )


@pytest.fixture
def deployed(tmp_path):
    deployment = Deployed({"selfHosted": {"users": [{"name": "admin"}, {"name": "ci"}]}}, tmp_path)
    deployment.registry.start()
    yield deployment
    deployment.registry.kill()


@pytest.fixture
def image(tmp_path) -> tuple[Path, str]:
    layout = tmp_path / "image"
    return layout, write_image(layout, TAG, "hello from registry-platform")


def test_push_and_pull_with_a_generated_password_over_verified_tls(deployed, image, tmp_path):
    layout, digest = image
    pushed = deployed.push(layout, f"{REPO}:{TAG}", deployed.creds("ci"))
    assert pushed.returncode == 0, pushed.stderr
    assert (tmp_path / "pushed.digest").read_text().strip() == digest

    out = tmp_path / "pulled"
    pulled = deployed.pull(f"{REPO}:{TAG}", out, deployed.creds("admin"))
    assert pulled.returncode == 0, pulled.stderr
    assert layout_digest(out) == digest

    status, headers, _ = deployed.registry.request(
        f"/v2/{REPO}/manifests/{TAG}", auth=("admin", deployed.passwords["admin"]), method="HEAD",
        headers={"Accept": "application/vnd.oci.image.manifest.v1+json"},
    )
    assert status == 200 and headers["Docker-Content-Digest"] == digest


def test_credentials_are_required_and_checked(deployed, image):
    status, headers, _ = deployed.registry.request("/v2/")
    assert status == 401
    assert headers["Www-Authenticate"] == 'Basic realm="registry-platform"'
    assert deployed.registry.request("/v2/", auth=("admin", "wrong-password"))[0] == 401
    assert deployed.registry.request("/v2/", auth=("nobody", deployed.passwords["admin"]))[0] == 401
    assert deployed.registry.request("/v2/", auth=("admin", deployed.passwords["admin"]))[0] == 200

    layout, _ = image
    refused = deployed.push(layout, f"{REPO}:{TAG}", "ci:wrong-password")
    assert refused.returncode != 0
    assert "401" in refused.stderr or "unauthorized" in refused.stderr.lower()


def test_tls_is_verified_against_the_generated_ca(deployed):
    url = f"https://127.0.0.1:{deployed.m.port}/v2/"
    with pytest.raises(urllib.error.URLError) as caught:
        urllib.request.urlopen(url, context=ssl.create_default_context(), timeout=10)
    assert isinstance(caught.value.reason, ssl.SSLCertVerificationError)

    # Plain HTTP to the TLS port is refused by the registry.
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{deployed.m.port}/v2/", timeout=10) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    assert status == 400


def _tls12_only_client(deployment: "Deployed") -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(deployment.m.ca_dir / "ca.crt"))
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    return context


def test_minimum_tls_version_is_enforced(deployed, tmp_path):
    url = f"https://127.0.0.1:{deployed.m.port}/v2/"
    with pytest.raises(urllib.error.HTTPError) as answered:  # the default accepts TLS 1.2 (then asks for auth)
        urllib.request.urlopen(url, context=_tls12_only_client(deployed), timeout=10)
    assert answered.value.code == 401

    strict = start(tmp_path / "tls13", {"users": [{"name": "admin"}], "tls": {"minimumVersion": "tls1.3"}})
    try:
        url = f"https://127.0.0.1:{strict.m.port}/v2/"
        with pytest.raises(urllib.error.URLError) as refused:
            urllib.request.urlopen(url, context=_tls12_only_client(strict), timeout=10)
        assert isinstance(refused.value.reason, ssl.SSLError)
    finally:
        strict.registry.kill()


def test_catalog_and_tag_list(deployed, image, tmp_path):
    layout, _ = image
    for reference in (f"{REPO}:{TAG}", f"{REPO}:stable", "platform/other:1.0"):
        assert deployed.push(layout, reference, deployed.creds("admin")).returncode == 0
    admin = ("admin", deployed.passwords["admin"])
    status, headers, body = deployed.registry.request("/v2/_catalog", auth=admin)
    assert status == 200 and json.loads(body) == {"repositories": ["platform/hello", "platform/other"]}
    assert headers["X-Content-Type-Options"] == "nosniff"
    status, _, body = deployed.registry.request(f"/v2/{REPO}/tags/list", auth=admin)
    assert status == 200
    listing = json.loads(body)
    assert listing["name"] == REPO and sorted(listing["tags"]) == ["1.0", "stable"]


def test_image_survives_a_killed_and_restarted_registry(deployed, image, tmp_path):
    layout, digest = image
    assert deployed.push(layout, f"{REPO}:{TAG}", deployed.creds("ci")).returncode == 0
    deployed.registry.kill()
    deployed.registry.start()
    out = tmp_path / "after-restart"
    pulled = deployed.pull(f"{REPO}:{TAG}", out, deployed.creds("ci"))
    assert pulled.returncode == 0, pulled.stderr
    assert layout_digest(out) == digest


def test_health_endpoint_used_by_the_container_healthcheck(deployed):
    url = f"http://127.0.0.1:{deployed.m.debug_port}/debug/health"
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"http://127.0.0.1:{deployed.m.debug_port}/metrics", timeout=5)
    assert caught.value.code == 404


def start(tmp: Path, self_hosted: dict, secret_keys: list[str] | None = None) -> "Deployed":
    tmp.mkdir()
    deployment = Deployed({"selfHosted": self_hosted}, tmp, secret_keys)
    deployment.registry.start()
    return deployment


def test_metrics_and_delete_when_enabled(tmp_path, image):
    deployment = start(
        tmp_path / "reg", {"users": [{"name": "admin"}], "debug": {"prometheus": True}, "storage": {"deleteEnabled": True}}
    )
    try:
        layout, digest = image
        assert deployment.push(layout, f"{REPO}:{TAG}", deployment.creds("admin")).returncode == 0
        with urllib.request.urlopen(f"http://127.0.0.1:{deployment.m.debug_port}/metrics", timeout=5) as response:
            assert b"registry_" in response.read()
        admin = ("admin", deployment.passwords["admin"])
        status, _, _ = deployment.registry.request(f"/v2/{REPO}/manifests/{digest}", auth=admin, method="DELETE")
        assert status == 202
        status, _, _ = deployment.registry.request(f"/v2/{REPO}/manifests/{digest}", auth=admin, method="HEAD")
        assert status == 404
    finally:
        deployment.registry.kill()


def test_read_only_maintenance_switch_refuses_pushes(tmp_path, image):
    deployment = start(tmp_path / "ro", {"users": [{"name": "admin"}], "storage": {"readOnly": True}})
    try:
        refused = deployment.push(image[0], f"{REPO}:{TAG}", deployment.creds("admin"))
        assert refused.returncode != 0
        assert "405" in refused.stderr or "unsupported" in refused.stderr.lower(), refused.stderr
        admin = ("admin", deployment.passwords["admin"])
        assert deployment.registry.request("/v2/_catalog", auth=admin)[0] == 200
    finally:
        deployment.registry.kill()


def test_delete_is_refused_by_default(deployed, image):
    layout, digest = image
    assert deployed.push(layout, f"{REPO}:{TAG}", deployed.creds("admin")).returncode == 0
    admin = ("admin", deployed.passwords["admin"])
    status, _, _ = deployed.registry.request(f"/v2/{REPO}/manifests/{digest}", auth=admin, method="DELETE")
    assert status == 405


def test_the_localhost_name_of_the_dev_stack_verifies(deployed, image):
    """The dev stack's login server is localhost:5000: the DNS SAN, not only the IP, must verify."""
    layout, _ = image
    pushed = deployed.push(layout, f"{REPO}:{TAG}", deployed.creds("ci"), host=f"localhost:{deployed.m.port}")
    assert pushed.returncode == 0, pushed.stderr


def test_rsa_keys_serve_tls(tmp_path, image):
    deployment = start(tmp_path / "rsa", {"users": [{"name": "admin"}], "tls": {"keyAlgorithm": "RSA", "rsaBits": 2048}})
    try:
        assert deployment.push(image[0], f"{REPO}:{TAG}", deployment.creds("admin")).returncode == 0
    finally:
        deployment.registry.kill()


def test_a_brought_certificate_serves_tls(tmp_path, image):
    brought = brought_certificate(["registry.test", "127.0.0.1"])
    deployment = start(
        tmp_path / "provided",
        {"users": [{"name": "admin", "password": "brought-cert-password-1"}], "host": "registry.test",
         "tls": {"mode": "provided", "certificatePem": brought.certificate_pem,
                 "privateKeyPem": brought.private_key_pem, "caCertificatePem": brought.ca_certificate_pem}},
        secret_keys=["registry-platform:selfHosted"],
    )
    try:
        assert (deployment.m.ca_dir / "ca.crt").read_text() == brought.ca_certificate_pem
        pushed = deployment.push(image[0], f"{REPO}:{TAG}", "admin:brought-cert-password-1")
        assert pushed.returncode == 0, pushed.stderr
    finally:
        deployment.registry.kill()


def test_cors_and_security_headers(tmp_path):
    deployment = start(tmp_path / "cors", {
        "users": [{"name": "admin"}],
        "http": {"cors": {"allowOrigin": "https://ui.example.com"}, "headers": {"X-Frame-Options": ["DENY"]}},
    })
    try:
        admin = ("admin", deployment.passwords["admin"])
        status, headers, _ = deployment.registry.request(
            "/v2/_catalog", auth=admin, headers={"Origin": "https://ui.example.com"})
        assert status == 200
        assert headers.get_all("Access-Control-Allow-Origin") == ["https://ui.example.com"]
        assert headers["Access-Control-Allow-Credentials"] == "true"
        assert headers["Access-Control-Expose-Headers"] == "Docker-Content-Digest"
        assert headers.get_all("X-Content-Type-Options") == ["nosniff"]
        assert headers["X-Frame-Options"] == "DENY"
        # Known limit of registry 2.8 with htpasswd: an unauthenticated CORS preflight gets 401.
        status, _, _ = deployment.registry.request("/v2/_catalog", method="OPTIONS",
                                                   headers={"Origin": "https://ui.example.com"})
        assert status == 401
    finally:
        deployment.registry.kill()
