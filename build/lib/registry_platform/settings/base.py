"""Shared pieces of the settings layer: the model base, secret values and error reporting.

Every stack-config section is a pydantic model built on `SettingsModel`; a parse failure becomes one
`SettingsError` that lists every problem with its config path and what would be valid, and never the
value that was given (it may be a secret).
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass
from typing import Annotated, Any, Callable, Sequence, Union

import pulumi
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    PlainSerializer,
    PlainValidator,
    SecretStr,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import InitErrorDetails, PydanticCustomError


class SettingsModel(BaseModel):
    """Base of every config model: camelCase keys in YAML, snake_case in Python, unknown keys rejected.

    Checks that involve several fields go in `cross_field_problems`. They run after the fields
    validate, and also when some fields fail (skipping those fields), so that one run of
    validation reports every problem at once.
    """

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        extra="forbid",
        frozen=True,
        arbitrary_types_allowed=True,
        use_attribute_docstrings=True,
        hide_input_in_errors=True,
    )

    def cross_field_problems(self, invalid: frozenset[str]) -> list[tuple[str, str]]:
        """(sub-path, message) for each problem between fields; fields named in `invalid` failed
        their own validation and must not be read."""
        return []

    @classmethod
    def coerce(cls, args: Any):
        """The args a component was given: this model as is, or a plain mapping validated into it."""
        return args if isinstance(args, cls) else cls.model_validate(args)

    @model_validator(mode="wrap")
    @classmethod
    def _with_cross_field_problems(cls, data: Any, handler):
        try:
            model = handler(data)
        except ValidationError as error:
            raise _with_partial_cross_field_problems(cls, data, error) from None
        problems = model.cross_field_problems(frozenset())
        if problems:
            raise cross_field_error(problems)
        return model


def _field_values(cls: type[SettingsModel], data: dict, invalid: set[str]) -> dict[str, Any]:
    """The fields of `data` that validate on their own (the others are left to their defaults)."""
    values: dict[str, Any] = {}
    for name, field in cls.model_fields.items():
        if name in invalid:
            continue
        for key in (field.alias, name):
            if key in data:
                annotation = Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
                values[name] = TypeAdapter(annotation).validate_python(data[key])
                break
    return values


def _with_partial_cross_field_problems(cls: type[SettingsModel], data: Any, error: ValidationError) -> ValidationError:
    """`error`, plus the cross-field problems among the fields that did validate."""
    if not isinstance(data, dict):
        return error
    invalid = set()
    for item in error.errors():
        if item["loc"]:
            field = next((n for n, f in cls.model_fields.items() if item["loc"][0] in (n, f.alias)), None)
            invalid.add(field or str(item["loc"][0]))
    try:
        partial = cls.model_construct(**_field_values(cls, data, invalid))
        extra = partial.cross_field_problems(frozenset(invalid))
    except ValidationError:
        return error
    if not extra:
        return error
    details = [
        InitErrorDetails(
            type=PydanticCustomError(
                item["type"],
                item["msg"].replace("{", "{{").replace("}", "}}"),
                item.get("ctx") if item["type"] == "cross_field" else None,
            ),
            loc=item["loc"],
            input=item.get("input"),
        )
        for item in error.errors()
    ]
    details.append(InitErrorDetails(type=cross_field_error(extra), loc=(), input=data))
    return ValidationError.from_exception_data(cls.__name__, details, hide_input=True)


def checked(problem: Callable[[Any], str | None]) -> AfterValidator:
    """A validator from a function that returns what is wrong with a value (None when it is fine)."""

    def validate(value):
        message = problem(value)
        if message:
            raise ValueError(message)
        return value

    return AfterValidator(validate)


def duplicate_name_problem(items: Sequence[Any], what: str) -> str | None:
    """The first `.name` listed twice, as a problem message."""
    seen: set[str] = set()
    for item in items:
        if item.name in seen:
            return f"{what} '{item.name}' is listed twice; {what} names must be unique"
        seen.add(item.name)
    return None


def _to_secret(value: Any) -> SecretStr | pulumi.Output:
    if isinstance(value, (SecretStr, pulumi.Output)):
        return value
    if isinstance(value, str):
        return SecretStr(value)
    raise PydanticCustomError(
        "secret_type", "must be a string (set it with `pulumi config set --secret`) or a pulumi.Output"
    )


SECRET_JSON_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string"},
        {
            "type": "object",
            "properties": {"secure": {"type": "string"}},
            "required": ["secure"],
            "additionalProperties": False,
        },
    ],
    "writeOnly": True,
    "description": "A secret: set it with `pulumi config set --secret --path ...`.",
}

SecretInput = Annotated[
    Any,
    PlainValidator(_to_secret),
    PlainSerializer(lambda _value: "**********", return_type=str),
    WithJsonSchema(SECRET_JSON_SCHEMA),
]
"""A secret setting: a plain string from stack config (kept as `SecretStr`) or a `pulumi.Output`."""


def _to_string_input(value: Any) -> str | pulumi.Output:
    if isinstance(value, (str, pulumi.Output)):
        return value
    raise PydanticCustomError("string_input", "must be a string or a pulumi.Output")


StringInput = Annotated[
    Any,
    PlainValidator(_to_string_input),
    PlainSerializer(lambda value: value if isinstance(value, str) else "<pulumi.Output>", return_type=str),
    WithJsonSchema({"type": "string"}),
]
"""A plain setting that a Python user may also pass as a `pulumi.Output` (a key ARN made elsewhere)."""


def secret_paths(value: Any, path: str = "") -> list[str]:
    """Config paths of the plain-string secrets in a settings tree (for the plain-text check)."""
    found: list[str] = []
    if isinstance(value, SecretStr):
        found.append(path)
    elif isinstance(value, BaseModel):
        for name, field in type(value).model_fields.items():
            key = field.alias or name
            found.extend(secret_paths(getattr(value, name), f"{path}.{key}" if path else key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found.extend(secret_paths(item, f"{path}[{index}]"))
    return found


def secret_output(value: SecretStr | pulumi.Output | None) -> pulumi.Output | None:
    """Turn a `SecretInput` value into an Output that Pulumi keeps secret."""
    if value is None:
        return None
    if isinstance(value, SecretStr):
        return pulumi.Output.secret(value.get_secret_value())
    return pulumi.Output.secret(value)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the stack config: where, and what would be valid."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class SettingsError(pulumi.RunError):
    """The stack config is invalid. Raised before any resource is declared; lists every problem."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid stack config ({len(problems)} problem(s)):\n{lines}")


def cross_field_error(problems: list[tuple[str, str]]) -> PydanticCustomError:
    """One error for several cross-field problems, each under its own sub-path (`tls.mode`).

    Raise it from a model validator; `problems_from` reports each problem at its own config path.
    """
    details = "; ".join(f"{path}: {message}" for path, message in problems)
    return PydanticCustomError("cross_field", "{details}", {"details": details, "problems": problems})


def format_path(root: str, loc: tuple[Any, ...]) -> str:
    """`("users", 1, "name")` under `selfHosted` -> `selfHosted.users[1].name`."""
    path = root
    for part in loc:
        if part == "[key]":
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path


def nested_models(annotation: Any) -> list[Any]:
    """The model classes an annotation may hold (through Optional, list, dict, Annotated)."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return nested_models(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType, list, tuple, dict, typing.Literal) or origin is not None:
        found: list[Any] = []
        for arg in typing.get_args(annotation):
            found.extend(nested_models(arg))
        return found
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return []


def _valid_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The camelCase keys valid at `loc` inside `model` (for suggesting a fix to a typo)."""
    models = [model]
    for part in loc:
        if part == "[key]":
            continue
        if isinstance(part, int):
            continue
        next_models = []
        for candidate in models:
            for field_name, field in candidate.model_fields.items():
                if part in (field.alias, field_name):
                    next_models.extend(nested_models(field.annotation))
        models = next_models
    keys: list[str] = []
    for candidate in models:
        keys.extend(field.alias or name for name, field in candidate.model_fields.items())
    return sorted(set(keys))


def problems_from(error: ValidationError, model: type[BaseModel], root: str) -> list[Problem]:
    """Translate pydantic's errors into config-path problems, without echoing any input value."""
    problems = []
    for item in error.errors(include_input=False, include_url=False):
        loc = tuple(item["loc"])
        path = format_path(root, loc)
        if item["type"] == "extra_forbidden":
            valid = _valid_keys(model, loc[:-1])
            close = difflib.get_close_matches(str(loc[-1]), valid, n=1, cutoff=0.6)
            hint = f"did you mean `{close[0]}`? " if close else ""
            message = f"unknown key; {hint}valid keys here: {', '.join(valid)}"
        elif item["type"] == "cross_field":
            for sub_path, message in item["ctx"]["problems"]:
                full = ".".join(part for part in (path, sub_path) if part).replace(".[", "[")
                problems.append(Problem(full, message))
            continue
        elif item["type"] == "missing":
            message = "required key is missing"
        else:
            message = item["msg"].removeprefix("Value error, ")
        problems.append(Problem(path, message))
    return problems


def parse_section(model: type[SettingsModel], raw: Any, root: str) -> SettingsModel:
    """Validate one config section, raising `SettingsError` with every problem found."""
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        raise SettingsError(problems_from(error, model, root)) from None
