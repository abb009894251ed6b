"""Calling rules directly, and serving the pack over gRPC the way the Pulumi CLI talks to it.

`PolicyPack(...)` starts a server and blocks, so the tests never import `policies/__main__.py`:
`PackProcess` starts it as the subprocess the CLI would start (`python __main__.py` in the pack
directory, without our PYTHONPATH, so the pack proves it needs nothing from the library), reads the
port it prints, and talks to it with the analyzer stub: GetAnalyzerInfo, Configure (with the config the
CLI would reconcile: declared levels, schema defaults, the pack's initialConfig, then the user's
file), Analyze per recorded resource (its registered inputs, secrets and all) and AnalyzeStack (every
resource's outputs plus the root stack resource, whose outputs are the stack outputs).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Optional

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime import proto
from pulumi.runtime.proto import analyzer_pb2_grpc
from pulumi_policy import PolicyResource, PolicyResourceOptions, ResourceValidationArgs, StackValidationArgs
from pulumi_policy.policy import PolicyCustomTimeouts

from tests.support.harness import PROJECT, StackRun

POLICIES_DIR = Path(__file__).resolve().parents[2] / "policies"
SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
LEVEL_NAMES = {proto.ADVISORY: "advisory", proto.MANDATORY: "mandatory", proto.REMEDIATE: "remediate", proto.DISABLED: "disabled"}
LEVEL_VALUES = {name: value for value, name in LEVEL_NAMES.items()}


def _options(parent: Optional[str] = None) -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], parent)


def check(policy, resource_type: str, props: dict, *, name: str = "test", config: Optional[dict] = None) -> list[str]:
    """Run a resource rule directly; the violations' messages."""
    found: list[str] = []
    urn = f"urn:pulumi:dev::{PROJECT}::{resource_type}::{name}"
    args = ResourceValidationArgs(resource_type, props, urn, name, _options(), None, config or {})
    policy.validate(args, lambda message, urn=None: found.append(message))
    return found


def check_stack(policy, resources: Iterable[tuple[str, str, dict]], *, config: Optional[dict] = None) -> list[tuple[str, Optional[str]]]:
    """Run a stack rule directly on (type, name, outputs); the violations as (message, urn)."""
    found: list[tuple[str, Optional[str]]] = []
    policy_resources = [
        PolicyResource(t, p, f"urn:pulumi:dev::{PROJECT}::{t}::{n}", n, _options(), None, None, [], {})
        for t, n, p in resources
    ]
    policy.validate(StackValidationArgs(policy_resources, config or {}), lambda m, urn=None: found.append((m, urn)))
    return found


def _plain(value: Any) -> Any:
    """JSON-compatible value for a protobuf Struct."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, bool, int, float)) or value is None:
        return value
    return str(value)


def to_struct(value: dict) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    json_format.ParseDict(_plain(value), struct)
    return struct


def secret(value: Any) -> dict:
    return {SECRET_SIG_KEY: SECRET_SIG, "value": value}


@dataclass(frozen=True)
class Violation:
    policy: str
    resource: str
    """The resource's name ('' for a stack-wide violation)."""
    level: str
    message: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.policy, self.resource, self.level)


def reconcile(info, user_config: Optional[dict]) -> dict[str, dict]:
    """What the CLI sends in Configure (pulumi's ReconcilePolicyPackConfig): declared levels and schema
    defaults, then the pack's initialConfig, then the user's `--policy-pack-config`."""
    result: dict[str, dict] = {}
    for policy in info.policies:
        schema = json_format.MessageToDict(policy.configSchema.properties)
        defaults = {k: v["default"] for k, v in schema.items() if isinstance(v, dict) and "default" in v}
        result[policy.name] = {"level": LEVEL_NAMES[policy.enforcementLevel], "properties": defaults}
    initial = {
        name: {"enforcementLevel": LEVEL_NAMES[c.enforcementLevel], **json_format.MessageToDict(c.properties)}
        for name, c in info.initialConfig.items()
    }
    for layer in (initial, user_config or {}):
        if isinstance(layer.get("all"), str):
            for entry in result.values():
                entry["level"] = layer["all"]
        for name, given in layer.items():
            if name == "all":
                continue
            given = {"enforcementLevel": given} if isinstance(given, str) else dict(given)
            entry = result.setdefault(name, {"level": "advisory", "properties": {}})
            if "enforcementLevel" in given:
                entry["level"] = given.pop("enforcementLevel")
            entry["properties"].update(given)
    return result


class PackProcess:
    """The policy pack running as the CLI runs it, and a client speaking the analyzer protocol to it."""

    def __init__(self, environment: Optional[str] = None):
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "REGISTRY_POLICY_ENVIRONMENT")}
        if environment is not None:
            env["REGISTRY_POLICY_ENVIRONMENT"] = environment
        self.process = subprocess.Popen(
            [sys.executable, "-u", "__main__.py"],
            cwd=POLICIES_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        line = self.process.stdout.readline().decode().strip()
        if not line.isdigit():
            self.close()
            raise RuntimeError(f"the policy pack did not print its port: {line!r} {self.process.stderr.read().decode()}")
        self.port = int(line)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)
        self.info = self.stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=30)

    def close(self) -> None:
        if getattr(self, "channel", None) is not None:
            self.channel.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    def configure(self, user_config: Optional[dict] = None) -> dict[str, dict]:
        config = reconcile(self.info, user_config)
        request = proto.ConfigureAnalyzerRequest()
        for name, entry in config.items():
            request.policyConfig[name].CopyFrom(
                proto.PolicyConfig(enforcementLevel=LEVEL_VALUES[entry["level"]], properties=to_struct(entry["properties"]))
            )
        self.stub.Configure(request, timeout=30)
        return config

    def analyze_run(self, run: StackRun, *, stack: str, user_config: Optional[dict] = None) -> list[Violation]:
        """Every Analyze and the AnalyzeStack the engine would send for this recorded run."""
        self.configure(user_config)
        violations: list[Violation] = []
        by_urn = {r.urn: r for r in run.resources}
        for registration in run.resources:
            request = proto.AnalyzeRequest(
                type=registration.type,
                name=registration.name,
                urn=registration.urn,
                properties=registration.request.object,
                options=proto.AnalyzerResourceOptions(parent=registration.request.parent),
            )
            response = self.stub.Analyze(request, timeout=60)
            violations += [
                Violation(d.policyName, registration.name, LEVEL_NAMES[d.enforcementLevel], d.message)
                for d in response.diagnostics
            ]
        stack_urn = f"urn:pulumi:{stack}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{stack}"
        outputs = {name: secret(_plain(e.value)) if e.secret else e.value for name, e in run.exports.items()}
        resources = [proto.AnalyzerResource(type="pulumi:pulumi:Stack", name=f"{PROJECT}-{stack}", urn=stack_urn, properties=to_struct(outputs))]
        resources += [
            proto.AnalyzerResource(
                type=r.type, name=r.name, urn=r.urn, properties=to_struct(r.outputs), parent=r.request.parent or stack_urn
            )
            for r in run.resources
        ]
        response = self.stub.AnalyzeStack(proto.AnalyzeStackRequest(resources=resources), timeout=60)
        for d in response.diagnostics:
            resource = by_urn.get(d.urn)
            violations.append(
                Violation(d.policyName, resource.name if resource else "", LEVEL_NAMES[d.enforcementLevel], d.message)
            )
        return violations


def stack_files() -> dict[str, dict]:
    """Every Pulumi.<stack>.yaml of the repository: stack name -> our project's config (without the
    prefix; `secure:` values stood in for, as the CLI hands them over decrypted)."""
    from tests.unit.test_stack_files import stack_file_config

    return {path.name[len("Pulumi.") : -len(".yaml")]: stack_file_config(path) for path in _stack_paths()}


def stack_secret_keys(stack: str) -> list[str]:
    """The config keys of a stack file that hold `secure:` values (the CLI marks them secret)."""
    from tests.unit.test_stack_files import stack_file_secret_keys

    return stack_file_secret_keys(POLICIES_DIR.parent / f"Pulumi.{stack}.yaml")


def _stack_paths():
    return sorted(POLICIES_DIR.parent.glob("Pulumi.*.yaml"))


def environment_of(stack: str) -> str:
    return "dev" if stack == "dev" else "prod"


def mandatory(violations: Iterable[Violation]) -> list[Violation]:
    return [v for v in violations if v.level == "mandatory"]


def keys(violations: Iterable[Violation]) -> set[tuple[str, str, str]]:
    return {v.key for v in violations}


def pretty(violations: Iterable[Violation]) -> str:
    return json.dumps([[v.policy, v.resource, v.level, v.message.splitlines()[-1]] for v in violations], indent=1)
