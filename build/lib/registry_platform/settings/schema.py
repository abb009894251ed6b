"""JSON Schema of the stack config, for editors validating `Pulumi.<stack>.yaml`.

Print it with `python -m registry_platform.settings.schema > schema/stack-config.schema.json`.
The schema describes a whole stack file: `config:` with `registry-platform:<key>` entries.
"""

from __future__ import annotations

import json
from typing import Any

from .stack import NAMESPACE, StackSettings


def stack_config_schema() -> dict[str, Any]:
    """The schema of a `Pulumi.<stack>.yaml` whose `registry-platform:*` keys follow `StackSettings`."""
    section = StackSettings.model_json_schema(by_alias=True, mode="validation")
    definitions = section.pop("$defs", {})
    properties = {f"{NAMESPACE}:{key}": _not_null(value) for key, value in section["properties"].items()}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "registry-platform stack file (Pulumi.<stack>.yaml)",
        "type": "object",
        "properties": {
            "config": {
                "type": "object",
                "description": "Stack config. Keys of other namespaces (aws:region, docker:host...) pass through.",
                "properties": properties,
                "patternProperties": {f"^(?!{NAMESPACE}:)": {}},
                "additionalProperties": False,
            },
            "encryptionsalt": {"type": "string"},
            "secretsprovider": {"type": "string"},
            "encryptedkey": {"type": "string"},
            "environment": {},
        },
        "$defs": definitions,
    }


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A top-level section without its `null` alternative: a null section is refused (remove the key instead)."""
    options = [option for option in schema.get("anyOf", []) if option != {"type": "null"}]
    if len(options) != 1:
        return schema
    rest = {key: value for key, value in schema.items() if key not in ("anyOf", "default")}
    return {**options[0], **rest}


def render_schema() -> str:
    return json.dumps(stack_config_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(render_schema(), end="")
