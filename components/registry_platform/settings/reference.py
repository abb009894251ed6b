"""The config reference table in the README, generated from the models so it cannot drift.

`python -m registry_platform.settings.reference` prints the markdown that sits between the
`<!-- config-reference:start -->` and `<!-- config-reference:end -->` markers of README.md;
`python -m registry_platform.settings.reference --write README.md` replaces it there.
"""

from __future__ import annotations

import json
import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined, to_jsonable_python

from .base import nested_models
from .stack import NAMESPACE, StackSettings

START = "<!-- config-reference:start -->"
END = "<!-- config-reference:end -->"


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        for meta in typing.get_args(annotation)[1:]:
            schema = getattr(meta, "json_schema", None)
            if isinstance(schema, dict) and schema.get("writeOnly"):
                return "secret string"
            if isinstance(schema, dict) and schema.get("type") == "string":
                return "string"
        return _type_name(args[0])
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin in (list, tuple):
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return "object" if args[1] is Any else f"map of {_type_name(args[1])}"
    if origin in (typing.Union, types.UnionType):
        names = [_type_name(a) for a in args if a is not type(None)]
        return " or ".join(names)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "object"
    names = {str: "string", int: "integer", bool: "boolean"}
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _default(field) -> str:
    if field.is_required():
        return "required"
    if field.default_factory is not None:
        value = field.default_factory()
        if isinstance(value, BaseModel):
            return "see below"
        if value in ({}, []):
            return "empty"
        return f"`{json.dumps(to_jsonable_python(value, by_alias=True))}`"
    if field.default is None or field.default is PydanticUndefined:
        return "none"
    return f"`{json.dumps(field.default)}`"


def _rows(model: type[BaseModel], prefix: str) -> list[str]:
    rows = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        path = f"{prefix}.{key}" if prefix else key
        description = (field.description or "").replace("\n", " ").replace("|", "\\|")
        # pydantic moves a required field's Annotated metadata (secret, string input) to `metadata`.
        annotation = typing.Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
        rows.append(f"| `{path}` | {_type_name(annotation)} | {_default(field)} | {description} |")
        for nested in nested_models(field.annotation):
            is_list = typing.get_origin(field.annotation) is list
            rows.extend(_rows(nested, f"{path}[]" if is_list else path))
    return rows


def render_reference() -> str:
    lines = [START, "", "| key | type | default | description |", "|---|---|---|---|"]
    for name, field in StackSettings.model_fields.items():
        key = f"{NAMESPACE}:{field.alias or name}"
        description = (field.description or "").replace("\n", " ").replace("|", "\\|")
        is_list = typing.get_origin(field.annotation) is list  # a list of entries (pullThroughCaches), else a section
        kind, default = ("list of object", "empty") if is_list else ("object", "none")
        lines.append(f"| `{key}` | {kind} | {default} | {description} |")
        for nested in nested_models(field.annotation):
            lines.extend(_rows(nested, f"{field.alias or name}[]" if is_list else field.alias or name))
    lines += ["", END]
    return "\n".join(lines) + "\n"


def write_into(path: str) -> None:
    """Replace the marked reference section of a markdown file with a fresh one."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    start, end = text.index(START), text.index(END) + len(END) + 1
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text[:start] + render_reference() + text[end:])


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] == ["--write"]:
        write_into(sys.argv[2])
    else:
        print(render_reference(), end="")
