"""Counters per function, updated by the pool and the service, read by /strangler/metrics."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class FunctionMetrics:
    invocations: int = 0
    cold_starts: int = 0
    errors: int = 0
    timeouts: int = 0
    peak_concurrency: int = 0
    throttles: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count_invocation(self, *, cold: bool, error: bool, timeout: bool) -> None:
        with self._lock:
            self.invocations += 1
            self.cold_starts += int(cold)
            self.errors += int(error)
            self.timeouts += int(timeout)

    def count_throttle(self, reason: str) -> None:
        with self._lock:
            self.throttles[reason] += 1

    def observe_concurrency(self, in_flight: int) -> None:
        with self._lock:
            self.peak_concurrency = max(self.peak_concurrency, in_flight)

    def snapshot(self) -> dict[str, object]:
        with self._lock:
            return {
                "invocations": self.invocations,
                "cold_starts": self.cold_starts,
                "errors": self.errors,
                "timeouts": self.timeouts,
                "throttles": dict(self.throttles),
                "peak_concurrency": self.peak_concurrency,
            }
