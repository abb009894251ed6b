"""The project files a user runs: Pulumi.yaml, the dev stack, and the published JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from registry_platform.settings.schema import render_schema, stack_config_schema
from tests.support.harness import ROOT

CONTAINER = "docker:index/container:Container"


DECRYPTED_URL = "https://hooks.example.com/decrypted"
DECRYPTED_TEXT = "Decrypted-by-the-CLI-1"


def _decrypted(value, key: str = ""):
    """`{secure: v1:...}` replaced by a stand-in of the right form, as the Pulumi CLI hands over the decrypted text."""
    if isinstance(value, dict) and set(value) == {"secure"}:
        return DECRYPTED_URL if key == "address" else DECRYPTED_TEXT
    if isinstance(value, dict):
        return {k: _decrypted(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_decrypted(v, key) for v in value]
    return value


def _has_secure(value) -> bool:
    if isinstance(value, dict):
        return set(value) == {"secure"} or any(_has_secure(v) for v in value.values())
    return isinstance(value, list) and any(_has_secure(v) for v in value)


def stack_file_config(path: Path) -> dict:
    """The `registry-platform:*` keys of a stack file, keyed as the program reads them (secure values stood in for)."""
    config = yaml.safe_load(path.read_text())["config"]
    return {key.split(":", 1)[1]: _decrypted(value) for key, value in config.items() if key.startswith("registry-platform:")}


def stack_file_secret_keys(path: Path) -> list[str]:
    """The config keys holding `secure:` values: the CLI marks them secret."""
    config = yaml.safe_load(path.read_text())["config"]
    return [key for key, value in config.items() if _has_secure(value)]


def test_project_file():
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert project["name"] == "registry-platform"
    assert project["runtime"]["name"] == "python"
    assert project["runtime"]["options"]["virtualenv"] == ".venv"


def test_dev_stack_runs_and_binds_to_loopback_with_tls_and_two_users(run_stack):
    run = run_stack(stack_file_config(ROOT / "Pulumi.dev.yaml"))
    container = run.one(CONTAINER, "self-hosted-container").inputs
    assert container["ports"][0]["ip"] == "127.0.0.1"
    files = {u["file"]: u["content"] for u in container["uploads"]}
    assert any(path.endswith("server.key") for path in files)
    htpasswd = next(content for path, content in files.items() if path.endswith("htpasswd"))
    assert [line.split(":")[0] for line in htpasswd.splitlines()] == ["admin", "ci"]
    assert run.exports["registries"].value["selfHosted"]["endpoint"] == "https://localhost:5000"


def test_dev_stack_has_a_docker_hub_mirror_next_to_the_registry(run_stack):
    run = run_stack(stack_file_config(ROOT / "Pulumi.dev.yaml"))
    mirror = run.one(CONTAINER, "mirror-docker-hub-container").inputs
    assert mirror["ports"][0]["ip"] == "127.0.0.1" and mirror["ports"][0]["external"] == 5001
    config = yaml.safe_load({u["file"]: u["content"] for u in mirror["uploads"]}["/etc/docker/registry/config.yml"])
    assert config["proxy"] == {"remoteurl": "https://registry-1.docker.io"} and "tls" in config["http"]
    assert run.exports["pullThroughCaches"].value["docker-hub"]["selfHosted"]["pullPrefix"] == "localhost:5001"


def test_published_schema_is_up_to_date():
    published = (ROOT / "schema" / "stack-config.schema.json").read_text()
    assert published == render_schema(), "run: python -m registry_platform.settings.schema > schema/stack-config.schema.json"


@pytest.mark.parametrize("stack_file", sorted(ROOT.glob("Pulumi.*.yaml")), ids=lambda p: p.name)
def test_stack_files_validate_against_the_schema(stack_file):
    jsonschema.validate(yaml.safe_load(stack_file.read_text()), stack_config_schema())


def test_schema_catches_what_the_settings_catch():
    schema = stack_config_schema()
    bad_key = {"config": {"registry-platform:selfHosted": {"prot": 5000}}}
    with pytest.raises(jsonschema.ValidationError, match="prot"):
        jsonschema.validate(bad_key, schema)
    bad_port = {"config": {"registry-platform:selfHosted": {"port": 70000}}}
    with pytest.raises(jsonschema.ValidationError, match="70000"):
        jsonschema.validate(bad_port, schema)
    unknown_top = {"config": {"registry-platform:selfhosted": {}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(unknown_top, schema)
    secret = {"config": {"registry-platform:selfHosted": {"users": [{"name": "a", "password": {"secure": "v1:abc"}}]},
                         "docker:host": "unix:///var/run/docker.sock"}}
    jsonschema.validate(secret, schema)
    assert json.loads(render_schema())["$defs"]["SelfHostedRegistryArgs"]["additionalProperties"] is False
