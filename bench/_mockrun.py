"""A minimal mock engine, the stack program runner, and the floor program (a replay of what the
stack program registered, straight through the SDK's own resource classes).

Used by the child processes of `program_cost.py` and `startup.py`; imports only pulumi at module
level so that import timings of the child are not coloured by this file.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import re
import runpy
import threading
from pathlib import Path
from typing import Any, Callable

import pulumi
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.rpc import _special_secret_sig, _special_sig_key
from pulumi.runtime.stack import run_pulumi_func

PROJECT = "registry-platform"
ROOT = Path(__file__).resolve().parents[1]
MAIN = Path(os.environ.get("BENCH_MAIN") or ROOT / "__main__.py")  # BENCH_MAIN: compare another version

# Constant outputs for the resources whose real provider computes values the program reads. No keys,
# no certificates, no bcrypt-grade randomness: the mock must cost as little as possible, and the same
# for the program and the floor.
_PEM_KEY = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n"
_PEM_CERT = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUXZ\n-----END CERTIFICATE-----\n"
ACCOUNT = "123456789012"
REGION = "us-east-1"


def _arm(inputs: dict, kind: str, key: str) -> dict:
    group = f"/subscriptions/0/resourceGroups/{inputs.get('resourceGroupName', 'rg')}"
    return {"id": f"{group}/{kind}/{inputs.get(key, 'x')}", "name": inputs.get(key, "x")}


COMPUTED: dict[str, Callable[[dict], dict]] = {
    "tls:index/privateKey:PrivateKey": lambda i: {"privateKeyPem": _PEM_KEY, "publicKeyPem": _PEM_KEY},
    "tls:index/selfSignedCert:SelfSignedCert": lambda i: {"certPem": _PEM_CERT},
    "tls:index/certRequest:CertRequest": lambda i: {"certRequestPem": _PEM_CERT},
    "tls:index/locallySignedCert:LocallySignedCert": lambda i: {"certPem": _PEM_CERT},
    "random:index/randomPassword:RandomPassword": lambda i: {"result": ("Aa1" + "x" * 64)[: int(i.get("length", 32))]},
    "random:index/randomBytes:RandomBytes": lambda i: {"base64": "AAAAAAAAAAAAAAAAAAAAAA==", "hex": "00" * 16},
    "aws:ecr/repository:Repository": lambda i: {
        "arn": f"arn:aws:ecr:{i.get('region') or REGION}:{ACCOUNT}:repository/{i['name']}",
        "repositoryUrl": f"{ACCOUNT}.dkr.ecr.{i.get('region') or REGION}.amazonaws.com/{i['name']}",
        "registryId": ACCOUNT,
    },
    "aws:kms/key:Key": lambda i: {"keyId": "k", "arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k"},
    "aws:iam/role:Role": lambda i: {"arn": f"arn:aws:iam::{ACCOUNT}:role/{i.get('name', 'r')}", "name": i.get("name", "r")},
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": lambda i: {"arn": f"arn:aws:iam::{ACCOUNT}:oidc-provider/x"},
    "gcp:artifactregistry/repository:Repository": lambda i: {
        "project": i.get("project") or "p", "name": i["repositoryId"],
        "registryUri": f"{i['location']}-docker.pkg.dev/{i.get('project') or 'p'}/{i['repositoryId']}",
    },
    "gcp:serviceaccount/account:Account": lambda i: {
        "email": f"{i['accountId']}@p.iam.gserviceaccount.com",
        "member": f"serviceAccount:{i['accountId']}@p.iam.gserviceaccount.com",
        "name": f"projects/p/serviceAccounts/{i['accountId']}", "uniqueId": "1",
    },
    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": lambda i: {"name": "projects/1/locations/global/workloadIdentityPools/p"},
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": lambda i: {"name": "projects/1/locations/global/workloadIdentityPools/p/providers/q"},
    "azure-native:resources:ResourceGroup": lambda i: {"name": i.get("resourceGroupName"), "id": "/subscriptions/0/resourceGroups/rg"},
    "azure-native:containerregistry:Registry": lambda i: {**_arm(i, "registries", "registryName"), "loginServer": f"{i.get('registryName', 'r').lower()}.azurecr.io", "dataEndpointHostNames": []},
    "azure-native:containerregistry:ScopeMap": lambda i: _arm(i, "scopeMaps", "scopeMapName"),
    "azure-native:containerregistry:Token": lambda i: _arm(i, "tokens", "tokenName"),
    "azure-native:containerregistry:Replication": lambda i: _arm(i, "replications", "replicationName"),
    "azure-native:containerregistry:Webhook": lambda i: _arm(i, "webhooks", "webhookName"),
    "azure-native:managedidentity:UserAssignedIdentity": lambda i: {**_arm(i, "identities", "resourceName"), "principalId": "a", "clientId": "b", "tenantId": "c"},
    "azure-native:authorization:RoleAssignment": lambda i: _arm(i, "roleAssignments", "roleAssignmentName"),
    "docker:index/remoteImage:RemoteImage": lambda i: {"imageId": "sha256:" + "ab" * 32, "repoDigest": i["name"].split(":")[0] + "@sha256:" + "cd" * 32},
    "pulumi-python:dynamic:Resource": lambda i: {"password": "p" * 32} if "tokenId" in i else {},
}

CALLS: dict[str, dict] = {
    "aws:index/getCallerIdentity:getCallerIdentity": {"accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/ci", "userId": "u", "id": ACCOUNT},
    "aws:index/getRegion:getRegion": {"region": REGION, "name": REGION, "id": REGION, "endpoint": "e", "description": "d"},
    "aws:index/getPartition:getPartition": {"partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws", "id": "aws"},
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": {"id": ACCOUNT, "registryId": ACCOUNT, "userName": "AWS", "password": "p", "authorizationToken": "t", "proxyEndpoint": "https://x", "expiresAt": "2026-01-01T00:00:00Z"},
    "gcp:organizations/getProject:getProject": {"id": "projects/p", "projectId": "p", "number": "1", "name": "p"},
    "gcp:serviceaccount/getAccountAccessToken:getAccountAccessToken": {"id": "x", "accessToken": "t"},
    "azure-native:authorization:getClientConfig": {"clientId": "a", "objectId": "b", "subscriptionId": "0", "tenantId": "c"},
    "azure-native:authorization:getRoleDefinition": {"id": "/r", "name": "r", "roleName": "AcrPull", "roleType": "BuiltInRole", "type": "t"},
    "azure-native:managedidentity:getUserAssignedIdentity": {"id": "/i", "name": "i", "location": "westeurope", "principalId": "a", "clientId": "b", "tenantId": "c", "type": "t"},
}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get(_special_sig_key) == _special_secret_sig:
            return _plain(value.get("value"))
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class MinimalMocks(pulumi.runtime.Mocks):
    """Outputs = inputs (+ a few constant computed values); invokes answer constants."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        compute = COMPUTED.get(args.typ)
        if compute is None:
            return f"{args.name}-id", args.inputs
        outputs = {**args.inputs, **compute(_plain(args.inputs))}
        return outputs.get("id") or f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs):
        return CALLS.get(args.token, {})


class RecordingMonitor(MockMonitor):
    """Keeps every RegisterResource request, in arrival order (a parent always precedes its children)."""

    def __init__(self, mocks):
        super().__init__(mocks)
        self.records: list[dict] = []
        self._lock = threading.Lock()

    def RegisterResource(self, request):
        response = super().RegisterResource(request)
        from google.protobuf import json_format

        inputs = json_format.MessageToDict(request.object) if request.HasField("object") else {}
        with self._lock:
            self.records.append(
                {"type": request.type, "name": request.name, "custom": request.custom, "parent": request.parent,
                 "urn": response.urn, "inputs": inputs}
            )
        return response


def set_config(config: dict[str, Any]) -> None:
    entries = {f"{PROJECT}:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}
    pulumi.runtime.set_all_config(entries, [])


def run(program: Callable[[], Any], *, monitor_factory=None) -> tuple[Any, dict[str, Any]]:
    """Run `program` under the minimal mocks as a Pulumi program; return (monitor, resolved exports)."""
    mocks = MinimalMocks()
    monitor = monitor_factory(mocks) if monitor_factory else None
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack="bench", preview=False, monitor=monitor)
    exports: dict[str, Any] = {}
    resolved: dict[str, Any] = {}

    async def body():
        program()
        for name, value in exports.items():
            resolved[name] = await pulumi.Output.from_input(value).future()

    original = pulumi.export
    pulumi.export = lambda name, value: exports.__setitem__(name, value)
    try:
        loop.run_until_complete(run_pulumi_func(body))
    finally:
        pulumi.export = original
    return monitor, resolved


def stack_program() -> None:
    runpy.run_path(str(MAIN), run_name="__main__")


# ---------------------------------------------------------------------------------------------
# The floor: the same registrations through the SDK classes, inputs given as literals.

def _class_for(token: str):
    """`aws:ecr/repository:Repository` -> pulumi_aws.ecr.Repository; None when there is no typed class."""
    package, module, name = token.split(":")
    if package == "pulumi" and module == "providers":
        return importlib.import_module(f"pulumi_{name.replace('-', '_')}").Provider
    if package == "pulumi-python":
        return None
    top = importlib.import_module(f"pulumi_{package.replace('-', '_')}")
    module = module.split("/")[0]
    owner = top if module == "index" else importlib.import_module(f"{top.__name__}.{module}")
    return getattr(owner, name, None)


_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def _keyword_names(cls) -> dict[str, str]:
    """Pulumi input name -> Python keyword of the resource class (from its `<Name>Args` input type)."""
    args_cls = getattr(importlib.import_module(cls.__module__), f"{cls.__name__}Args", None)
    if args_cls is None:
        return {}
    from pulumi import _types

    return {pulumi_name: py_name for py_name, pulumi_name in _types.input_type_py_to_pulumi_names(args_cls).items()}


def _is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(_special_sig_key) == _special_secret_sig


def _secret_inputs(value: Any) -> Any:
    """RPC secret wrappers (at any depth) back to secret Outputs, as the program passed them."""
    if _is_secret(value):
        return pulumi.Output.secret(_plain(value["value"]))
    if isinstance(value, dict):
        return {k: _secret_inputs(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_secret_inputs(v) for v in value]
    return value


def floor_program(records: list[dict]) -> Callable[[], dict]:
    """A program that registers exactly `records` (type, name, parent, inputs) through the SDK classes."""

    def program() -> dict:
        by_urn: dict[str, pulumi.Resource] = {}
        names: dict[type, dict[str, str]] = {}
        generic = 0
        for record in records:
            if record["type"] == "pulumi:pulumi:Stack":  # registered by the runtime itself
                continue
            parent = by_urn.get(record["parent"]) if record["parent"] else None
            opts = pulumi.ResourceOptions(parent=parent)
            inputs = {k: _secret_inputs(v) for k, v in record["inputs"].items()}
            if not record["custom"]:
                resource = pulumi.ComponentResource(record["type"], record["name"], None, opts)
            else:
                cls = _class_for(record["type"])
                if cls is None:
                    generic += 1
                    resource = pulumi.CustomResource(record["type"], record["name"], inputs, opts)
                else:
                    if cls not in names:
                        names[cls] = _keyword_names(cls)
                    mapping = names[cls]
                    kwargs = {mapping.get(k) or _CAMEL.sub("_", k).lower(): v for k, v in inputs.items()}
                    if "resource_name" in kwargs:  # the SDK renames this input's keyword to avoid the positional
                        kwargs["resource_name_"] = kwargs.pop("resource_name")
                    resource = cls(record["name"], opts=opts, **kwargs)
            by_urn[record["urn"]] = resource
        return {"generic": generic}  # (registrations without a typed SDK class: dynamic resources)

    return program
