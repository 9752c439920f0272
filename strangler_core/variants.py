"""Variants of a function for ``compare``, and the latency objective that picks one.

A variant is the route's function with other settings: a memory size (the power-tuning
question), provisioned concurrency, or a pre-warm schedule (pre-warm events every K minutes for
N sandboxes, as a scheduled EventBridge rule fanning out to N concurrent invokes sends them).
``compare`` deploys each variant as its own function (same code, its own configuration) and
loads it with the same load shape; the report puts them side by side and names the cheapest one
that meets the objective.

They come from ``[compare]`` in strangler.toml (``objective = "p99<=300ms"``,
``[[compare.variants]]`` tables) or from the command line (``--variant memory=1024,prewarm=4,
every=5m``, ``--objective p99<=300ms``), validated into the same frozen models.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from strangler_core.lambda_model import MAX_MEMORY_MB, MIN_MEMORY_MB
from strangler_core.model import InvalidKey, Items, StrictModel, load

MAX_VARIANTS = 6
"""Each variant is one more load run of the same length: the bound keeps a run's time known."""
MIN_PREWARM_EVERY_MIN = 1.0
"""EventBridge's finest schedule, ``rate(1 minute)``."""

Percentile = Literal["p50", "p90", "p99"]
_OBJECTIVE_RE = re.compile(r"^\s*(p50|p90|p99)\s*<=\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s)\s*$")
_VARIANT_KEYS = {"memory": "memory_mb", "provisioned": "provisioned", "prewarm": "prewarm"}
_DURATION_RE = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(m|min|h)$")


class Objective(StrictModel):
    """A latency objective: the Lambda path's ``percentile`` at most ``max_ms``."""

    percentile: Percentile
    max_ms: Annotated[float, Field(gt=0, allow_inf_nan=False)]

    def __str__(self) -> str:
        if self.max_ms >= 1000:
            return f"{self.percentile} <= {self.max_ms / 1000:g} s"
        return f"{self.percentile} <= {self.max_ms:g} ms"


class Variant(StrictModel):
    """The route's function with some settings changed; unset ones stay as configured."""

    memory_mb: Annotated[int, Field(ge=MIN_MEMORY_MB, le=MAX_MEMORY_MB)] | None = None
    provisioned: Annotated[int, Field(ge=1)] | None = None
    """Provisioned concurrency: this many sandboxes initialised before the load starts."""
    prewarm: Annotated[int, Field(ge=1)] | None = None
    """Sandboxes each pre-warm event warms (that many concurrent ``isPrewarm`` invokes)."""
    prewarm_every_min: Annotated[float, Field(ge=MIN_PREWARM_EVERY_MIN)] | None = None

    @model_validator(mode="after")
    def _one_complete_change(self) -> Variant:
        if (self.prewarm is None) != (self.prewarm_every_min is None):
            raise InvalidKey("prewarm_every_min", "prewarm and prewarm_every_min go together")
        if self.memory_mb is None and self.provisioned is None and self.prewarm is None:
            raise InvalidKey("memory_mb", "a variant changes memory_mb, provisioned or prewarm")
        if self.provisioned is not None and self.prewarm is not None:
            raise InvalidKey("prewarm", "pre-warming provisioned sandboxes buys nothing")
        return self

    @property
    def name(self) -> str:
        """Short, and usable in a function name: ``m1024``, ``pc2``, ``m512-warm4x5m``."""
        parts = []
        if self.memory_mb is not None:
            parts.append(f"m{self.memory_mb}")
        if self.provisioned is not None:
            parts.append(f"pc{self.provisioned}")
        if self.prewarm is not None and self.prewarm_every_min is not None:
            parts.append(f"warm{self.prewarm}x{self.prewarm_every_min:g}m".replace(".", "_"))
        return "-".join(parts)


def _objective_text(value: object) -> object:
    return parse_objective(value) if isinstance(value, str) else value


Variants = Annotated[Items[Variant], Field(max_length=MAX_VARIANTS)]


class CompareConfig(StrictModel):
    """``[compare]``: the variants every ``compare`` also runs, and the objective."""

    objective: Annotated[Objective, BeforeValidator(_objective_text)] | None = None
    """Written ``"p99<=300ms"``."""
    variants: Variants = ()

    @model_validator(mode="after")
    def _distinct(self) -> CompareConfig:
        repeated = repeated_variants(self.variants)
        if repeated:
            raise InvalidKey("variants", f"{', '.join(repeated)} given more than once")
        return self


def repeated_variants(variants: tuple[Variant, ...]) -> list[str]:
    names = [v.name for v in variants]
    return sorted({n for n in names if names.count(n) > 1})


def parse_objective(text: str) -> Objective:
    """``p99<=300ms`` or ``p50 <= 1.5s`` -> an ``Objective``; anything else is a ValueError."""
    match = _OBJECTIVE_RE.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not an objective such as p99<=300ms (p50, p90, p99)")
    percentile, number, unit = match.groups()
    max_ms = float(number) * (1000.0 if unit == "s" else 1.0)
    if max_ms <= 0:
        raise ValueError(f"{text!r}: the latency bound must be above 0")
    return Objective.model_validate({"percentile": percentile, "max_ms": max_ms})


def parse_variant(text: str) -> Variant:
    """``memory=1024``, ``provisioned=2``, ``prewarm=4,every=5m`` (combinations too)."""
    raw: dict[str, object] = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not value:
            raise ValueError(f"{text!r}: {item!r} is not key=value")
        if key == "every":
            raw["prewarm_every_min"] = _minutes(value, text)
        elif key in _VARIANT_KEYS:
            if not value.isdigit():
                raise ValueError(f"{text!r}: {key} must be a whole number, got {value!r}")
            raw[_VARIANT_KEYS[key]] = int(value)
        else:
            raise ValueError(
                f"{text!r}: unknown key {key!r} (known: memory, provisioned, prewarm, every)"
            )
    return load(Variant, raw, f"--variant {text}")


def _minutes(value: str, text: str) -> float:
    match = _DURATION_RE.match(value)
    if match is None:
        raise ValueError(f"{text!r}: every must be minutes or hours such as 5m or 1h")
    number, unit = match.groups()
    return float(number) * (60.0 if unit == "h" else 1.0)
