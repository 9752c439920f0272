"""One way to load validated data: strict, frozen pydantic models whose errors name file and key.

Every document the harness reads (strangler.toml, function specs, prices, raw results, route
tables) is declared once as a ``StrictModel``; ``load`` turns pydantic's ``ValidationError`` into
the harness's ``ConfigError`` with the source and the dotted key of each problem, so a user sees
``strangler.toml: [gateway] port: must be at most 65535``, never a pydantic traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from strangler.core.errors import ConfigError

M = TypeVar("M", bound=BaseModel)


class StrictModel(BaseModel):
    """Typed, frozen, and an unknown key is an error that names the key."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def error_location(loc: tuple[int | str, ...]) -> str:
    """``("gateway", "port")`` -> ``gateway.port``; list indices as ``functions[0].name``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def describe(
    exc: ValidationError, source: str, error_class: type[ConfigError] = ConfigError
) -> ConfigError:
    """One line per problem: ``<source>: <key>: <message>``."""
    lines = []
    for error in exc.errors(include_url=False):
        key = error_location(tuple(error["loc"]))
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        lines.append(f"{source}: {key}: {message}" if key else f"{source}: {message}")
    return error_class("\n".join(lines))


def load(model: type[M], data: Mapping[str, Any] | Any, source: str) -> M:
    """Validate ``data`` into ``model``; a problem raises ``ConfigError`` naming ``source``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise describe(exc, source) from None
