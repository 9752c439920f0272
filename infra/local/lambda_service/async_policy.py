"""When an asynchronous (``Event``) invocation is tried again, and when it has failed: pure.

AWS's rules (Lambda guide, "How Lambda handles errors and retries with asynchronous
invocation"): after a function error Lambda runs the function up to two more times, waiting one
minute before the first retry and two minutes before the second; throttles (429) and system
errors (500-series) put the event back in the queue, retried with a wait that grows
exponentially from 1 second to at most 5 minutes, until the event reaches its maximum age
(6 hours by default). An event that fails for good goes to the on-failure destination with the
condition ``RetriesExhausted`` or ``EventAgeExceeded``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

FUNCTION_ERROR_DELAYS_S = (60.0, 120.0)
BACKOFF_FIRST_S = 1.0
BACKOFF_MAX_S = 300.0
RETRIES_EXHAUSTED = "RetriesExhausted"
EVENT_AGE_EXCEEDED = "EventAgeExceeded"


class Outcome(enum.Enum):
    SUCCESS = "success"
    FUNCTION_ERROR = "function_error"  # the handler or its runtime failed (timeouts too)
    THROTTLED = "throttled"  # 429: no concurrency for it now
    SYSTEM_ERROR = "system_error"  # the service could not run it (500-series)


@dataclass(frozen=True)
class Tries:
    """What an event went through so far."""

    invokes: int = 0  # times the function ran (AWS's approximateInvokeCount)
    function_errors: int = 0
    backoffs: int = 0  # throttles and system errors in a row


@dataclass(frozen=True)
class Decision:
    tries: Tries
    retry_in_s: float | None = None  # try again after this many (real) seconds
    condition: str | None = None  # failed for good: the on-failure record's condition

    @property
    def succeeded(self) -> bool:
        return self.retry_in_s is None and self.condition is None


@dataclass(frozen=True)
class RetryPolicy:
    """One function's ``max_retry_attempts`` and ``max_event_age_s``; ``time_scale`` shrinks
    every wait alike (1.0: AWS's own schedule)."""

    max_retry_attempts: int = 2
    max_event_age_s: float = 21600.0
    time_scale: float = 1.0

    def expired(self, age_s: float) -> bool:
        """Whether an event ``age_s`` (real) seconds old may no longer be sent."""
        return age_s > self.max_event_age_s * self.time_scale

    def decide(self, outcome: Outcome, tries: Tries, age_s: float) -> Decision:
        """What follows ``outcome`` of an event that is ``age_s`` real seconds old."""
        if outcome is Outcome.SUCCESS:
            return Decision(Tries(tries.invokes + 1, tries.function_errors, 0))
        if outcome is Outcome.FUNCTION_ERROR:
            after = Tries(tries.invokes + 1, tries.function_errors + 1, 0)
            if after.function_errors > self.max_retry_attempts:
                return Decision(after, condition=RETRIES_EXHAUSTED)
            delay = FUNCTION_ERROR_DELAYS_S[after.function_errors - 1]
        else:
            after = Tries(tries.invokes, tries.function_errors, tries.backoffs + 1)
            delay = min(BACKOFF_FIRST_S * 2**tries.backoffs, BACKOFF_MAX_S)
        wait_s = delay * self.time_scale
        if self.expired(age_s + wait_s):
            return Decision(after, condition=EVENT_AGE_EXCEEDED)
        return Decision(after, retry_in_s=wait_s)
