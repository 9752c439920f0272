from __future__ import annotations

from infra.local.gateway.throttle import Throttler, TokenBucket
from strangler_core.routes import Throttle, Throttling


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_burst_then_refills_at_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=4, burst=3, clock=clock)
    assert [bucket.try_acquire() for _ in range(4)] == [True, True, True, False]
    clock.now += 0.125  # half a token
    assert not bucket.try_acquire()
    clock.now += 0.125
    assert bucket.try_acquire()
    clock.now += 100  # refill is capped at burst
    assert [bucket.try_acquire() for _ in range(4)] == [True, True, True, False]


def test_zero_burst_refuses_everything() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=1000, burst=0, clock=clock)
    clock.now += 1
    assert not bucket.try_acquire()


def test_route_and_stage_buckets_both_apply() -> None:
    clock = FakeClock()
    throttler = Throttler(
        Throttling(stage=Throttle(rate=1, burst=3), routes={"GET /u": Throttle(rate=1, burst=1)}),
        clock,
    )
    assert throttler.allow("GET /u")
    assert not throttler.allow("GET /u")  # the route's bucket is empty
    assert throttler.allow("GET /other")
    assert throttler.allow("GET /other")
    assert not throttler.allow("GET /other")  # the stage bucket is empty


def test_without_a_stage_limit_the_account_default_applies() -> None:
    """API Gateway Developer Guide, "Amazon API Gateway quotas" (throttle quota per account,
    per Region: 10,000 requests per second, a bucket of 5,000) and "Throttle requests to your
    HTTP APIs" (account-level throttling applies to every stage without its own limits)."""
    clock = FakeClock()
    throttler = Throttler(Throttling(), clock)
    assert sum(throttler.allow("$default") for _ in range(5_001)) == 5_000
    clock.now += 0.1  # 1,000 tokens at 10,000 per second
    assert sum(throttler.allow("GET /any") for _ in range(1_001)) == 1_000


def test_reconfigure_keeps_unchanged_buckets() -> None:
    clock = FakeClock()
    settings = Throttling(
        stage=Throttle(rate=1, burst=1), routes={"GET /a": Throttle(rate=1, burst=1)}
    )
    throttler = Throttler(settings, clock)
    assert throttler.allow("GET /a")
    same = throttler.reconfigured(
        Throttling(stage=Throttle(rate=1, burst=1), routes={"GET /a": Throttle(rate=1, burst=1)})
    )
    assert not same.allow("GET /a")  # no free burst from a reload
    changed = throttler.reconfigured(Throttling(stage=Throttle(rate=1, burst=5), routes={}))
    assert changed.allow("GET /a")
