"""`RegistryPublisher` under mocks: one docker-build Image, every registry's tags and credentials."""

from __future__ import annotations

import pulumi
import pytest
from pulumi.runtime.mocks import MockMonitor

from registry_platform import RegistryPlatform, load_stack_settings
from registry_platform import PublishArgs, RegistryPublisher
from tests.support import mocks as mock_support
from tests.support.harness import run_under_mocks
from tests.support.mocks import ACCOUNT_ID

IMAGE = "docker-build:index:Image"
DIGEST = "sha256:" + "5e" * 32
DEPLOYER = "arn:aws:iam::123456789012:role/deployer"
ECR = f"{ACCOUNT_ID}.dkr.ecr.eu-west-1.amazonaws.com"
SELF_HOSTED = {"host": "registry.internal", "port": 5443, "users": [{"name": "ci"}, {"name": "admin"}],
               "tls": {"sans": ["registry.internal"]}}


def ecr(export_token: bool) -> dict:
    return {"region": "eu-west-1", "repositories": [{"name": "team/api"}], "ciRoles": [
        {"name": "push", "access": "push", "trustedPrincipals": [DEPLOYER], "exportLoginToken": export_token}]}


@pytest.fixture(autouse=True)
def image_digest(monkeypatch):
    """The provider reports the pushed manifest's digest (the mock returns inputs plus it)."""
    monkeypatch.setitem(mock_support.COMPUTED, IMAGE, lambda inputs: {**inputs, "digest": DIGEST, "ref": ""})


def publish(stack: dict, args: dict, **kw):
    def program():
        platform = RegistryPlatform("registry-platform", load_stack_settings(stack))
        publisher = RegistryPublisher("api", args, platform.registries)
        pulumi.export("references", publisher.references)
        pulumi.export("digest", publisher.digest)
        pulumi.export("ca", publisher.ca_certificates)
        pulumi.export("passwords", {k: a.password for k, a in platform.registries.items()})

    return run_under_mocks(program, **kw)


ARGS = {"repository": "team/api", "version": "1.4.2", "buildId": "build-5812", "context": "./app"}


def test_one_build_pushes_version_and_build_tags_to_every_registry_with_its_credentials():
    run = publish({"selfHosted": SELF_HOSTED, "aws": ecr(export_token=True)}, ARGS)
    image = run.one(IMAGE)
    assert run.parent_of(image).type == "registry-platform:ops:RegistryPublisher"
    assert image.inputs["push"] is True
    assert image.inputs["context"] == {"location": "./app"}
    assert set(image.inputs["tags"]) == {
        "registry.internal:5443/team/api:1.4.2", "registry.internal:5443/team/api:build-5812",
        f"{ECR}/team/api:1.4.2", f"{ECR}/team/api:build-5812",
    }
    passwords = run.exports["passwords"].value
    by_address = {entry["address"]: entry for entry in image.inputs["registries"]}
    # The ECR token expires and is fetched again on every run: the build logs in itself there
    # (see the next test); the self-hosted user's lasting password is handed over.
    assert by_address == {
        "registry.internal:5443": {"address": "registry.internal:5443", "username": "ci", "password": passwords["selfHosted"]},
    }
    assert all(passwords.values())
    # The credentials reach the provider as secrets.
    assert "registries" in image.secret_inputs


def test_a_token_fetched_on_every_run_never_reaches_the_image_so_a_second_run_changes_nothing(stack_state):
    first = publish({"selfHosted": SELF_HOSTED, "aws": ecr(export_token=True)}, ARGS, state=stack_state)
    second = publish({"selfHosted": SELF_HOSTED, "aws": ecr(export_token=True)}, ARGS, state=stack_state)
    assert first.exports["passwords"].value["aws"] != second.exports["passwords"].value["aws"]  # a new token each run
    assert first.one(IMAGE).inputs == second.one(IMAGE).inputs
    assert first.exports["references"].value["aws"]["login"] == "ambient"


def test_outputs_are_the_pushed_references_with_the_digest_and_stay_plain():
    run = publish({"selfHosted": SELF_HOSTED, "aws": ecr(export_token=True)}, ARGS)
    references, digest = run.exports["references"], run.exports["digest"]
    assert digest.value == DIGEST and not digest.secret
    assert not references.secret
    hosted = references.value["selfHosted"]
    assert hosted == {
        "image": "registry.internal:5443/team/api",
        "tags": ["registry.internal:5443/team/api:1.4.2", "registry.internal:5443/team/api:build-5812"],
        "digestReference": f"registry.internal:5443/team/api@{DIGEST}",
        "references": [f"registry.internal:5443/team/api:1.4.2@{DIGEST}", f"registry.internal:5443/team/api:build-5812@{DIGEST}"],
        "login": "password",
    }
    assert references.value["aws"]["digestReference"] == f"{ECR}/team/api@{DIGEST}"
    text = repr(references.value)
    assert not any(password in text for password in run.exports["passwords"].value.values())
    ca = run.exports["ca"].value
    assert set(ca) == {"registry.internal:5443"} and ca["registry.internal:5443"].startswith("-----BEGIN CERTIFICATE-----")


def test_ecr_by_identity_gets_tags_but_no_credentials_and_uses_the_builders_login():
    """No password (the default ECR access): no `registries` entry, so BuildKit uses the docker login
    of the machine running `pulumi up` (ecr-login helper or loginCommand); never a deployer token."""
    run = publish({"selfHosted": SELF_HOSTED, "aws": ecr(export_token=False)}, ARGS)
    image = run.one(IMAGE)
    assert f"{ECR}/team/api:1.4.2" in image.inputs["tags"]
    assert [entry["address"] for entry in image.inputs["registries"]] == ["registry.internal:5443"]
    assert not [token for token, _ in run.mocks.call_log if token == "aws:ecr/getAuthorizationToken:getAuthorizationToken"]
    assert run.exports["references"].value["aws"]["login"] == "ambient"
    assert run.exports["references"].value["selfHosted"]["login"] == "password"


def test_docker_hub_from_config_secrets_and_per_registry_repositories():
    args = {**ARGS, "registries": ["aws"], "repositories": {"aws": "team/api-ecr"},
            "dockerHub": {"repository": "acme/api", "username": "acmebot", "password": "dckr_pat_not-a-real-token"}}
    run = publish({"selfHosted": SELF_HOSTED, "aws": ecr(export_token=False)}, args)
    image = run.one(IMAGE)
    assert set(image.inputs["tags"]) == {
        f"{ECR}/team/api-ecr:1.4.2", f"{ECR}/team/api-ecr:build-5812",
        "docker.io/acme/api:1.4.2", "docker.io/acme/api:build-5812",
    }
    assert image.inputs["registries"] == [
        {"address": "docker.io", "username": "acmebot", "password": "dckr_pat_not-a-real-token"}
    ]
    assert "registries" in image.secret_inputs
    assert set(run.exports["references"].value) == {"aws", "dockerHub"}
    assert "dckr_pat" not in repr(run.exports["references"].value)


def test_same_version_and_build_id_give_one_tag_per_registry():
    run = publish({"selfHosted": SELF_HOSTED}, {**ARGS, "buildId": "1.4.2"})
    assert run.one(IMAGE).inputs["tags"] == ["registry.internal:5443/team/api:1.4.2"]


def test_build_options_reach_the_image():
    args = {**ARGS, "dockerfile": "./app/Dockerfile.prod", "buildArgs": {"PYTHON": "3.12"}, "target": "runtime",
            "platforms": ["linux/amd64", "linux/arm64"]}
    image = publish({"selfHosted": SELF_HOSTED}, args).one(IMAGE)
    assert image.inputs["dockerfile"] == {"location": "./app/Dockerfile.prod"}
    assert image.inputs["buildArgs"] == {"PYTHON": "3.12"}
    assert image.inputs["target"] == "runtime"
    assert image.inputs["platforms"] == ["linux/amd64", "linux/arm64"]
    assert image.inputs["labels"] == {"org.opencontainers.image.version": "1.4.2"}


def test_unknown_registry_keys_are_refused_before_anything_is_declared():
    run = publish({"selfHosted": SELF_HOSTED}, {**ARGS, "registries": ["selfHosted", "azure"]}, expect_error=True)
    assert "unknown registry key(s) ['azure']" in str(run.error)
    assert not run.of_type(IMAGE)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"version": "1.4.2+meta"}, "is not a docker tag"),
        ({"buildId": ".hidden"}, "is not a docker tag"),
        ({"repository": "Team/API"}, "is not a repository path"),
        ({"registries": []}, "nothing to push to"),
    ],
)
def test_args_are_validated(change, fragment):
    with pytest.raises(Exception) as caught:
        PublishArgs.model_validate({**ARGS, **change})
    assert fragment in str(caught.value)


def test_a_publishing_program_reads_the_registries_of_another_stack(monkeypatch):
    """An app's own stack publishes to the registries a registry-platform stack exported."""
    from registry_platform import registries_from_stack

    exported = {
        "registries": {"selfHosted": {"kind": "self-hosted", "endpoint": "https://registry.internal:5443",
                                      "loginServer": "registry.internal:5443", "username": "ci",
                                      "caCertificatePem": "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n",
                                      "passwordExpiresAt": None, "loginCommand": "docker login ..."},
                       "aws": {"kind": "ecr", "endpoint": f"https://{ECR}", "loginServer": ECR, "username": "AWS",
                               "caCertificatePem": None, "passwordExpiresAt": None, "loginCommand": "aws ecr ..."}},
        "registryCredentials": {"selfHosted": {"password": "pw-of-ci-from-the-other-stack"}, "aws": {"password": None}},
    }
    # A stack reference is read (ReadResource), not registered: record it like a registration.
    from tests.support import harness

    def read_resource(monitor, request):
        response = MockMonitor.ReadResource(monitor, request)
        monitor.requests[(request.type, request.name)] = (request, response.urn)
        return response

    monkeypatch.setattr(harness.RecordingMonitor, "ReadResource", read_resource, raising=False)
    monkeypatch.setitem(mock_support.COMPUTED, "pulumi:pulumi:StackReference",
                        lambda inputs: {**inputs, "outputs": exported, "secretOutputNames": ["registryCredentials"]})

    def program():
        registries = registries_from_stack(pulumi.StackReference("acme/registry-platform/prod"), ["selfHosted", "aws"])
        publisher = RegistryPublisher("api", ARGS, registries)
        pulumi.export("references", publisher.references)
        pulumi.export("password", registries["selfHosted"].password)

    run = run_under_mocks(program, stack="app")
    image = run.one(IMAGE)
    assert set(image.inputs["tags"]) == {"registry.internal:5443/team/api:1.4.2", "registry.internal:5443/team/api:build-5812",
                                         f"{ECR}/team/api:1.4.2", f"{ECR}/team/api:build-5812"}
    assert image.inputs["registries"] == [{"address": "registry.internal:5443", "username": "ci",
                                           "password": "pw-of-ci-from-the-other-stack"}]
    assert "registries" in image.secret_inputs and run.exports["password"].secret
    assert run.exports["references"].value["aws"]["login"] == "ambient" and not run.exports["references"].secret


def test_the_module_docstring_sends_expiring_tokens_to_the_ambient_login():
    """The docs match `lasting_password`: an `exportLoginToken` ECR token expires, so it gets no entry."""
    import registry_platform.ops.publish as publish_module

    doc = publish_module.__doc__
    password_bullet = doc.split("- a registry whose access carries")[1].split("\n- ")[0]
    no_entry_bullet = doc.split("- a registry without one")[1]
    assert "exportLoginToken" not in password_bullet
    assert "exportLoginToken" in no_entry_bullet.split("\n\n")[0]
