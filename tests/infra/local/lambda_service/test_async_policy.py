"""The retry schedule of asynchronous invocations, and the queue's memory bound (pure, on disk).

AWS's rules: Lambda guide, "How Lambda handles errors and retries with asynchronous invocation"
(function errors: two more tries, one minute and then two minutes later; throttles and system
errors: an exponential wait from 1 s to at most 5 minutes, until the maximum event age) and
"Configuring error handling settings for Lambda asynchronous invocations" (0-2 retries,
maximum age 60 s - 6 h).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.local.lambda_service.async_policy import Outcome, RetryPolicy, Tries
from infra.local.lambda_service.event_queue import EventQueue, new_event
from strangler_core.errors import ConfigError
from strangler_core.lambda_model import FunctionConfig
from strangler_core.model import load

AWS = RetryPolicy()


def test_function_errors_are_retried_after_one_then_two_minutes_then_fail() -> None:
    first = AWS.decide(Outcome.FUNCTION_ERROR, Tries(), age_s=0)
    assert first.retry_in_s == 60.0 and first.tries == Tries(invokes=1, function_errors=1)
    second = AWS.decide(Outcome.FUNCTION_ERROR, first.tries, age_s=60)
    assert second.retry_in_s == 120.0
    third = AWS.decide(Outcome.FUNCTION_ERROR, second.tries, age_s=180)
    assert third.condition == "RetriesExhausted" and third.tries.invokes == 3


def test_no_retries_when_max_retry_attempts_is_zero() -> None:
    decision = RetryPolicy(max_retry_attempts=0).decide(Outcome.FUNCTION_ERROR, Tries(), 0)
    assert decision.condition == "RetriesExhausted" and decision.tries.invokes == 1


def test_throttles_back_off_exponentially_from_1s_to_5_minutes() -> None:
    tries, waits = Tries(), []
    for _ in range(12):
        decision = AWS.decide(Outcome.THROTTLED, tries, age_s=0)
        assert decision.retry_in_s is not None
        waits.append(decision.retry_in_s)
        tries = decision.tries
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]
    assert tries.invokes == 0  # a throttled event never ran


def test_system_errors_retry_until_the_maximum_event_age() -> None:
    policy = RetryPolicy(max_event_age_s=60)
    assert policy.decide(Outcome.SYSTEM_ERROR, Tries(), age_s=58).retry_in_s == 1.0
    late = policy.decide(Outcome.SYSTEM_ERROR, Tries(backoffs=2), age_s=57)  # 57 + 4 > 60
    assert late.condition == "EventAgeExceeded"
    assert policy.expired(60.5) and not policy.expired(60)


def test_a_time_scale_shrinks_every_wait_and_the_age_alike() -> None:
    policy = RetryPolicy(time_scale=0.01)
    assert policy.decide(Outcome.FUNCTION_ERROR, Tries(), 0).retry_in_s == pytest.approx(0.6)
    assert policy.expired(216.1) and not policy.expired(215.9)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("max_retry_attempts", 3, "max_retry_attempts: must be <= 2, got 3"),
        ("max_event_age_s", 59, "max_event_age_s: must be >= 60, got 59"),
        ("max_event_age_s", 21601, "max_event_age_s: must be <= 21600, got 21601"),
        ("on_failure", "https://sqs.us-east-1.amazonaws.com/1/q", "SQS queue's ARN"),
    ],
)
def test_async_settings_keep_to_aws_ranges(key: str, value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load(FunctionConfig, {"name": "f", key: value}, "strangler.toml")


def test_the_queue_holds_a_bounded_window_in_memory_and_the_rest_on_disk(tmp_path: Path) -> None:
    queue = EventQueue(tmp_path, window=8)
    events = [new_event("f", b"{}", now=1000.0 + i) for i in range(50)]
    for event in reversed(events):  # latest first: each earlier one displaces a later one
        queue.put(event)
        assert queue.in_memory() <= 8
    assert queue.pending() == 50
    taken = []
    for _ in range(50):
        event = queue.take()
        assert event is not None
        taken.append(event.request_id)
        queue.done(event)
        assert queue.in_memory() <= 8
    assert taken == [e.request_id for e in events]  # in due order, each once
    assert queue.pending() == 0
