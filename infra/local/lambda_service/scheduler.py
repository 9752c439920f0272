"""Admission decisions as pure functions: reuse a warm sandbox, start one, or throttle.

Concurrency follows AWS: a function with reserved concurrency may run at most that many
invocations; every other function shares what is left of the account limit after all
reservations. "In flight" counts busy sandboxes plus those starting for an invocation.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import Enum

SCALE_WINDOW_S = 10.0

RESERVED_LIMIT = "ReservedFunctionConcurrentInvocationLimitExceeded"
ACCOUNT_LIMIT = "ConcurrentInvocationLimitExceeded"
SCALING_RATE = "CallerRateLimitExceeded"


class Action(Enum):
    REUSE = "reuse"
    START = "start"
    THROTTLE = "throttle"


@dataclass(frozen=True)
class Decision:
    action: Action
    reason: str | None = None


@dataclass(frozen=True)
class Load:
    in_flight: int  # this function: busy + starting for an invocation
    idle: int  # this function: warm sandboxes waiting for work
    reserved: int | None
    unreserved_in_flight: int  # all functions without a reservation
    unreserved_capacity: int  # account limit minus every reservation
    recent_starts: int  # new on-demand sandboxes in the last 10 s for this function
    scale_limit: int | None


def decide(load: Load) -> Decision:
    if load.reserved is not None:
        if load.in_flight >= load.reserved:
            return Decision(Action.THROTTLE, RESERVED_LIMIT)
    elif load.unreserved_in_flight >= load.unreserved_capacity:
        return Decision(Action.THROTTLE, ACCOUNT_LIMIT)
    if load.idle > 0:
        return Decision(Action.REUSE)
    if load.scale_limit is not None and load.recent_starts >= load.scale_limit:
        return Decision(Action.THROTTLE, SCALING_RATE)
    return Decision(Action.START)


class ScaleWindow:
    """Sliding window of sandbox starts; the caller passes monotonic times."""

    def __init__(self, window_s: float = SCALE_WINDOW_S) -> None:
        self.window_s = window_s
        self._starts: deque[float] = deque()

    def count(self, now: float) -> int:
        while self._starts and self._starts[0] <= now - self.window_s:
            self._starts.popleft()
        return len(self._starts)

    def record(self, now: float) -> None:
        self._starts.append(now)
