"""Asynchronous (``Event``) invocations: workers that run queued events as AWS does.

Each worker takes the next due event from the ``EventQueue``, runs it through the service's
own synchronous path (same request id on every try, as AWS keeps it), sorts the outcome into a
function error, a throttle or a system error, and follows ``RetryPolicy``: done, queued again
for later, or recorded at the on-failure destination. Nothing is held in memory between tries:
a retry is a file in the queue, due later.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import replace

from strangler_core.errors import StranglerError

from .async_policy import EVENT_AGE_EXCEEDED, Outcome, RetryPolicy
from .destinations import FailureSink, failure_record, now_utc
from .errors import LambdaServiceError, ServiceStoppedError, ThrottledError
from .event_queue import EventQueue, QueuedEvent, new_event
from .result import InvokeResult

# How many events run at once (AWS reads its queue with a pool of pollers; on a laptop more
# would only start sandboxes that then wait on the same cores).
EVENT_WORKERS = 16

Invoke = Callable[[str, bytes, str], InvokeResult]


class AsyncInvocations:
    def __init__(
        self,
        queue: EventQueue,
        invoke: Invoke,
        *,
        policies: Mapping[str, RetryPolicy],
        arns: Mapping[str, str],
        sink: FailureSink,
        workers: int = EVENT_WORKERS,
    ) -> None:
        self.queue = queue
        self._invoke = invoke
        self._policies = dict(policies)
        self._arns = dict(arns)
        self._sink = sink
        self._workers = [
            threading.Thread(target=self._work, name=f"lambda-event-{i}", daemon=True)
            for i in range(workers)
        ]
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def start(self) -> None:
        for worker in self._workers:
            worker.start()

    def stop(self) -> None:
        self._stopping.set()
        self.queue.close()

    def submit(self, function: str, payload: bytes) -> str:
        """Queue one event (durably, before the caller answers 202); returns its request id."""
        event = new_event(function, payload)
        self.queue.put(event)
        self._count("accepted")
        return event.request_id

    def metrics(self) -> dict[str, object]:
        with self._lock:
            counts = dict(self._counts)
        return {
            **counts,
            "pending": self.queue.pending(),
            "in_memory": self.queue.in_memory(),
            "destination_delivery_failures": self._sink.delivery_failures,
        }

    def _count(self, what: str) -> None:
        with self._lock:
            self._counts[what] += 1

    def _work(self) -> None:
        while (event := self.queue.take()) is not None:
            self._handle(event)

    def _handle(self, event: QueuedEvent) -> None:
        policy = self._policies.get(event.function)
        age_s = time.time() - event.enqueued_at
        # (a function that left the configuration while its event waited: no retries left)
        if policy is None or policy.expired(age_s):
            self._fail(event, EVENT_AGE_EXCEEDED)
            return
        status, response = 200, b""
        try:
            result = self._invoke(event.function, event.payload, event.request_id)
        except ServiceStoppedError:
            self.queue.release(event)
            return
        except ThrottledError as exc:
            outcome, status = Outcome.THROTTLED, exc.status
        except LambdaServiceError as exc:
            outcome, status = Outcome.SYSTEM_ERROR, exc.status
        except (StranglerError, OSError):  # a sandbox that could not be started
            outcome, status = Outcome.SYSTEM_ERROR, 500
        else:
            failed = result.function_error is not None
            outcome = Outcome.FUNCTION_ERROR if failed else Outcome.SUCCESS
            response = result.payload if failed else b""
        if self._stopping.is_set() and outcome is not Outcome.SUCCESS:
            self.queue.release(event)  # killed by the stop itself: try it after a restart
            return
        self._count(outcome.value)
        decision = policy.decide(outcome, event.tries, age_s)
        after = replace(event, tries=decision.tries, last_status=status)
        if outcome is Outcome.FUNCTION_ERROR:
            after = replace(after, last_response=response)
        if decision.succeeded:
            self.queue.done(event)
            self._count("succeeded")
        elif decision.condition is not None:
            self._fail(after, decision.condition)
        else:
            assert decision.retry_in_s is not None
            self.queue.reschedule(event, replace(after, due_at=time.time() + decision.retry_in_s))

    def _fail(self, event: QueuedEvent, condition: str) -> None:
        arn = self._arns.get(event.function, event.function)
        record = failure_record(event, function_arn=arn, condition=condition, now=now_utc())
        self._sink.send(event.function, record)
        self.queue.done(event)
        self._count(f"failed_{condition}")
