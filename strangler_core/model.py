"""One way to load validated data: strict, frozen pydantic models whose errors name file and key.

Every document the harness reads (strangler.toml, function specs, prices, raw results, route
tables) is declared once as a ``StrictModel``; ``load`` turns pydantic's ``ValidationError`` into
the harness's ``ConfigError`` with the source and the key of each problem, so a user sees
``service.json: functions[0].memory_mb: must be >= 128, got 64``, never a pydantic traceback.
A loader whose documents have their own way of naming a key (``[gateway] port`` in TOML, the
route key in a route table) passes ``render``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Strict, ValidationError
from pydantic_core import ErrorDetails

from strangler_core.errors import ConfigError

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

Items = Annotated[tuple[T, ...], Strict(False)]
"""A tuple field that also takes a list: TOML and JSON have lists, frozen models keep tuples."""


def _check_port(port: int) -> int:
    if not 0 <= port <= 65535:
        raise ValueError(f"{port} is not a TCP port (0-65535; 0 picks a free one)")
    return port


Port = Annotated[int, AfterValidator(_check_port)]


class StrictModel(BaseModel):
    """Typed (no coercion: ``"8000"`` is not a port), frozen, and an unknown key is an error."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class InvalidKey(ValueError):
    """Raised by a model validator about one key, so the message names that key."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a document."""

    loc: tuple[int | str, ...]
    """Where: ``("gateway", "port")``; empty when the problem is the document as a whole."""
    message: str
    """What, phrased to follow the key: ``must be <= 65535``."""
    unknown: bool = False
    """The key is not one the model knows."""


Render = Callable[[str, Problem], str]


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_TYPES = {
    "int_type": "an integer",
    "float_type": "a number",
    "string_type": "a string",
    "bool_type": "true or false",
    "tuple_type": "a list",
    "list_type": "a list",
    "dict_type": "a table (an object)",
    "model_type": "a table (an object)",
    "model_attributes_type": "a table (an object)",
}
_BOUNDS = {
    "greater_than_equal": (">=", "ge"),
    "greater_than": (">", "gt"),
    "less_than_equal": ("<=", "le"),
    "less_than": ("<", "lt"),
}


def problem(error: ErrorDetails) -> Problem:
    """A pydantic error as a ``Problem`` with a message for people, not for pydantic users."""
    kind, loc, ctx = error["type"], tuple(error["loc"]), error.get("ctx") or {}
    if kind == "extra_forbidden":
        return Problem(loc, "unknown key", unknown=True)
    if kind == "missing":
        return Problem(loc, "is required")
    if kind == "value_error" and isinstance(ctx.get("error"), ValueError):
        cause = ctx["error"]
        if isinstance(cause, InvalidKey):
            return Problem((*loc, cause.key), str(cause))
        return Problem(loc, str(cause))
    if kind in _TYPES:
        return Problem(loc, f"must be {_TYPES[kind]}, got {_shown(error['input'])}")
    if kind == "literal_error":
        return Problem(loc, f"must be {ctx['expected']}, got {_shown(error['input'])}")
    if kind in _BOUNDS:
        sign, bound = _BOUNDS[kind]
        return Problem(loc, f"must be {sign} {ctx[bound]}, got {_shown(error['input'])}")
    if kind == "too_short":
        return Problem(loc, f"must have at least {ctx['min_length']} item(s)")
    return Problem(loc, error["msg"])


def error_location(loc: tuple[int | str, ...]) -> str:
    """``("gateway", "port")`` -> ``gateway.port``; list indices as ``functions[0].name``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def render_dotted(source: str, item: Problem) -> str:
    """``<source>: <dotted.key>: <message>``, the default."""
    key = error_location(item.loc)
    return f"{source}: {key}: {item.message}" if key else f"{source}: {item.message}"


def describe(
    exc: ValidationError,
    source: str,
    error_class: type[ConfigError] = ConfigError,
    *,
    render: Render = render_dotted,
) -> ConfigError:
    """One line per problem, each naming ``source`` and the key."""
    lines = [render(source, problem(error)) for error in exc.errors(include_url=False)]
    return error_class("\n".join(dict.fromkeys(lines)))


def load(
    model: type[M],
    data: Mapping[str, Any] | Any,
    source: str,
    *,
    error_class: type[ConfigError] = ConfigError,
    render: Render = render_dotted,
) -> M:
    """Validate ``data`` into ``model``; a problem raises ``ConfigError`` naming ``source``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise describe(exc, source, error_class, render=render) from None


def read_json(path: Path, error_class: type[ConfigError] = ConfigError) -> Any:
    """Read and decode one JSON file; an error names the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error_class(f"{path}: cannot read: {exc.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error_class(f"{path}: not valid JSON: {exc}") from None


def load_json_file(
    model: type[M],
    path: Path,
    *,
    error_class: type[ConfigError] = ConfigError,
    render: Render = render_dotted,
) -> M:
    """Read, decode and validate one JSON file; every error names the file."""
    data = read_json(path, error_class)
    return load(model, data, str(path), error_class=error_class, render=render)
