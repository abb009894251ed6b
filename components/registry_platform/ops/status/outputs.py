"""The registries of a stack, read from its outputs (`registries`, `registryCredentials`, `selfHosted`)."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

HIDDEN_SECRET = "[secret]"
"""What `pulumi stack output --json` prints for a secret without `--show-secrets`."""


class OutputsError(Exception):
    """The stack outputs could not be read or do not describe any registry."""


@dataclass(frozen=True)
class StackRegistry:
    """One registry of the stack, as its outputs describe it."""

    key: str
    kind: str
    endpoint: str
    login_server: str
    username: Optional[str] = None
    password: Optional[str] = None
    password_hidden: bool = False
    """The password exists but the outputs were read without `--show-secrets`."""
    ca_certificate_pem: Optional[str] = None
    password_expires_at: Optional[str] = None
    credential_helper: Optional[str] = None
    debug_endpoint: Optional[str] = None
    """The self-hosted registry's published debug server (`/debug/health`, `/metrics`), if any."""

    def __repr__(self) -> str:  # never show the password, even in a traceback
        return f"StackRegistry(key={self.key!r}, kind={self.kind!r}, endpoint={self.endpoint!r})"


def pulumi_stack_outputs(stack: str, cwd: Optional[Path] = None, timeout: float = 60.0) -> dict[str, Any]:
    """`pulumi stack output --json --show-secrets --stack STACK`, parsed."""
    if shutil.which("pulumi") is None:
        raise OutputsError("'pulumi' is not installed or not on PATH (or pass --outputs FILE)")
    command = ["pulumi", "stack", "output", "--json", "--show-secrets", "--stack", stack]
    try:
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise OutputsError(f"`{' '.join(command)}` did not finish within {timeout:g}s") from None
    if result.returncode != 0:
        reason = result.stderr.strip().splitlines()[-1:] or [f"exit code {result.returncode}"]
        raise OutputsError(f"`{' '.join(command)}` failed: {reason[0]}")
    return _parse(result.stdout, f"the output of `{' '.join(command)}`")


def _parse(text: str, source: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise OutputsError(f"{source} is not JSON ({error.msg} at line {error.lineno})") from None
    if not isinstance(value, dict):
        raise OutputsError(f"{source} is not a JSON object of stack outputs")
    return value


def load_outputs(
    *, stack: Optional[str] = None, file: Optional[Path] = None, cwd: Optional[Path] = None, timeout: float = 60.0
) -> dict[str, Any]:
    """The stack outputs from a file (`-` for stdin) or from the Pulumi CLI."""
    if file is not None:
        if str(file) == "-":
            import sys

            return _parse(sys.stdin.read(), "standard input")
        try:
            return _parse(Path(file).read_text(), str(file))
        except OSError as error:
            raise OutputsError(f"cannot read {file}: {error.strerror}") from None
    if stack is None:
        raise OutputsError("give --stack NAME or --outputs FILE")
    return pulumi_stack_outputs(stack, cwd=cwd, timeout=timeout)


def _password(credentials: Any) -> tuple[Optional[str], bool]:
    if credentials == HIDDEN_SECRET:
        return None, True
    if not isinstance(credentials, dict):
        return None, False
    password = credentials.get("password")
    if password == HIDDEN_SECRET:
        return None, True
    return (password if isinstance(password, str) and password else None), False


def registries_from_outputs(outputs: dict[str, Any]) -> list[StackRegistry]:
    """Every registry in the shared output shape, in key order."""
    public = outputs.get("registries")
    if not isinstance(public, dict) or not public:
        raise OutputsError("the stack outputs have no `registries` (is this a registry-platform stack, deployed?)")
    credentials = outputs.get("registryCredentials")
    self_hosted = outputs.get("selfHosted") if isinstance(outputs.get("selfHosted"), dict) else {}
    registries = []
    for key in sorted(public):
        entry = public[key]
        if not isinstance(entry, dict) or not entry.get("endpoint"):
            raise OutputsError(f"registries.{key} has no endpoint")
        password, hidden = _password(credentials.get(key) if isinstance(credentials, dict) else credentials)
        registries.append(
            StackRegistry(
                key=key,
                kind=str(entry.get("kind") or "unknown"),
                endpoint=str(entry["endpoint"]).rstrip("/"),
                login_server=str(entry.get("loginServer") or ""),
                username=entry.get("username"),
                password=password,
                password_hidden=hidden,
                ca_certificate_pem=entry.get("caCertificatePem"),
                password_expires_at=entry.get("passwordExpiresAt"),
                credential_helper=entry.get("credentialHelper"),
                debug_endpoint=self_hosted.get("debugEndpoint") if key == "selfHosted" else None,
            )
        )
    return registries
