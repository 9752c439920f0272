"""What one synchronous invocation returns, as the Invoke API reports it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InvokeResult:
    request_id: str
    payload: bytes
    function_error: str | None  # "Unhandled" when the function failed, as AWS reports it
    sandbox_id: str
    init_ms: float | None  # only on a cold start
    duration_ms: float
    log_tail: bytes  # the last 4 KB of this invocation's log, when asked for
