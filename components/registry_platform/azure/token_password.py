"""`AcrTokenPassword`: a password for an ACR token, generated through the ACR API at deploy time.

pulumi-azure-native 3.29 cannot make one: a Token PUT creates no password and the SDK has no invoke
for `generateCredentials` (pulumi/pulumi-azure-native#2500, #3099). This dynamic resource POSTs
`{registry}/generateCredentials` with `{tokenId, name, expiry}` once, on create, and keeps
`passwords[name].value` as its `password` output, marked secret.

Credentials: the provider object (serialized into the state as `__provider`) holds no credential and
no input carries one. `create` obtains an ARM access token from the deployer's ambient Azure login at
that moment (azure-identity's `DefaultAzureCredential` when installed, else `az account
get-access-token`), uses it for one request and forgets it; it never reaches state or outputs. It does
NOT use the stack's `azure-native:*` provider config (a dynamic provider cannot read it without storing
it): that ambient login must itself be allowed to call generateCredentials on the registry, and a failure
to authenticate says which source was tried.

Caveats (README, "ACR credentials"):
- Creating (or replacing) the resource generates a new password1/password2 and invalidates the old one
  of that name: a change of `tokenId`, `passwordName`, `expiry` or `version` rotates the password.
- The password cannot be read back from Azure: `read` (refresh) keeps what the state holds, and an
  import, or a state that lost it, has no password (bump `passwordVersion` to generate one).
- Nothing is called during a preview: the engine only calls `create` on `pulumi up`; a new password is
  unknown in the preview.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Mapping, Optional

import pulumi
import pulumi.dynamic as dynamic

ARM_ENDPOINT = "https://management.azure.com"
ARM_ENDPOINTS = {
    "public": ARM_ENDPOINT,
    "usgovernment": "https://management.usgovcloudapi.net",
    "china": "https://management.chinacloudapi.cn",
}
"""ARM endpoint per `azure-native:environment`."""
API_VERSION = "2023-01-01-preview"
"""The ACR API version of the SDK's `Registry` (generateCredentials exists in it)."""

PostJson = Callable[[str, Mapping[str, Any], Mapping[str, str]], "HttpResult"]


class HttpResult:
    """Status, headers and JSON body of one HTTP response."""

    def __init__(self, status: int, headers: Mapping[str, str], body: Any):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.body = body


class TokenPasswordError(Exception):
    """generateCredentials failed; the message never contains a password or an access token."""

    def __init__(self, message: str, status: Optional[int] = None):
        super().__init__(message)
        self.status = status


class AmbientCredentialError(TokenPasswordError):
    """No ARM access token could be obtained from the deployer's ambient Azure login."""


DEFAULT_AZURE_CREDENTIAL = "azure-identity's DefaultAzureCredential (environment variables, workload identity, managed identity, Azure CLI, ...)"
AZURE_CLI = "the Azure CLI (`az account get-access-token`)"


def ambient_source() -> str:
    """Which credential source `ambient_access_token` uses on this machine (for messages)."""
    try:
        from azure.identity import DefaultAzureCredential  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        return AZURE_CLI
    return DEFAULT_AZURE_CREDENTIAL


def credential_hint(source: str, registry_id: str) -> str:
    """Why the deployer's own login matters, and what it needs: appended to authentication failures."""
    return (
        f"AcrTokenPassword authenticates with the ambient Azure login of the machine running `pulumi up` "
        f"(it tried {source}), not with the stack's `azure-native:*` provider config; that login must be "
        f"allowed to call generateCredentials on the registry {registry_id} "
        "(Microsoft.ContainerRegistry/registries/generateCredentials/action, e.g. Contributor on it): "
        "log in as such an identity (`az login`, or the AZURE_* environment variables of DefaultAzureCredential)"
    )


def registry_id_of(token_id: str) -> str:
    """`/subscriptions/.../registries/<r>/tokens/<t>` -> `/subscriptions/.../registries/<r>`."""
    registry_id, separator, token = token_id.rpartition("/tokens/")
    if not separator or not token or "/registries/" not in registry_id:
        raise TokenPasswordError(f"not an ACR token ID: {token_id}")
    return registry_id


def generate_password(
    token_id: str,
    password_name: str,
    expiry: Optional[str],
    *,
    access_token: Callable[[], str],
    post: Optional[PostJson] = None,
    get: Optional[Callable[[str, Mapping[str, str]], HttpResult]] = None,
    arm_endpoint: str = ARM_ENDPOINT,
    poll_seconds: float = 2.0,
    timeout_seconds: float = 300.0,
) -> str:
    """POST `generateCredentials` for one password of a token and return its value.

    A 202 answer is a long-running operation: its `Location` (or `Azure-AsyncOperation`) URL is polled
    until it returns the result. `post` and `get` are the HTTP calls (tests pass fakes).
    """
    post = post or _post_json
    get = get or _get_json
    url = f"{arm_endpoint.rstrip('/')}{registry_id_of(token_id)}/generateCredentials?api-version={API_VERSION}"
    body: dict[str, Any] = {"tokenId": token_id, "name": password_name}
    if expiry:
        body["expiry"] = expiry
    headers = {"Authorization": f"Bearer {access_token()}", "Content-Type": "application/json"}
    result = post(url, body, headers)
    deadline = time.monotonic() + timeout_seconds
    while result.status == 202:
        poll = result.headers.get("location") or result.headers.get("azure-asyncoperation")
        if not poll:
            raise TokenPasswordError("generateCredentials answered 202 without a Location to poll")
        if time.monotonic() > deadline:
            raise TokenPasswordError(f"generateCredentials did not finish within {timeout_seconds:.0f} s")
        time.sleep(float(result.headers.get("retry-after", poll_seconds)))
        result = get(poll, {"Authorization": headers["Authorization"]})
    if result.status != 200:
        raise TokenPasswordError(f"generateCredentials failed with HTTP {result.status}: {_error_text(result.body)}", result.status)
    for password in (result.body or {}).get("passwords") or []:
        if password.get("name") == password_name and password.get("value"):
            return password["value"]
    raise TokenPasswordError(f"generateCredentials returned no value for {password_name}")


def _error_text(body: Any) -> str:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        return f"{error.get('code', '')}: {error.get('message', '')}".strip(": ")
    return "no error details"


def _request(method: str, url: str, data: Optional[bytes], headers: Mapping[str, str]) -> HttpResult:
    request = urllib.request.Request(url, data=data, headers=dict(headers), method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            raw = response.read()
            return HttpResult(response.status, dict(response.headers), json.loads(raw) if raw else None)
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        return HttpResult(error.code, dict(error.headers or {}), body)


def _post_json(url: str, body: Mapping[str, Any], headers: Mapping[str, str]) -> HttpResult:
    return _request("POST", url, json.dumps(body).encode(), headers)


def _get_json(url: str, headers: Mapping[str, str]) -> HttpResult:
    return _request("GET", url, None, headers)


def ambient_access_token(arm_endpoint: str = ARM_ENDPOINT) -> str:
    """An ARM access token of whoever runs `pulumi up`, obtained now and never stored.

    azure-identity's DefaultAzureCredential (environment, workload identity, managed identity, Azure
    CLI...) when it is installed; otherwise the Azure CLI.
    """
    try:
        from azure.identity import DefaultAzureCredential  # type: ignore[import-not-found]
    except ImportError:
        DefaultAzureCredential = None
    if DefaultAzureCredential is not None:
        try:
            return DefaultAzureCredential().get_token(f"{arm_endpoint.rstrip('/')}/.default").token
        except Exception as error:  # azure-identity's ClientAuthenticationError, CredentialUnavailableError, ...
            raise AmbientCredentialError(
                f"{DEFAULT_AZURE_CREDENTIAL} gave no access token for {arm_endpoint}: "
                f"{type(error).__name__}: {str(error).strip()[:500]}"
            ) from None
    az = shutil.which("az")
    if az is None:
        raise AmbientCredentialError(
            "no Azure credential to generate the token password: azure-identity is not installed in the program's "
            "environment and the Azure CLI (`az`) is not on PATH; install azure-identity or log in with `az login`"
        )
    completed = subprocess.run(
        [az, "account", "get-access-token", "--resource", arm_endpoint, "--query", "accessToken", "--output", "tsv"],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0 or not completed.stdout.strip():
        raise AmbientCredentialError(f"{AZURE_CLI} failed: {completed.stderr.strip()[:300]}")
    return completed.stdout.strip()


REPLACING_INPUTS = ("tokenId", "passwordName", "expiry", "version", "armEndpoint")


class TokenPasswordProvider(dynamic.ResourceProvider):
    """Generates on create; anything else that changes replaces (= a new password). Holds no state or credential."""

    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        endpoint = props.get("armEndpoint") or ARM_ENDPOINT
        try:
            password = generate_password(
                props["tokenId"],
                props["passwordName"],
                props.get("expiry"),
                access_token=lambda: ambient_access_token(endpoint),
                arm_endpoint=endpoint,
            )
        except TokenPasswordError as error:
            if isinstance(error, AmbientCredentialError) or error.status in (401, 403):
                hint = credential_hint(ambient_source(), registry_id_of(props["tokenId"]))
                raise TokenPasswordError(f"{error}. {hint}", error.status) from None
            raise
        outs = {key: props.get(key) for key in REPLACING_INPUTS}
        outs["password"] = password
        return dynamic.CreateResult(id_=f"{props['tokenId']}/passwords/{props['passwordName']}", outs=outs)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.DiffResult:
        replaces = [key for key in REPLACING_INPUTS if olds.get(key) != news.get(key)]
        return dynamic.DiffResult(changes=bool(replaces), replaces=replaces, delete_before_replace=False)

    def read(self, id_: str, props: dict[str, Any]) -> dynamic.ReadResult:
        # Azure never shows a password again: keep the state's (refresh must not drop it).
        return dynamic.ReadResult(id_, props)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        # The password dies with its token; a password kept after the token stays usable until then.
        return None


class AcrTokenPassword(dynamic.Resource):
    """password1 (or password2) of an ACR token. `password` is secret."""

    password: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        token_id: pulumi.Input[str],
        *,
        password_name: str = "password1",
        expiry: Optional[str] = None,
        version: int = 1,
        arm_endpoint: str = ARM_ENDPOINT,
        opts: Optional[pulumi.ResourceOptions] = None,
    ):
        props = {
            "tokenId": token_id,
            "passwordName": password_name,
            "expiry": expiry,
            "version": version,
            "armEndpoint": arm_endpoint,
            "password": None,
        }
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["password"]))
        super().__init__(TokenPasswordProvider(), name, props, opts)
        # The engine keeps it secret through additional_secret_outputs; the Output is made secret here too, so
        # that no program (nor a mock run, which ignores additional_secret_outputs) can read it as plain.
        self.password = pulumi.Output.secret(self.password)
