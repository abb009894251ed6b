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
    WrapValidator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import InitErrorDetails, PydanticCustomError
from pydantic_core.core_schema import ErrorType


class SettingsModel(BaseModel):
    """Base of every config model: camelCase keys in YAML, snake_case in Python, unknown keys rejected.

    Values are strict: a number is a number (`true`, `5000.0` and `"5000"` are not a port), a boolean
    is `true` or `false`, text is text. Pulumi hands the stack config over as JSON values, so nothing
    a user writes right needs coercing, and what is coerced is almost always a mistake.

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
        strict=True,
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
    return with_problems(error, extra, data)


def with_problems(error: ValidationError, problems: list[tuple[str, str]], given: Any) -> ValidationError:
    """`error` and further (sub-path, message) problems, as one error (each is reported)."""
    details = [_error_details(item) for item in error.errors()]
    details.append(InitErrorDetails(type=cross_field_error(problems), loc=(), input=given))
    return ValidationError.from_exception_data(error.title, details, hide_input=True)


_PYDANTIC_ERROR_TYPES = frozenset(typing.get_args(ErrorType))


def _error_details(item: dict[str, Any]) -> InitErrorDetails:
    """One reported error, rebuilt as it was (type and context kept, so `problems_from` can word it)."""
    if item["type"] == "cross_field":
        kind: Any = cross_field_error(item["ctx"]["problems"])
    elif item["type"] in _PYDANTIC_ERROR_TYPES:
        kind = item["type"]
    else:  # our own error types; without a context the message is kept as it is
        kind = PydanticCustomError(item["type"], item["msg"])
    details = InitErrorDetails(type=kind, loc=item["loc"], input=item.get("input"))
    if isinstance(kind, str) and "ctx" in item:
        details["ctx"] = item["ctx"]
    return details


Found = Union[str, Sequence[tuple[str, str]], None]
"""What a check found: nothing (None or []), one message, or (sub-path, message) for each part at fault."""


def checked(problems: Callable[[Any], Found]) -> AfterValidator:
    """A validator from a function that says what is wrong with a value.

    A function that looks at parts (list entries, map keys) returns each offender at its sub-path
    (`[2].name`, `team`), so that all of them are reported at once, not only the first.
    """

    def validate(value):
        found = problems(value)
        if isinstance(found, str):
            raise ValueError(found)
        if found:
            raise cross_field_error(list(found))
        return value

    return AfterValidator(validate)


def duplicate_name_problems(items: Sequence[Any], what: str) -> list[tuple[str, str]]:
    """Each entry whose name an earlier entry already has, at `[index].name` (entries parsed or raw)."""
    first: dict[str, int] = {}
    problems = []
    for index, item in enumerate(items):
        name = item.get("name") if isinstance(item, dict) else getattr(item, "name", None)
        if not isinstance(name, str):
            continue
        if name in first:
            problems.append((
                f"[{index}].name", f"{what} '{name}' is already entry [{first[name]}]; {what} names must be unique"
            ))
        first.setdefault(name, index)
    return problems




def unique_names(what: str) -> WrapValidator:
    """A list whose entries' names must differ; checked from the names given even when some entry
    is wrong in another way, so that a duplicate is reported in the same run."""

    def validate(value: Any, handler):
        try:
            items = handler(value)
        except ValidationError as error:
            found = duplicate_name_problems(value, what) if isinstance(value, list) else []
            if not found:
                raise
            raise with_problems(error, found, value) from None
        found = duplicate_name_problems(items, what)
        if found:
            raise cross_field_error(found)
        return items

    return WrapValidator(validate)


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

_SECRET_VALIDATOR = PlainValidator(_to_secret)

SecretInput = Annotated[
    Any,
    _SECRET_VALIDATOR,
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


def is_secret_annotation(annotation: Any) -> bool:
    """Whether a field holds a `SecretInput` (alone, or optional)."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return any(meta is _SECRET_VALIDATOR for meta in annotation.__metadata__)
    if origin in (Union, types.UnionType):
        return any(is_secret_annotation(arg) for arg in typing.get_args(annotation))
    return False


def field_is_secret(field: Any) -> bool:
    """Whether a model field holds a `SecretInput`. pydantic moves the metadata of a required
    `SecretInput` field off its annotation (into `field.metadata`), so both are looked at."""
    return is_secret_annotation(field.annotation) or any(meta is _SECRET_VALIDATOR for meta in field.metadata)


def _field_named(model: type[BaseModel], key: Any) -> Any:
    return next((f for n, f in model.model_fields.items() if key in (n, f.alias)), None)


def plain_secret_paths(model: type[BaseModel], data: Any, path: str = "") -> list[str]:
    """Config paths of the secret settings given as plain strings in raw config `data`.

    Walks the raw values, not a parsed model, so that it also finds them in a config that does not
    parse (every problem is reported in one run).
    """
    found: list[str] = []
    if not isinstance(data, dict):
        return found
    for key, value in data.items():
        field = _field_named(model, key)
        if field is None:
            continue
        here = f"{path}.{key}" if path else str(key)
        if field_is_secret(field):
            found.extend([here] if isinstance(value, str) else [])
            continue
        for nested in nested_models(field.annotation):
            entries = enumerate(value) if isinstance(value, list) else [(None, value)]
            for index, entry in entries:
                found.extend(plain_secret_paths(nested, entry, here if index is None else f"{here}[{index}]"))
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


def _models_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[type[BaseModel]]:
    """The model classes that may sit at `loc` inside `model`."""
    models = [model]
    for part in loc:
        if part == "[key]" or isinstance(part, int):
            continue
        models = [nested for candidate in models for nested in nested_models(_annotation_of(candidate, part))]
    return models


def _annotation_of(model: type[BaseModel], key: Any) -> Any:
    field = _field_named(model, key)
    return field.annotation if field is not None else None


def _valid_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The camelCase keys valid at `loc` inside `model` (for suggesting a fix to a typo)."""
    keys = [field.alias or name for candidate in _models_at(model, loc) for name, field in candidate.model_fields.items()]
    return sorted(set(keys))


def _description_at(model: type[BaseModel], loc: tuple[Any, ...]) -> str | None:
    """The documented meaning of the setting at `loc` (its field docstring), to say what is expected."""
    keys = list(loc)
    while keys and (isinstance(keys[-1], int) or keys[-1] == "[key]"):
        keys.pop()
    if not keys:
        return None
    for candidate in _models_at(model, tuple(keys[:-1])):
        field = _field_named(candidate, keys[-1])
        if field is not None and field.description:
            return field.description.rstrip(".")
    return None


MAX_ECHO = 60
"""Longest value echoed in full in a message; longer ones are cut (a config value can be 10 KB)."""


def shown(text: str) -> str:
    """A value as a message may echo it: in full when short, else its start and its length."""
    if len(text) <= MAX_ECHO:
        return text
    return f"{text[:MAX_ECHO - 20]}... ({len(text):,} characters)"


def _long_strings(value: Any) -> set[str]:
    """The strings in a raw value (keys, entries, nested) too long to echo in full."""
    if isinstance(value, str):
        return {value} if len(value) > MAX_ECHO else set()
    if isinstance(value, dict):
        return set().union(*(_long_strings(k) | _long_strings(v) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return set().union(*(_long_strings(v) for v in value))
    return set()


def _shortened(message: str, given: Any) -> str:
    """`message` with every long value it echoes from `given` cut down (the one place echoes are cut)."""
    for text in sorted(_long_strings(given), key=len, reverse=True):
        message = message.replace(text, shown(text))
    return message


def _kind_of(value: Any) -> str:
    """What a wrong value is, in YAML terms (the value itself is never echoed: it may be a secret)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "quoted text" if value.strip().lstrip("-").replace(".", "", 1).isdigit() else "text"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "something else"


_QUOTE_HINT = (
    "; YAML reads unquoted digits as a number (dropping leading zeros), so quote it, e.g. '012345678901'"
)


def _text_expected(value: Any) -> str:
    hint = _QUOTE_HINT if isinstance(value, (int, float)) and not isinstance(value, bool) else ""
    if isinstance(value, bool):
        hint = "; quote it ('true') to mean the text"
    return f"must be text, not {_kind_of(value)}{hint}"


def _whole_number_expected(value: Any) -> str:
    if isinstance(value, str):
        return f"must be a whole number, not {_kind_of(value)}; write it without quotes"
    if isinstance(value, float):
        return "must be a whole number, without a decimal point"
    return f"must be a whole number, not {_kind_of(value)}"


def _boolean_expected(value: Any) -> str:
    hint = "; write true or false without quotes" if isinstance(value, str) else ""
    return f"must be true or false, not {_kind_of(value)}{hint}"


_PLURALS = {"entry": "entries"}


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {_PLURALS.get(noun, noun + 's')}"


_ENTRY = {"List": "entry", "Dictionary": "key", "Value": "entry"}

_MESSAGES: dict[str, Callable[[dict[str, Any], Any], str]] = {
    "missing": lambda ctx, value: "required key is missing",
    "int_type": lambda ctx, value: _whole_number_expected(value),
    "int_from_float": lambda ctx, value: _whole_number_expected(value),
    "int_parsing": lambda ctx, value: _whole_number_expected(value),
    "bool_type": lambda ctx, value: _boolean_expected(value),
    "bool_parsing": lambda ctx, value: _boolean_expected(value),
    "string_type": lambda ctx, value: _text_expected(value),
    "string_input": lambda ctx, value: _text_expected(value),
    "model_type": lambda ctx, value: f"must be a mapping of keys to values, not {_kind_of(value)}",
    "model_attributes_type": lambda ctx, value: f"must be a mapping of keys to values, not {_kind_of(value)}",
    "dict_type": lambda ctx, value: f"must be a mapping of keys to values, not {_kind_of(value)}",
    "list_type": lambda ctx, value: f"must be a list, not {_kind_of(value)}",
    "literal_error": lambda ctx, value: f"must be {ctx['expected']}",
    "enum": lambda ctx, value: f"must be {ctx['expected']}",
    "greater_than_equal": lambda ctx, value: f"must be at least {ctx['ge']}",
    "greater_than": lambda ctx, value: f"must be more than {ctx['gt']}",
    "less_than_equal": lambda ctx, value: f"must be at most {ctx['le']}",
    "less_than": lambda ctx, value: f"must be less than {ctx['lt']}",
    "too_short": lambda ctx, value: (
        f"must have at least {_count(ctx['min_length'], _ENTRY.get(ctx.get('field_type'), 'entry'))} "
        f"(it has {ctx.get('actual_length', 0)})"
    ),
    "too_long": lambda ctx, value: (
        f"must have at most {_count(ctx['max_length'], _ENTRY.get(ctx.get('field_type'), 'entry'))} "
        f"(it has {ctx.get('actual_length', '')})"
    ),
    "string_too_short": lambda ctx, value: f"must be at least {_count(ctx['min_length'], 'character')} long",
    "string_too_long": lambda ctx, value: f"must be at most {_count(ctx['max_length'], 'character')} long",
    "string_pattern_mismatch": lambda ctx, value: "is not in the expected form",
}
"""pydantic's error types as a person editing YAML would say them (no class names, no regexes)."""


def _message(item: dict[str, Any], model: type[BaseModel], path: str) -> str:
    """What is wrong at one place, and what would be valid, in the terms of the stack file."""
    kind, ctx, given = item["type"], item.get("ctx") or {}, item.get("input")
    if kind == "secret_type":
        return f"must be text, set as a secret: `pulumi config set --secret --path '{path}' ...`"
    if kind in _MESSAGES:
        message = _MESSAGES[kind](ctx, given)
        if kind in ("missing", "string_pattern_mismatch"):
            description = _description_at(model, tuple(item["loc"]))
            message += f" ({description})" if description else ""
        return message
    return item["msg"].removeprefix("Value error, ").replace("Input should be", "must be")


def problems_from(error: ValidationError, model: type[BaseModel], root: str) -> list[Problem]:
    """Translate pydantic's errors into config-path problems, without echoing any secret value."""
    problems = []
    for item in error.errors(include_url=False):
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
                problems.append(Problem(_shortened(full, item.get("input")), _shortened(message, item.get("input"))))
            continue
        else:
            message = _message(item, model, path)
        problems.append(Problem(_shortened(path, loc), _shortened(message, item.get("input"))))
    return problems


def parse_section(model: type[SettingsModel], raw: Any, root: str) -> SettingsModel:
    """Validate one config section, raising `SettingsError` with every problem found."""
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        raise SettingsError(problems_from(error, model, root)) from None
