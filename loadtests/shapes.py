"""Load scenarios as stage tables (pure), and the Locust shape that plays one.

A stage holds ``users`` until ``until_s`` seconds into the run; users start and stop at
``spawn_rate`` per second between stages.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

SCENARIOS = ("steady", "ramp", "spike", "soak", "prescale")


@dataclass(frozen=True)
class Stage:
    until_s: float
    users: int
    spawn_rate: float


def _rate(users: int) -> float:
    # reach any stage within about a second, but never start more than 100 users a second
    return float(min(max(users, 1), 100))


def steady(users: int, duration_s: float) -> tuple[Stage, ...]:
    return (Stage(duration_s, users, _rate(users)),)


def ramp(peak_users: int, duration_s: float, steps: int = 5) -> tuple[Stage, ...]:
    """Steps of equal length up to ``peak_users``."""
    step_s = duration_s / steps
    return tuple(
        Stage(step_s * (i + 1), max(1, math.ceil(peak_users * (i + 1) / steps)), _rate(peak_users))
        for i in range(steps)
    )


def spike(users: int, duration_s: float) -> tuple[Stage, ...]:
    """Baseline, a sudden 10x for a fifth of the run, then baseline again."""
    surge = users * 10
    return (
        Stage(duration_s * 0.4, users, _rate(users)),
        Stage(duration_s * 0.6, surge, float(surge)),  # all at once: that is what a spike is
        Stage(duration_s, users, float(surge)),
    )


def soak(users: int, duration_s: float) -> tuple[Stage, ...]:
    """Steady load held long (leaks, idle reaping, connection churn show up over time)."""
    return steady(users, duration_s)


def prescale(peak_users: int, duration_s: float) -> tuple[Stage, ...]:
    """Before a known scaling event: ramp to its expected peak over 60 %, then hold it."""
    climb = ramp(peak_users, duration_s * 0.6, steps=6)
    return (*climb, Stage(duration_s, peak_users, _rate(peak_users)))


def stages_for(scenario: str, users: int, duration_s: float) -> tuple[Stage, ...]:
    builders: dict[str, Callable[[int, float], tuple[Stage, ...]]] = {
        "steady": steady,
        "ramp": ramp,
        "spike": spike,
        "soak": soak,
        "prescale": prescale,
    }
    if scenario not in builders:
        raise ValueError(f"unknown scenario {scenario!r} (known: {', '.join(SCENARIOS)})")
    if users < 1 or duration_s <= 0:
        raise ValueError("users must be at least 1 and the duration positive")
    return builders[scenario](users, duration_s)


def users_for_rps(peak_rps: float, per_user_rps: float) -> int:
    """Users needed for an arrival rate when each user paces itself at ``per_user_rps``."""
    return max(1, math.ceil(peak_rps / per_user_rps))


def stage_at(stages: tuple[Stage, ...], elapsed_s: float) -> Stage | None:
    return next((stage for stage in stages if elapsed_s < stage.until_s), None)
