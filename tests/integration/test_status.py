"""`python -m registry_platform status`, run for real against registry processes started here.

Each registry is the self-hosted component as deployed: the stack program runs under mocks (real
keys, certificates and passwords), the container's uploads start Debian's `docker-registry serve`
on loopback at the port the stack config names, and the stack outputs are written to a file as
`pulumi stack output --json --show-secrets` prints them. `status` then runs as a subprocess.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.support.harness import ROOT, run_program
from tests.support.oci import skopeo, write_image
from tests.support.registry_process import RegistryProcess, free_port, materialise

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("registry_tools")]

CONTAINER = "docker:index/container:Container"
HOST = "127.0.0.1"


class Deployed:
    """A stack run, its registry process on the configured ports, and its outputs file."""

    def __init__(self, tmp: Path, self_hosted: dict, secret_keys: list[str] | None = None):
        tmp.mkdir(parents=True, exist_ok=True)
        self.port, self.debug_port = free_port(), free_port()
        config = {
            "host": HOST, "port": self.port, "users": [{"name": "ci"}, {"name": "admin"}],
            "debug": {"publish": True, "hostPort": self.debug_port, "prometheus": True},
            **self_hosted,
        }
        self.run = run_program({"selfHosted": config}, secret_keys=secret_keys)
        self.outputs = {name: export.value for name, export in self.run.exports.items()}
        uploads = self.run.one(CONTAINER).inputs["uploads"]
        self.m = materialise(uploads, tmp, self.outputs["registries"]["selfHosted"]["caCertificatePem"])
        # The host ports the container would publish; the process listens on them directly.
        self.m.config["http"]["addr"] = f"{HOST}:{self.port}"
        self.m.config["http"]["debug"]["addr"] = f"{HOST}:{self.debug_port}"
        self.m.config_path.write_text(yaml.safe_dump(self.m.config, sort_keys=False))
        self.m.port, self.m.debug_port = self.port, self.debug_port
        self.registry = RegistryProcess(self.m, tmp / "registry.log")
        self.tmp = tmp

    @property
    def passwords(self) -> dict[str, str]:
        return self.outputs["selfHostedUserPasswords"]

    def write_outputs(self, outputs: dict | None = None) -> Path:
        path = self.tmp / "outputs.json"
        path.write_text(json.dumps(outputs or self.outputs))
        return path

    def push(self, reference: str) -> None:
        layout = self.tmp / "image"
        if not layout.exists():
            write_image(layout, "1.0", "hello from status")
        pushed = skopeo("copy", f"oci:{layout}:1.0", f"docker://{HOST}:{self.port}/{reference}",
                        "--dest-creds", f"ci:{self.passwords['ci']}", "--dest-cert-dir", str(self.m.ca_dir))
        assert pushed.returncode == 0, pushed.stderr


@pytest.fixture
def deployed(tmp_path):
    deployment = Deployed(tmp_path / "healthy", {})
    deployment.registry.start()
    yield deployment
    deployment.registry.kill()


def status(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "components"), "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "registry_platform", "status", *args, "--timeout", "5"],
        capture_output=True, text=True, timeout=120, env=env, cwd=ROOT,
    )


def report(outputs: Path) -> tuple[subprocess.CompletedProcess, dict]:
    result = status("--outputs", str(outputs), "--json")
    return result, json.loads(result.stdout)


def statuses(parsed: dict, key: str = "selfHosted") -> dict[str, str]:
    return {name: check["status"] for name, check in parsed["registries"][key]["checks"].items()}


def assert_no_secret(result: subprocess.CompletedProcess, deployment: Deployed) -> None:
    for password in deployment.passwords.values():
        assert password not in result.stdout and password not in result.stderr


def test_a_healthy_registry_passes_every_check(deployed):
    deployed.push("platform/api:1.0")
    deployed.push("platform/worker:1.0")
    outputs = deployed.write_outputs()

    result, parsed = report(outputs)
    assert result.returncode == 0, result.stdout + result.stderr
    assert parsed["ok"] is True and parsed["failed"] == []
    checks = parsed["registries"]["selfHosted"]["checks"]
    assert statuses(parsed) == {name: "ok" for name in ("reachable", "certificate", "api", "credentials", "catalog", "health", "metrics")}
    assert "verified with the stack's CA" in checks["reachable"]["detail"]
    assert checks["certificate"]["value"] in (364, 365)  # the generated certificate: 8760 hours
    assert checks["api"]["value"] == 401
    assert checks["credentials"]["detail"] == "user ci accepted"
    assert checks["catalog"]["value"] == 2
    assert checks["metrics"]["value"] > 0
    assert_no_secret(result, deployed)

    table = status("--outputs", str(outputs))
    assert table.returncode == 0, table.stdout + table.stderr
    assert "selfHosted" in table.stdout and "2 repositories" in table.stdout and "user ci accepted" in table.stdout
    assert "all 1 registry healthy" in table.stdout and "FAIL" not in table.stdout
    assert_no_secret(table, deployed)


def test_a_registry_logged_in_to_by_identity_is_reported_not_checked(deployed):
    """An ECR-like entry (no password, a credential helper) next to the self-hosted one."""
    outputs = json.loads(json.dumps(deployed.outputs))
    identity = {**outputs["registries"]["selfHosted"], "kind": "ecr", "username": "AWS", "credentialHelper": "ecr-login"}
    outputs["registries"]["byIdentity"] = identity
    outputs["registryCredentials"]["byIdentity"] = {"password": None, "dockerConfigJson": "{}"}
    result, parsed = report(deployed.write_outputs(outputs))
    assert result.returncode == 0, result.stdout + result.stderr
    checks = parsed["registries"]["byIdentity"]["checks"]
    assert checks["credentials"] == {"status": "skip", "detail": "login by identity (credential helper ecr-login); not checked", "value": None}
    assert checks["catalog"]["status"] == "skip" and statuses(parsed, "byIdentity")["reachable"] == "ok"


def test_a_wrong_password_fails_the_credentials_check(deployed):
    outputs = json.loads(json.dumps(deployed.outputs))
    outputs["registryCredentials"]["selfHosted"]["password"] = "not-the-password-of-ci"
    path = deployed.write_outputs(outputs)

    result, parsed = report(path)
    assert result.returncode == 1
    assert parsed["failed"] == ["selfHosted.credentials"]
    assert statuses(parsed)["reachable"] == "ok" and statuses(parsed)["catalog"] == "skip"
    assert parsed["registries"]["selfHosted"]["checks"]["credentials"]["detail"] == "user ci rejected (HTTP 401)"
    assert "failed checks: selfHosted.credentials" in result.stderr
    assert "not-the-password-of-ci" not in result.stdout + result.stderr

    table = status("--outputs", str(path))
    assert table.returncode == 1
    assert "FAIL" in table.stdout and "1 check(s) failed: selfHosted.credentials" in table.stdout


def test_a_stopped_registry_is_reported_unreachable_not_a_crash(deployed):
    outputs = deployed.write_outputs()
    deployed.registry.kill()

    result, parsed = report(outputs)
    assert result.returncode == 1
    assert parsed["failed"] == ["selfHosted.reachable", "selfHosted.health"]
    checks = parsed["registries"]["selfHosted"]["checks"]
    assert checks["reachable"]["detail"] == "connection refused (is the registry running?)"
    assert {checks[name]["status"] for name in ("certificate", "api", "credentials", "catalog", "metrics")} == {"skip"}
    assert "Traceback" not in result.stderr

    table = status("--outputs", str(outputs))
    assert table.returncode == 1 and "Traceback" not in table.stderr
    assert "connection refused" in table.stdout
    assert "2 check(s) failed: selfHosted.reachable, selfHosted.health" in table.stdout


def test_a_certificate_from_another_ca_is_not_trusted(deployed, tmp_path):
    outputs = json.loads(json.dumps(deployed.outputs))
    other = short_lived_certificate([HOST], days=90)
    outputs["registries"]["selfHosted"]["caCertificatePem"] = other["caCertificatePem"]
    result, parsed = report(deployed.write_outputs(outputs))
    assert result.returncode == 1
    assert "selfHosted.reachable" in parsed["failed"]
    assert parsed["registries"]["selfHosted"]["checks"]["reachable"]["detail"].startswith("TLS certificate not trusted with the stack's CA")


def test_a_certificate_expiring_soon_fails_the_certificate_check(tmp_path):
    brought = short_lived_certificate([HOST, "localhost"], days=5)
    deployment = Deployed(tmp_path / "expiring", {"tls": {"mode": "provided", **brought}},
                          secret_keys=["registry-platform:selfHosted"])
    deployment.registry.start()
    try:
        outputs = deployment.write_outputs()
        result, parsed = report(outputs)
        assert result.returncode == 1
        assert parsed["failed"] == ["selfHosted.certificate"]
        certificate = parsed["registries"]["selfHosted"]["checks"]["certificate"]
        assert certificate["value"] == 4  # 5 days minus the 5 minutes of back-dating
        assert "less than 30 days left" in certificate["detail"]
        assert statuses(parsed)["credentials"] == "ok"

        assert status("--outputs", str(outputs), "--json", "--min-certificate-days", "3").returncode == 0
        table = status("--outputs", str(outputs))
        assert table.returncode == 1 and "1 check(s) failed: selfHosted.certificate" in table.stdout
    finally:
        deployment.registry.kill()


def short_lived_certificate(names: list[str], days: int) -> dict[str, str]:
    """A CA and a server certificate it signs for `names`, valid `days` days (from 5 minutes ago)."""
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    end = start + datetime.timedelta(days=days)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "status test CA")])
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    sans = [x509.IPAddress(__import__("ipaddress").ip_address(n)) if n[0].isdigit() else x509.DNSName(n) for n in names]
    leaf = (
        x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    return {
        "certificatePem": leaf.public_bytes(pem).decode(),
        "privateKeyPem": key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode(),
        "caCertificatePem": ca.public_bytes(pem).decode(),
    }
