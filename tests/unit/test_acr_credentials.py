"""ACR token passwords: the generateCredentials call (with fake HTTP, no network), the dynamic provider's
create/diff/read, and proof that no Azure credential reaches the state, the inputs or the outputs."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import dill
import pytest

from registry_platform.azure import token_password
from registry_platform.azure.token_password import (
    API_VERSION,
    HttpResult,
    TokenPasswordError,
    TokenPasswordProvider,
    generate_password,
)
from tests.support.mocks import SUBSCRIPTION_ID

REGISTRY_ID = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-reg/providers/Microsoft.ContainerRegistry/registries/acmereg01"
TOKEN_ID = f"{REGISTRY_ID}/tokens/ci-push"
URL = f"https://management.azure.com{REGISTRY_ID}/generateCredentials?api-version={API_VERSION}"
ARM_TOKEN = "eyJ-arm-access-token-of-the-deployer"
RESULT = {"username": "ci-push", "passwords": [{"name": "password1", "value": "p1-value"}, {"name": "password2", "value": "p2-value"}]}


class FakeArm:
    """Records the calls; answers from a script of HttpResults."""

    def __init__(self, *answers: HttpResult):
        self.answers = list(answers)
        self.calls: list[tuple[str, str, dict, dict | None]] = []

    def post(self, url, body, headers):
        self.calls.append(("POST", url, dict(headers), dict(body)))
        return self.answers.pop(0)

    def get(self, url, headers):
        self.calls.append(("GET", url, dict(headers), None))
        return self.answers.pop(0)


def test_generate_password_posts_to_the_registry_and_returns_the_named_password():
    arm = FakeArm(HttpResult(200, {}, RESULT))
    password = generate_password(TOKEN_ID, "password1", "2027-01-01T00:00:00Z", access_token=lambda: ARM_TOKEN,
                                 post=arm.post, get=arm.get)
    assert password == "p1-value"
    [(method, url, headers, body)] = arm.calls
    assert (method, url) == ("POST", URL)
    assert headers["Authorization"] == f"Bearer {ARM_TOKEN}"
    assert body == {"tokenId": TOKEN_ID, "name": "password1", "expiry": "2027-01-01T00:00:00Z"}
    arm = FakeArm(HttpResult(200, {}, RESULT))
    assert generate_password(TOKEN_ID, "password2", None, access_token=lambda: ARM_TOKEN, post=arm.post) == "p2-value"
    assert "expiry" not in arm.calls[0][3]


def test_a_202_answer_is_polled_until_the_result(monkeypatch):
    monkeypatch.setattr(token_password.time, "sleep", lambda seconds: None)
    poll = "https://management.azure.com/operationResults/abc"
    arm = FakeArm(HttpResult(202, {"Location": poll, "Retry-After": "1"}, None), HttpResult(202, {"Location": poll}, None),
                  HttpResult(200, {}, RESULT))
    assert generate_password(TOKEN_ID, "password1", None, access_token=lambda: ARM_TOKEN, post=arm.post, get=arm.get) == "p1-value"
    assert [(m, u) for m, u, _, _ in arm.calls] == [("POST", URL), ("GET", poll), ("GET", poll)]
    assert all(headers["Authorization"] == f"Bearer {ARM_TOKEN}" for _, _, headers, _ in arm.calls)


@pytest.mark.parametrize(("answer", "fragment"), [
    (HttpResult(403, {}, {"error": {"code": "AuthorizationFailed", "message": "no generateCredentials/action"}}),
     "HTTP 403: AuthorizationFailed: no generateCredentials/action"),
    (HttpResult(200, {}, {"passwords": [{"name": "password2", "value": "x"}]}), "no value for password1"),
    (HttpResult(202, {}, None), "without a Location"),
])
def test_failures_name_the_cause_and_never_the_access_token(answer, fragment):
    with pytest.raises(TokenPasswordError) as caught:
        generate_password(TOKEN_ID, "password1", None, access_token=lambda: ARM_TOKEN, post=FakeArm(answer).post)
    assert fragment in str(caught.value) and ARM_TOKEN not in str(caught.value)


def test_a_token_id_is_required():
    with pytest.raises(TokenPasswordError, match="not an ACR token ID"):
        generate_password(f"{REGISTRY_ID}/scopeMaps/x", "password1", None, access_token=lambda: ARM_TOKEN, post=FakeArm().post)


def test_the_provider_generates_on_create_with_the_ambient_credential(monkeypatch):
    arm = FakeArm(HttpResult(200, {}, RESULT))
    seen_endpoints = []
    monkeypatch.setattr(token_password, "_post_json", arm.post)
    monkeypatch.setattr(token_password, "ambient_access_token", lambda endpoint: seen_endpoints.append(endpoint) or ARM_TOKEN)
    props = {"tokenId": TOKEN_ID, "passwordName": "password1", "expiry": None, "version": 1,
             "armEndpoint": "https://management.azure.com"}
    result = TokenPasswordProvider().create(props)
    assert result.id == f"{TOKEN_ID}/passwords/password1"
    assert result.outs["password"] == "p1-value"
    assert ARM_TOKEN not in json.dumps(result.outs)  # the access token is used once, never kept
    assert seen_endpoints == ["https://management.azure.com"]


PROPS = {"tokenId": TOKEN_ID, "passwordName": "password1", "expiry": None, "version": 1, "armEndpoint": "https://management.azure.com"}


def assert_names_the_ambient_login(message: str, source: str) -> None:
    assert "ambient Azure login of the machine running `pulumi up`" in message and f"it tried {source}" in message
    assert "not with the stack's `azure-native:*` provider config" in message
    assert f"generateCredentials on the registry {REGISTRY_ID}" in message and ARM_TOKEN not in message


def test_a_refused_call_says_the_ambient_login_was_used_not_the_provider_config(monkeypatch):
    answer = HttpResult(403, {}, {"error": {"code": "AuthorizationFailed", "message": "no generateCredentials/action"}})
    monkeypatch.setattr(token_password, "_post_json", FakeArm(answer).post)
    monkeypatch.setattr(token_password, "ambient_access_token", lambda endpoint: ARM_TOKEN)
    monkeypatch.setitem(__import__("sys").modules, "azure.identity", None)  # the source on this machine: the Azure CLI
    with pytest.raises(TokenPasswordError) as caught:
        TokenPasswordProvider().create(dict(PROPS))
    message = str(caught.value)
    assert message.startswith("generateCredentials failed with HTTP 403: AuthorizationFailed")
    assert_names_the_ambient_login(message, token_password.AZURE_CLI)


def test_a_missing_ambient_login_names_the_source_it_tried(monkeypatch):
    class Refusing:
        def get_token(self, scope):
            raise RuntimeError("DefaultAzureCredential failed to retrieve a token from the included credentials.")

    identity = type(sys)("azure.identity")
    identity.DefaultAzureCredential = Refusing
    monkeypatch.setitem(sys.modules, "azure.identity", identity)
    monkeypatch.setattr(token_password, "_post_json", FakeArm().post)  # never reached
    with pytest.raises(TokenPasswordError) as caught:
        TokenPasswordProvider().create(dict(PROPS))
    message = str(caught.value)
    assert "DefaultAzureCredential (environment variables" in message and "gave no access token" in message
    assert "RuntimeError: DefaultAzureCredential failed to retrieve a token" in message
    assert_names_the_ambient_login(message, token_password.DEFAULT_AZURE_CREDENTIAL)


def test_other_failures_carry_no_login_hint(monkeypatch):
    monkeypatch.setattr(token_password, "_post_json", FakeArm(HttpResult(200, {}, {"passwords": []})).post)
    monkeypatch.setattr(token_password, "ambient_access_token", lambda endpoint: ARM_TOKEN)
    with pytest.raises(TokenPasswordError) as caught:
        TokenPasswordProvider().create(dict(PROPS))
    assert str(caught.value) == "generateCredentials returned no value for password1"


def test_any_change_replaces_the_password_and_refresh_keeps_it():
    provider = TokenPasswordProvider()
    olds = {"tokenId": TOKEN_ID, "passwordName": "password1", "expiry": None, "version": 1,
            "armEndpoint": "https://management.azure.com", "password": "p1-value"}
    assert provider.diff("id", olds, {**olds}).changes is False
    rotated = provider.diff("id", olds, {**olds, "version": 2})
    assert rotated.changes is True and rotated.replaces == ["version"]
    assert provider.diff("id", olds, {**olds, "expiry": "2027-01-01T00:00:00Z"}).replaces == ["expiry"]
    # Azure cannot show a password again: a refresh keeps the state's value instead of dropping it.
    assert provider.read("id", olds).outs["password"] == "p1-value"


def test_ambient_access_token_uses_the_azure_cli_when_azure_identity_is_absent(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "azure.identity", None)  # import fails
    monkeypatch.setattr(token_password.shutil, "which", lambda name: "/usr/bin/az")
    calls = []

    def run(command, **kwargs):
        calls.append(command)
        return subprocess.CompletedProcess(command, 0, stdout=f"{ARM_TOKEN}\n", stderr="")

    monkeypatch.setattr(token_password.subprocess, "run", run)
    assert token_password.ambient_access_token("https://management.usgovcloudapi.net") == ARM_TOKEN
    assert calls == [["/usr/bin/az", "account", "get-access-token", "--resource", "https://management.usgovcloudapi.net",
                      "--query", "accessToken", "--output", "tsv"]]
    monkeypatch.setattr(token_password.shutil, "which", lambda name: None)
    with pytest.raises(TokenPasswordError, match="az login"):
        token_password.ambient_access_token()


def test_no_azure_credential_reaches_the_state_inputs_or_outputs(run_stack, monkeypatch):
    """The serialized provider (stored in the state as `__provider`) is a reference to the provider class with
    no fields; the inputs carry only IDs and settings; the deployer's credentials in the environment appear nowhere."""
    canary = "client-secret-canary-6c0f"
    monkeypatch.setenv("AZURE_CLIENT_SECRET", canary)
    monkeypatch.setenv("ARM_CLIENT_SECRET", canary)
    run = run_stack({"azure": {"name": "acmereg01", "resourceGroup": {"name": "rg-reg"}, "location": "westeurope",
                               "tokens": [{"name": "ci-push", "access": "push", "repositories": ["team/api"]}]}})
    [password] = run.of_type("pulumi-python:dynamic:Resource")
    assert set(password.inputs) == {"tokenId", "passwordName", "version", "armEndpoint", "__provider"}
    provider = dill.loads(base64.b64decode(password.inputs["__provider"]))
    assert type(provider) is TokenPasswordProvider and vars(provider) == {}
    assert canary not in json.dumps(password.inputs)
    everything = json.dumps([r.inputs for r in run.resources]) + json.dumps({k: e.value for k, e in run.exports.items()})
    assert canary not in everything
