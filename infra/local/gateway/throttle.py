"""Token-bucket throttling, as API Gateway applies it per stage and per route (pure).

A bucket holds at most ``burst`` tokens and refills at ``rate`` tokens per second; a request
takes one token or is refused (429). Time comes from an injected clock, so tests never sleep.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from strangler_core.routes import Throttle, Throttling

Clock = Callable[[], float]

ACCOUNT_DEFAULT = Throttle(rate=10_000, burst=5_000)
"""API Gateway quotas, "Throttle quota per account, per Region across HTTP APIs, ...": 10,000
requests per second, a bucket of 5,000; the stage gets it when the table sets no stage limit."""


class TokenBucket:
    """Not thread-safe: the gateway calls it from its one event loop thread."""

    __slots__ = ("_clock", "_last", "_tokens", "burst", "rate")

    def __init__(self, rate: float, burst: int, clock: Clock = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._last = clock()

    def try_acquire(self) -> bool:
        now = self._clock()
        elapsed = now - self._last
        self._last = now
        if elapsed > 0:
            self._tokens = min(float(self.burst), self._tokens + elapsed * self.rate)
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


class Throttler:
    """The stage bucket (the table's, else the account's default) plus one bucket per
    throttled route key.

    A request must pass its route's bucket and the stage bucket. Buckets survive a route
    table reload when their settings did not change, so a reload is not a free burst.
    """

    def __init__(self, settings: Throttling, clock: Clock = time.monotonic) -> None:
        self.settings = settings
        self._clock = clock
        stage = settings.stage or ACCOUNT_DEFAULT
        self._stage = TokenBucket(stage.rate, stage.burst, clock)
        self._routes = {key: _bucket(t, clock) for key, t in settings.routes.items()}

    def allow(self, route_key: str) -> bool:
        route_bucket = self._routes.get(route_key)
        if route_bucket is not None and not route_bucket.try_acquire():
            return False
        return self._stage.try_acquire()

    def reconfigured(self, settings: Throttling) -> Throttler:
        """A throttler for new settings that keeps the state of unchanged buckets."""
        if settings == self.settings:
            return self
        new = Throttler(settings, self._clock)
        if settings.stage == self.settings.stage:
            new._stage = self._stage
        new._routes.update(_unchanged(self._routes, settings.routes))
        return new


def _bucket(throttle: Throttle | None, clock: Clock) -> TokenBucket | None:
    return None if throttle is None else TokenBucket(throttle.rate, throttle.burst, clock)


def _unchanged(
    buckets: Mapping[str, TokenBucket | None], settings: Mapping[str, Throttle]
) -> dict[str, TokenBucket | None]:
    return {
        key: bucket
        for key, bucket in buckets.items()
        if bucket is not None
        and key in settings
        and (settings[key].rate, settings[key].burst) == (bucket.rate, bucket.burst)
    }
