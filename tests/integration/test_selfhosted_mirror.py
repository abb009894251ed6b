"""The self-hosted pull-through mirror, proven against real registry processes.

One run of the stack program (mocks with real TLS and random outputs) declares the private registry
(`auth: none`, TLS from the generated CA) and a mirror of it (`pullThroughCaches`, target selfHosted,
one pull user). Both start as `docker-registry serve` from the files their containers would receive:
the registry is the upstream, populated with skopeo; the mirror trusts the upstream's CA through
`SSL_CERT_FILE`, as the container would trust it through its system store. Only listen addresses are
relocated (as for the registry's own tests); the mirror's `proxy.remoteurl` is used as rendered.

Shown: a pull through the mirror returns the upstream's digest; the blobs are then stored in the
mirror's storage; with the upstream stopped, the cached image still pulls by digest; a push to the
mirror is refused; a mirror started while its upstream is down exits (hence the restart policy).
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from tests.support.harness import run_program
from tests.support.oci import layout_digest, skopeo, write_image
from tests.support.registry_process import RegistryProcess, free_port, materialise

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("registry_tools")]

CONTAINER = "docker:index/container:Container"
REPO = "platform/hello"
TAG = "1.0"


class TrustingProcess(RegistryProcess):
    """A registry process whose outgoing TLS (the proxy's upstream) trusts one extra CA file."""

    def __init__(self, materialised, log_path: Path, ca_file: Path):
        super().__init__(materialised, log_path)
        self.ca_file = ca_file

    def start(self, timeout: float = 20.0) -> None:
        saved = os.environ.get("SSL_CERT_FILE")
        os.environ["SSL_CERT_FILE"] = str(self.ca_file)
        try:
            super().start(timeout)
        finally:
            if saved is None:
                os.environ.pop("SSL_CERT_FILE", None)
            else:
                os.environ["SSL_CERT_FILE"] = saved


def _uploads(run, name: str) -> list[dict]:
    return next(r for r in run.of_type(CONTAINER) if r.name == name).inputs["uploads"]


class MirrorDeployment:
    def __init__(self, tmp: Path):
        self.upstream_port = free_port()
        config = {
            "selfHosted": {"auth": "none"},
            "pullThroughCaches": [
                {
                    "name": "private",
                    "upstream": f"https://127.0.0.1:{self.upstream_port}",
                    "selfHosted": {"port": 5001, "users": [{"name": "puller"}]},
                }
            ],
        }
        self.run = run_program(config)
        ca = self.run.exports["registries"].value["selfHosted"]["caCertificatePem"]
        self.cache = self.run.exports["pullThroughCaches"].value["private"]["selfHosted"]
        self.password = self.run.exports["pullThroughCacheUserPasswords"].value["private"]["puller"]

        upstream = materialise(_uploads(self.run, "self-hosted-container"), tmp / "upstream", ca)
        upstream.config["http"]["addr"] = f"127.0.0.1:{self.upstream_port}"
        upstream.config_path.write_text(yaml.safe_dump(upstream.config, sort_keys=False))
        upstream.port = self.upstream_port
        self.upstream = RegistryProcess(upstream, tmp / "upstream.log")

        mirror = materialise(_uploads(self.run, "mirror-private-container"), tmp / "mirror", ca)
        self.mirror_config = mirror.config
        self.mirror = TrustingProcess(mirror, tmp / "mirror.log", upstream.ca_dir / "ca.crt")
        self.tmp = tmp

    @property
    def mirror_host(self) -> str:
        return f"127.0.0.1:{self.mirror.m.port}"

    def pull_from_mirror(self, reference: str, out: Path, creds: str | None = None) -> subprocess.CompletedProcess:
        return skopeo(
            "copy", f"docker://{self.mirror_host}/{reference}", f"oci:{out}:{TAG}",
            "--src-creds", creds or f"puller:{self.password}", "--src-cert-dir", str(self.mirror.m.ca_dir),
        )


@pytest.fixture
def deployment(tmp_path):
    for directory in ("upstream", "mirror"):
        (tmp_path / directory).mkdir()
    deployed = MirrorDeployment(tmp_path)
    yield deployed
    deployed.mirror.kill()
    deployed.upstream.kill()


def test_the_rendered_mirror_proxies_the_configured_upstream_with_delete_on(deployment):
    config = deployment.mirror_config
    assert config["proxy"] == {"remoteurl": f"https://127.0.0.1:{deployment.upstream_port}"}
    assert config["storage"]["delete"] == {"enabled": True}
    assert "htpasswd" in config["auth"] and "tls" in config["http"]
    assert deployment.cache["pullPrefix"] == "localhost:5001"


def test_pull_through_the_mirror_then_without_the_upstream(deployment, tmp_path):
    layout = tmp_path / "image"
    digest = write_image(layout, TAG, "cached by registry-platform")
    deployment.upstream.start()
    pushed = skopeo(
        "copy", f"oci:{layout}:{TAG}", f"docker://127.0.0.1:{deployment.upstream_port}/{REPO}:{TAG}",
        "--dest-cert-dir", str(deployment.upstream.m.ca_dir),
    )
    assert pushed.returncode == 0, pushed.stderr
    deployment.mirror.start()

    # Login is required on the mirror (pull users), and checked.
    assert deployment.mirror.request("/v2/")[0] == 401
    assert deployment.mirror.request("/v2/", auth=("puller", deployment.password))[0] == 200
    refused = deployment.pull_from_mirror(f"{REPO}:{TAG}", tmp_path / "refused", creds="puller:wrong-password")
    assert refused.returncode != 0

    # A pull through the mirror returns the upstream's digest...
    first = tmp_path / "first"
    pulled = deployment.pull_from_mirror(f"{REPO}:{TAG}", first)
    assert pulled.returncode == 0, pulled.stderr + deployment.mirror.log()
    assert layout_digest(first) == digest

    # ...and the blobs are then stored in the mirror's own storage.
    blobs = Path(deployment.mirror.m.config["storage"]["filesystem"]["rootdirectory"]) / "docker/registry/v2/blobs/sha256"
    every_blob = {p.name for p in (layout / "blobs" / "sha256").iterdir()}  # manifest, config, layer
    deadline = time.monotonic() + 10  # the proxy commits a blob once it has streamed it to the client
    while not every_blob <= (stored := {p.parent.name for p in blobs.glob("*/*/data")}) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert every_blob <= stored, (every_blob - stored, deployment.mirror.log()[-2000:])

    # With the upstream stopped, the cached image still pulls by digest.
    deployment.upstream.kill()
    second = tmp_path / "second"
    again = skopeo(
        "copy", f"docker://{deployment.mirror_host}/{REPO}@{digest}", f"oci:{second}:{TAG}",
        "--src-creds", f"puller:{deployment.password}", "--src-cert-dir", str(deployment.mirror.m.ca_dir),
    )
    assert again.returncode == 0, again.stderr
    assert layout_digest(second) == digest

    # A push to the mirror is refused, even with valid credentials.
    push = skopeo(
        "copy", f"oci:{layout}:{TAG}", f"docker://{deployment.mirror_host}/{REPO}:pushed",
        "--dest-creds", f"puller:{deployment.password}", "--dest-cert-dir", str(deployment.mirror.m.ca_dir),
    )
    assert push.returncode != 0
    assert "405" in push.stderr or "unsupported" in push.stderr.lower(), push.stderr


def test_a_mirror_started_while_its_upstream_is_down_exits(deployment):
    # The documented caveat: registry:2 in proxy mode panics at start without its upstream, so the
    # container relies on its restart policy (unless-stopped by default) to come back.
    with pytest.raises(RuntimeError, match="exited"):
        deployment.mirror.start(timeout=15)
