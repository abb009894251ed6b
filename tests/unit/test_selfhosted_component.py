"""The SelfHostedRegistry resource graph, run through `__main__.py` under mocks with real SDKs."""

from __future__ import annotations

import base64
import json

import bcrypt
import pytest
import yaml
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

import pulumi

from registry_platform.selfhosted import LAYOUT, SelfHostedRegistry
from registry_platform.settings import SelfHostedRegistryArgs
from tests.support.certs import brought_certificate
from tests.support.harness import run_under_mocks

COMPONENT = "registry-platform:selfhosted:SelfHostedRegistry"
PLATFORM = "registry-platform:index:RegistryPlatform"
CONTAINER = "docker:index/container:Container"
VOLUME = "docker:index/volume:Volume"
IMAGE = "docker:index/remoteImage:RemoteImage"
PASSWORD = "random:index/randomPassword:RandomPassword"
BYTES = "random:index/randomBytes:RandomBytes"
KEY = "tls:index/privateKey:PrivateKey"
CA_CERT = "tls:index/selfSignedCert:SelfSignedCert"
CSR = "tls:index/certRequest:CertRequest"
SIGNED = "tls:index/locallySignedCert:LocallySignedCert"


def uploads(run) -> dict[str, dict]:
    return {u["file"]: u for u in run.one(CONTAINER).inputs["uploads"]}


def test_resources_and_their_parents(run_stack, two_users):
    run = run_stack(two_users)
    found = {(r.type, r.name) for r in run.resources}
    assert found == {
        (PLATFORM, "registry-platform"),
        (COMPONENT, "self-hosted"),
        (IMAGE, "self-hosted-image"),
        (VOLUME, "self-hosted-data"),
        (PASSWORD, "self-hosted-http-secret"),
        (KEY, "self-hosted-ca-key"),
        (CA_CERT, "self-hosted-ca-cert"),
        (KEY, "self-hosted-server-key"),
        (CSR, "self-hosted-server-csr"),
        (SIGNED, "self-hosted-server-cert"),
        (PASSWORD, "self-hosted-admin-password"),
        (BYTES, "self-hosted-admin-salt"),
        (PASSWORD, "self-hosted-ci-password"),
        (BYTES, "self-hosted-ci-salt"),
        (CONTAINER, "self-hosted-container"),
    }
    component = run.one(COMPONENT)
    assert run.parent_of(component).type == PLATFORM
    assert run.parent_of(run.one(PLATFORM)) is None
    for resource in run.resources:
        if resource.type not in (COMPONENT, PLATFORM):
            assert run.parent_of(resource) is component, resource.name


def test_image_volume_and_container_inputs(run_stack, two_users):
    run = run_stack(two_users)
    image = run.one(IMAGE)
    assert image.inputs["name"] == "registry:2.8.3" and image.inputs["keepLocally"] is True
    volume = run.one(VOLUME)
    assert volume.inputs["name"] == "registry-platform-dev-self-hosted-data"
    assert volume.request.retainOnDelete is True
    assert set(volume.request.ignoreChanges) == {"labels", "name"}
    assert {label["label"] for label in volume.inputs["labels"]} == {
        "org.registry-platform.project", "org.registry-platform.stack", "org.registry-platform.component"}
    container = run.one(CONTAINER).inputs
    assert container["name"] == "registry-platform-dev-self-hosted"
    assert container["image"] == image.outputs["imageId"]
    assert container["entrypoints"] == ["registry"]
    assert container["command"] == ["serve", LAYOUT.config]
    assert container["restart"] == "unless-stopped"
    assert container["mustRun"] is True and container["wait"] is True
    assert container["ports"] == [{"internal": 5000, "external": 5000, "ip": "127.0.0.1"}]
    assert container["volumes"] == [{"volumeName": volume.inputs["name"], "containerPath": "/var/lib/registry"}]
    assert container["capabilities"] == {"drops": ["ALL"]}
    assert container["securityOpts"] == ["no-new-privileges:true"]
    assert "logDriver" not in container and "logOpts" not in container
    assert container["healthcheck"] == {
        "tests": ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:5001/debug/health"],
        "interval": "10s",
        "timeout": "5s",
        "retries": 3,
        "startPeriod": "30s",
    }
    assert container["waitTimeout"] == 30 + 4 * (10 + 5) + 30
    labels = {label["label"]: label["value"] for label in container["labels"]}
    assert labels["org.registry-platform.stack"] == "dev"
    assert labels["org.registry-platform.project"] == "registry-platform"
    assert "memory" not in container


def test_container_settings_reach_the_container(run_stack):
    run = run_stack(
        {
            "selfHosted": {
                "users": [{"name": "admin"}],
                "name": "reg",
                "image": "registry:3.0.0",
                "port": 5443,
                "bindAddress": "0.0.0.0",
                "debug": {"publish": True, "port": 5002, "hostPort": 9102, "prometheus": True},
                "container": {"restartPolicy": "always", "memoryMb": 256, "labels": {"team": "platform"},
                              "waitForHealthy": False, "log": {"maxSize": "50m", "maxFiles": 5}},
                "volume": {"name": "reg-store", "retainOnDelete": False},
            }
        }
    )
    container = run.one(CONTAINER).inputs
    assert container["name"] == "reg"
    assert run.one(IMAGE).inputs["name"] == "registry:3.0.0"
    assert container["envs"] == ["OTEL_TRACES_EXPORTER=none"]
    assert container["restart"] == "always" and container["memory"] == 256 and container["wait"] is False
    assert container["ports"] == [
        {"internal": 5000, "external": 5443, "ip": "0.0.0.0"},
        {"internal": 5002, "external": 9102, "ip": "127.0.0.1"},
    ]
    assert container["logDriver"] == "json-file"
    assert container["logOpts"] == {"max-size": "50m", "max-file": "5"}
    assert "logOpts" not in run.one(CONTAINER).request.ignoreChanges
    assert {"label": "team", "value": "platform"} in container["labels"]
    assert container["volumes"][0]["volumeName"] == "reg-store"
    assert run.one(VOLUME).request.retainOnDelete is False
    assert list(run.one(VOLUME).request.ignoreChanges) == ["labels"]  # an explicit name takes effect
    assert container["healthcheck"]["tests"][-1] == "http://127.0.0.1:5002/debug/health"
    assert run.exports["registries"].value["selfHosted"]["loginServer"] == "localhost:5443"


def test_tls_resources_chain_and_sans(run_stack):
    run = run_stack({"selfHosted": {"users": [{"name": "admin"}], "host": "registry.internal",
                                    "tls": {"sans": ["registry.internal", "localhost", "10.0.0.5"],
                                            "validityHours": 100, "earlyRenewalHours": 10}}})
    ca = run.one(CA_CERT).inputs
    assert ca["isCaCertificate"] is True
    assert set(ca["allowedUses"]) == {"cert_signing", "crl_signing", "digital_signature"}
    assert ca["validityPeriodHours"] == 87600
    csr = run.one(CSR).inputs
    assert csr["dnsNames"] == ["registry.internal", "localhost"] and csr["ipAddresses"] == ["10.0.0.5"]
    assert csr["subject"]["commonName"] == "registry.internal"
    signed = run.one(SIGNED).inputs
    assert signed["validityPeriodHours"] == 100 and signed["earlyRenewalHours"] == 10
    assert "server_auth" in signed["allowedUses"]
    assert run.one(KEY, "self-hosted-ca-key").inputs == {"algorithm": "ECDSA", "ecdsaCurve": "P256"}

    # The certificate the container gets is signed by the CA the outputs hand to clients.
    served = x509.load_pem_x509_certificate(uploads(run)[LAYOUT.certificate]["content"].encode())
    ca_pem = run.exports["registries"].value["selfHosted"]["caCertificatePem"]
    ca_cert = x509.load_pem_x509_certificate(ca_pem.encode())
    served.verify_directly_issued_by(ca_cert)
    sans = served.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["registry.internal", "localhost"]
    assert [str(ip) for ip in sans.get_values_for_type(x509.IPAddress)] == ["10.0.0.5"]
    eku = served.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.SERVER_AUTH in eku


def test_rsa_keys_when_asked(run_stack):
    run = run_stack({"selfHosted": {"users": [{"name": "admin"}], "tls": {"keyAlgorithm": "RSA", "rsaBits": 2048}}})
    keys = run.of_type(KEY)
    assert len(keys) == 2
    for key in keys:
        assert key.inputs == {"algorithm": "RSA", "rsaBits": 2048}


def test_uploaded_files_and_their_modes(run_stack, two_users):
    run = run_stack(two_users)
    files = uploads(run)
    assert set(files) == {LAYOUT.config, LAYOUT.certificate, LAYOUT.private_key, LAYOUT.htpasswd}
    assert files[LAYOUT.private_key]["permissions"] == "0400"
    assert files[LAYOUT.htpasswd]["permissions"] == "0400"
    assert files[LAYOUT.config]["permissions"] == "0400"
    assert files[LAYOUT.certificate]["permissions"] == "0444"
    assert "uploads" in run.one(CONTAINER).secret_inputs

    config = yaml.safe_load(files[LAYOUT.config]["content"])
    http_secret = run.one(PASSWORD, "self-hosted-http-secret")
    assert http_secret.inputs["length"] == 64
    assert config["http"]["secret"] == http_secret.outputs["result"]
    assert config["auth"]["htpasswd"]["path"] == LAYOUT.htpasswd

    passwords = run.exports["selfHostedUserPasswords"].value
    lines = files[LAYOUT.htpasswd]["content"].splitlines()
    assert [line.split(":", 1)[0] for line in lines] == ["admin", "ci"]
    for line in lines:
        name, hashed = line.split(":", 1)
        assert hashed.startswith("$2b$10$")
        assert bcrypt.checkpw(passwords[name].encode(), hashed.encode())
    key = files[LAYOUT.private_key]["content"]
    assert key == run.one(KEY, "self-hosted-server-key").outputs["privateKeyPem"]


def test_generated_passwords(run_stack):
    run = run_stack({"selfHosted": {"users": [{"name": "admin"}, {"name": "ci", "passwordLength": 40}]}})
    admin = run.one(PASSWORD, "self-hosted-admin-password").inputs
    assert admin["length"] == 32 and admin["special"] is False
    assert run.one(PASSWORD, "self-hosted-ci-password").inputs["length"] == 40
    passwords = run.exports["selfHostedUserPasswords"].value
    assert len(passwords["admin"]) == 32 and len(passwords["ci"]) == 40
    assert run.one(BYTES, "self-hosted-admin-salt").inputs["length"] == 16


def test_supplied_password_is_used_and_stays_secret(run_stack):
    supplied = "supplied-Secret-123"
    run = run_stack({"selfHosted": {"users": [{"name": "admin", "password": supplied}, {"name": "ci"}]}},
                    secret_keys=["registry-platform:selfHosted"])
    assert {r.name for r in run.of_type(PASSWORD)} == {"self-hosted-http-secret", "self-hosted-ci-password"}
    admin_line = uploads(run)[LAYOUT.htpasswd]["content"].splitlines()[0]
    assert bcrypt.checkpw(supplied.encode(), admin_line.split(":", 1)[1].encode())
    assert run.exports["selfHostedUserPasswords"].value["admin"] == supplied
    for name in ("registries", "selfHosted"):
        assert supplied not in json.dumps(run.exports[name].value)


def test_secrets_only_in_secret_outputs(run_stack, two_users):
    run = run_stack(two_users)
    exports = run.exports
    assert not exports["registries"].secret and not exports["selfHosted"].secret
    assert exports["registryCredentials"].secret
    assert exports["dockerConfigJson"].secret
    assert exports["selfHostedUserPasswords"].secret
    secrets = list(exports["selfHostedUserPasswords"].value.values())
    secrets.append(run.one(PASSWORD, "self-hosted-http-secret").outputs["result"])
    secrets.append(run.one(KEY, "self-hosted-server-key").outputs["privateKeyPem"])
    secrets.append(run.one(KEY, "self-hosted-ca-key").outputs["privateKeyPem"])
    secrets.append(uploads(run)[LAYOUT.htpasswd]["content"].splitlines()[0].split(":", 1)[1])
    plain = json.dumps(exports["registries"].value) + json.dumps(exports["selfHosted"].value)
    for secret in secrets:
        assert secret not in plain


def test_component_used_as_a_library_marks_its_outputs_secret():
    """Imported outside __main__.py, with a plain dict as args: the component's own outputs carry the flags."""

    def program():
        registry = SelfHostedRegistry("lib", {"users": [{"name": "admin"}], "name": "lib-registry"})
        pulumi.export("password", registry.access.password)
        pulumi.export("passwords", registry.user_passwords)
        pulumi.export("dockerConfig", registry.access.docker_config_json)
        pulumi.export("loginServer", registry.access.login_server)
        pulumi.export("ca", registry.access.ca_certificate_pem)

    run = run_under_mocks(program, stack="lib")
    assert run.exports["password"].secret and len(run.exports["password"].value) == 32
    assert run.exports["passwords"].secret and run.exports["dockerConfig"].secret
    assert not run.exports["loginServer"].secret and run.exports["loginServer"].value == "localhost:5000"
    assert not run.exports["ca"].secret
    assert run.parent_of(run.one(CONTAINER)).name == "lib"
    assert run.one(CONTAINER).inputs["name"] == "lib-registry"


def test_password_from_a_pulumi_output():
    """A Python user can hand a password from elsewhere (a secret manager) as an Output."""
    supplied = "from-a-secret-manager-42"

    def program():
        password = pulumi.Output.from_input(supplied)
        registry = SelfHostedRegistry("lib", SelfHostedRegistryArgs(users=[{"name": "admin", "password": password}]))
        pulumi.export("password", registry.access.password)

    run = run_under_mocks(program, stack="lib")
    assert run.exports["password"].value == supplied and run.exports["password"].secret
    line = uploads(run)[LAYOUT.htpasswd]["content"].strip()
    assert bcrypt.checkpw(supplied.encode(), line.split(":", 1)[1].encode())
    assert {r.name for r in run.of_type(PASSWORD)} == {"lib-http-secret"}


def test_shared_output_shape(run_stack, two_users):
    run = run_stack(two_users)
    public = run.exports["registries"].value["selfHosted"]
    assert set(public) == {"kind", "endpoint", "loginServer", "username", "caCertificatePem", "passwordExpiresAt",
                           "loginCommand", "credentialHelper", "identities"}
    assert public["kind"] == "self-hosted" and public["passwordExpiresAt"] is None
    assert public["loginCommand"] == "docker login localhost:5000 --username admin --password-stdin"
    assert public["credentialHelper"] is None
    assert public["identities"] == [
        {"name": "admin", "access": "push", "type": "htpasswd-user", "id": "admin"},
        {"name": "ci", "access": "push", "type": "htpasswd-user", "id": "ci"},
    ]
    assert public["endpoint"] == "https://localhost:5000" and public["loginServer"] == "localhost:5000"
    assert public["username"] == "admin"
    assert public["caCertificatePem"].startswith("-----BEGIN CERTIFICATE-----")
    credentials = run.exports["registryCredentials"].value["selfHosted"]
    assert set(credentials) == {"password", "dockerConfigJson"}
    admin_password = run.exports["selfHostedUserPasswords"].value["admin"]
    assert credentials["password"] == admin_password
    auth = json.loads(credentials["dockerConfigJson"])["auths"]["localhost:5000"]["auth"]
    assert base64.b64decode(auth).decode() == f"admin:{admin_password}"
    assert json.loads(run.exports["dockerConfigJson"].value) == json.loads(credentials["dockerConfigJson"])
    details = run.exports["selfHosted"].value
    assert details["containerName"] == "registry-platform-dev-self-hosted"
    assert details["volumeName"] == "registry-platform-dev-self-hosted-data"
    assert details["users"] == ["admin", "ci"]


def test_second_run_with_unchanged_config_changes_nothing(run_stack, stack_state, two_users):
    """Only what the program declares: provider-side diffs (how Docker reports values back) are not seen here."""
    first = run_stack(two_users, state=stack_state)
    second = run_stack(two_users, state=stack_state)
    assert first.one(CONTAINER).inputs == second.one(CONTAINER).inputs
    assert {(r.type, r.name) for r in first.resources} == {(r.type, r.name) for r in second.resources}
    for a, b in zip(sorted(first.resources, key=lambda r: (r.type, r.name)),
                    sorted(second.resources, key=lambda r: (r.type, r.name))):
        assert (a.type, a.name, a.inputs) == (b.type, b.name, b.inputs)


def test_fresh_state_does_change_the_secrets(run_stack, two_users):
    """The control for the test above: without shared state, the generated files differ."""
    first, second = run_stack(two_users), run_stack(two_users)
    assert uploads(first)[LAYOUT.htpasswd]["content"] != uploads(second)[LAYOUT.htpasswd]["content"]


def test_provided_tls_uses_the_given_files(run_stack):
    brought = brought_certificate(["registry.example.com"])
    run = run_stack(
        {"selfHosted": {"users": [{"name": "admin"}], "host": "registry.example.com",
                        "tls": {"mode": "provided", "certificatePem": brought.certificate_pem,
                                "privateKeyPem": brought.private_key_pem,
                                "caCertificatePem": brought.ca_certificate_pem}}},
        secret_keys=["registry-platform:selfHosted"],
    )
    assert not run.of_type(KEY) and not run.of_type(CA_CERT) and not run.of_type(SIGNED)
    files = uploads(run)
    assert files[LAYOUT.certificate]["content"] == brought.certificate_pem
    assert files[LAYOUT.private_key]["content"] == brought.private_key_pem
    public = run.exports["registries"].value["selfHosted"]
    assert public["caCertificatePem"] == brought.ca_certificate_pem
    assert public["loginServer"] == "registry.example.com:5000"
    assert brought.private_key_pem not in json.dumps(run.exports["selfHosted"].value)


def test_plain_text_secret_in_the_stack_file_registers_nothing(run_stack):
    run = run_stack({"selfHosted": {"users": [{"name": "admin", "password": "plain-text-password"}]}}, expect_error=True)
    assert "selfHosted.users[0].password: is a secret but is stored in plain text" in str(run.error)
    assert "plain-text-password" not in str(run.error)
    assert run.resources == []


def test_container_health_check_probes_the_rendered_debug_address(run_stack):
    run = run_stack({"selfHosted": {"users": [{"name": "admin"}], "debug": {"port": 5999},
                                    "container": {"healthcheck": {"interval": "1m", "startPeriod": "90s"}}}})
    container = run.one(CONTAINER).inputs
    config = yaml.safe_load(uploads(run)[LAYOUT.config]["content"])
    port = config["http"]["debug"]["addr"].rsplit(":", 1)[1]
    assert container["healthcheck"]["tests"][-1] == f"http://127.0.0.1:{port}/debug/health"
    assert port == "5999"
    assert container["healthcheck"]["interval"] == "1m0s" and container["healthcheck"]["startPeriod"] == "1m30s"
    assert container["waitTimeout"] == 90 + 4 * (60 + 5) + 30
    assert "startInterval" not in container["healthcheck"]  # off by default: older engines refuse it


def test_anonymous_plain_http_only_when_asked(run_stack):
    run = run_stack({"selfHosted": {"auth": "none", "tls": {"mode": "disabled"}}})
    assert set(uploads(run)) == {LAYOUT.config}
    assert not run.of_type(KEY) and not run.of_type(BYTES)
    config = yaml.safe_load(uploads(run)[LAYOUT.config]["content"])
    assert "auth" not in config and "tls" not in config["http"]
    public = run.exports["registries"].value["selfHosted"]
    assert public["endpoint"] == "http://localhost:5000"
    assert public["username"] is None and public["caCertificatePem"] is None
    assert json.loads(run.exports["dockerConfigJson"].value) == {"auths": {"localhost:5000": {}}}


def test_invalid_config_registers_nothing(run_stack):
    run = run_stack({"selfHosted": {"users": [{"name": "a:b"}], "port": 0}}, expect_error=True)
    assert "selfHosted.users[0].name" in str(run.error) and "selfHosted.port" in str(run.error)
    assert run.resources == []


def test_no_self_hosted_section_declares_only_the_platform(run_stack):
    run = run_stack({})
    assert [r.type for r in run.resources] == [PLATFORM]
    assert run.exports["registries"].value == {}
    assert "selfHosted" not in run.exports


@pytest.mark.parametrize("image", ["registry:2.8.3", "registry@sha256:" + "a" * 64, "mirror.example.com:5000/lib/registry:2.8.3"])
def test_pinned_images_accepted(run_stack, image):
    run = run_stack({"selfHosted": {"users": [{"name": "admin"}], "image": image}})
    assert run.one(IMAGE).inputs["name"] == image


def test_log_options_are_declared_only_when_configured(run_stack):
    """Unset, the engine's defaults apply, and the options Docker merges in from daemon.json (read back
    by the provider) are ignored instead of replacing the container on every run."""
    default = run_stack({"selfHosted": {"users": [{"name": "admin"}]}}).one(CONTAINER)
    assert "logDriver" not in default.inputs and "logOpts" not in default.inputs
    assert {"logDriver", "logOpts"} <= set(default.request.ignoreChanges)
    configured = run_stack({"selfHosted": {"users": [{"name": "admin"}],
                                           "container": {"log": {"driver": "local", "maxSize": "20m", "maxFiles": 4}}}})
    container = configured.one(CONTAINER)
    assert container.inputs["logDriver"] == "local"
    assert container.inputs["logOpts"] == {"max-size": "20m", "max-file": "4"}
    assert not {"logDriver", "logOpts"} & set(container.request.ignoreChanges)


def test_two_registries_in_one_stack_get_their_own_container_and_volume():
    def program():
        SelfHostedRegistry("team-a", {"users": [{"name": "admin"}]})
        SelfHostedRegistry("team-b", {"users": [{"name": "admin"}], "port": 5001})

    run = run_under_mocks(program, stack="lib")
    containers = {c.name: c.inputs["name"] for c in run.of_type(CONTAINER)}
    volumes = {v.name: v.inputs["name"] for v in run.of_type(VOLUME)}
    assert containers == {"team-a-container": "registry-platform-lib-team-a", "team-b-container": "registry-platform-lib-team-b"}
    assert volumes == {"team-a-data": "registry-platform-lib-team-a-data", "team-b-data": "registry-platform-lib-team-b-data"}


def test_defaulted_volume_name_is_kept_across_a_stack_rename(run_stack):
    """The default embeds the stack name; ignoring changes to it keeps the volume (and images) of the
    state when the stack is renamed. The engine applies ignore_changes, so the option is what is checked."""
    renamed = run_stack({"selfHosted": {"users": [{"name": "admin"}]}}, stack="renamed").one(VOLUME)
    assert renamed.inputs["name"] == "registry-platform-renamed-self-hosted-data"
    assert "name" in renamed.request.ignoreChanges
    explicit = run_stack({"selfHosted": {"users": [{"name": "admin"}], "volume": {"name": "registry-images"}}}).one(VOLUME)
    assert explicit.inputs["name"] == "registry-images" and "name" not in explicit.request.ignoreChanges


def test_an_edited_health_check_replaces_the_container(run_stack):
    """The provider cannot update a health check in place: edits must replace the container. The start
    interval replaces it through a label, since engines before API 1.44 read it back as 0s."""
    container = run_stack({"selfHosted": {"users": [{"name": "admin"}], "container": {
        "healthcheck": {"interval": "30s", "startInterval": "1s"}}}}).one(CONTAINER)
    assert set(container.request.replaceOnChanges) == {
        "healthcheck.tests", "healthcheck.interval", "healthcheck.timeout", "healthcheck.retries", "healthcheck.startPeriod"}
    labels = {label["label"]: label["value"] for label in container.inputs["labels"]}
    assert labels["org.registry-platform.healthcheck-start-interval"] == "1s"
    edited = run_stack({"selfHosted": {"users": [{"name": "admin"}],
                                       "container": {"healthcheck": {"startInterval": "1500ms"}}}}).one(CONTAINER)
    labels = {label["label"]: label["value"] for label in edited.inputs["labels"]}
    assert labels["org.registry-platform.healthcheck-start-interval"] == edited.inputs["healthcheck"]["startInterval"] == "1.5s"
    off = run_stack({"selfHosted": {"users": [{"name": "admin"}]}}).one(CONTAINER)  # the default
    assert "startInterval" not in off.inputs["healthcheck"]
    assert "org.registry-platform.healthcheck-start-interval" not in {label["label"] for label in off.inputs["labels"]}


def test_a_host_name_longer_than_a_common_name_is_carried_by_the_sans(run_stack):
    host = ".".join(["a" * 60, "b" * 35, "com"])
    assert len(host) == 100
    run = run_stack({"selfHosted": {"users": [{"name": "admin"}], "host": host, "tls": {"sans": [host, "localhost"]}}})
    assert run.one(CSR).inputs["subject"] == {"organization": "registry-platform"}
    csr = x509.load_pem_x509_csr(run.one(CSR).outputs["certRequestPem"].encode())
    assert csr.is_signature_valid
    assert [attribute.value for attribute in csr.subject] == ["registry-platform"]
    served = x509.load_pem_x509_certificate(uploads(run)[LAYOUT.certificate]["content"].encode())
    sans = served.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == [host, "localhost"]
    short = run_stack({"selfHosted": {"users": [{"name": "admin"}]}})
    assert short.one(CSR).inputs["subject"]["commonName"] == "localhost"


def test_a_long_component_name_still_gives_a_valid_ca_subject():
    name = "platform-team-registry-" + "x" * 60

    def program():
        SelfHostedRegistry(name, {"users": [{"name": "admin"}]})

    run = run_under_mocks(program, stack="lib")
    common_name = run.one(CA_CERT).inputs["subject"]["commonName"]
    assert len(common_name) == 64 and common_name.endswith(" registry CA")
    ca = x509.load_pem_x509_certificate(run.one(CA_CERT).outputs["certPem"].encode())
    assert ca.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)[0].value == common_name
