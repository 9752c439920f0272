"""What a preflight takes (one scaling event's numbers and the limits in its way) and gives."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from strangler.aws.preflight.limits import (
    API_ACCOUNT_BURST,
    API_ACCOUNT_RATE,
    DEFAULT_ACCOUNT_CONCURRENCY,
    SCALE_PER_10S,
    SUPERUSER_RESERVED_CONNECTIONS,
    PreflightError,
)
from strangler_core.routes import Throttle

Result = Literal["pass", "warn", "fail"]


@dataclass(frozen=True)
class Check:
    name: str
    result: Result
    numbers: str
    advice: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "name": self.name,
            "result": self.result,
            "numbers": self.numbers,
            "advice": self.advice,
        }


@dataclass(frozen=True)
class PreflightInputs:
    peak_rps: float
    mean_duration_s: float
    duration_source: str = "given"
    reserved_concurrency: int | None = None
    provisioned_concurrency: int = 0
    account_concurrency: int = DEFAULT_ACCOUNT_CONCURRENCY
    scale_per_10s: int = SCALE_PER_10S
    ramp_s: float | None = None
    """Seconds the event takes to reach its peak; None: a step (from nothing to peak at once)."""
    db_max_connections: int | None = None
    db_instance_class: str | None = None
    db_reserved_connections: int = SUPERUSER_RESERVED_CONNECTIONS
    monolith_connections: int = 0
    api_account_rate: float = API_ACCOUNT_RATE
    api_account_burst: int = API_ACCOUNT_BURST
    stage_throttle: Throttle | None = None
    route_throttles: Mapping[str, Throttle] = field(default_factory=dict)
    route_peak_rps: Mapping[str, float] = field(default_factory=dict)
    """Peak rps per throttled route key when known; else the whole peak is assumed to hit it."""

    def __post_init__(self) -> None:
        if self.peak_rps <= 0:
            raise PreflightError("peak_rps must be a positive number of requests per second")
        if self.mean_duration_s <= 0:
            raise PreflightError("the mean duration must be positive (seconds)")
