"""The asynchronous invocation queue: durable on disk, a bounded window of it in memory.

Every accepted event is one file in the spool directory, named by when it is due
(``<due ms>-<id>.json``), written atomically before the Invoke API answers 202; it is deleted
only once the event succeeded or its failure was recorded. Memory holds only the names of the
earliest ``window`` events (never a payload but those being run), so a backlog of any size
costs disk, not memory, and a restarted service (or another process that dropped files in,
as ``strangler dlq redrive`` does) finds every event that was not finished.

Invariant that keeps the window honest: every key in it is at most ``_spill_floor``, and every
event only on disk is at least that; when the window runs dry (or every ``rescan_s``) it is
rebuilt from the directory.
"""

from __future__ import annotations

import base64
import heapq
import json
import os
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from strangler_core.atomic import write_atomic

from .async_policy import Tries

WINDOW = 256
RESCAN_S = 1.0


@dataclass(frozen=True)
class QueuedEvent:
    request_id: str
    function: str
    payload: bytes
    enqueued_at: float  # epoch seconds: the event's age runs from here
    due_at: float  # epoch seconds: not to be sent before
    tries: Tries = field(default_factory=Tries)
    last_status: int = 200  # of the last attempt, for the on-failure record
    last_response: bytes = b""  # the last function error's payload

    @property
    def key(self) -> str:
        return f"{int(self.due_at * 1000):014d}-{self.request_id}.json"

    def to_json(self) -> str:
        doc = asdict(self)
        doc["payload"] = base64.b64encode(self.payload).decode()
        doc["last_response"] = base64.b64encode(self.last_response).decode()
        return json.dumps(doc)

    @classmethod
    def from_json(cls, raw: str | bytes) -> QueuedEvent:
        doc = json.loads(raw)
        doc["payload"] = base64.b64decode(doc["payload"])
        doc["last_response"] = base64.b64decode(doc["last_response"])
        doc["tries"] = Tries(**doc["tries"])
        return cls(**doc)


def new_event(function: str, payload: bytes, *, now: float | None = None) -> QueuedEvent:
    at = time.time() if now is None else now
    return QueuedEvent(str(uuid.uuid4()), function, payload, enqueued_at=at, due_at=at)


def spool(directory: Path, event: QueuedEvent) -> None:
    """Put ``event`` in the spool directory (any process may: the service picks it up)."""
    directory.mkdir(parents=True, exist_ok=True)
    write_atomic(directory / event.key, event.to_json())


class EventQueue:
    def __init__(
        self, directory: Path, *, window: int = WINDOW, rescan_s: float = RESCAN_S
    ) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._window_size = window
        self._rescan_s = rescan_s
        self._cond = threading.Condition()
        self._window: list[str] = []  # a heap of keys (names sort by due time)
        self._in_flight: set[str] = set()
        self._spill_floor: str | None = None  # the smallest key only on disk, if any
        self._next_scan = 0.0
        self._closed = False

    def put(self, event: QueuedEvent) -> None:
        """Store ``event`` durably, then make it visible to ``take``."""
        spool(self.directory, event)
        self._admit(event.key)

    def reschedule(self, old: QueuedEvent, new: QueuedEvent) -> None:
        """Replace ``old`` (taken) by ``new``, due later: written before the old is removed."""
        spool(self.directory, new)
        self._remove(old.key)
        self._admit(new.key)

    def done(self, event: QueuedEvent) -> None:
        """``event`` (taken) is finished: succeeded or its failure recorded."""
        self._remove(event.key)

    def release(self, event: QueuedEvent) -> None:
        """``event`` (taken) was not run (the service is stopping): it stays queued."""
        with self._cond:
            self._in_flight.discard(event.key)

    def take(self) -> QueuedEvent | None:
        """The next due event, waiting for one; None once closed."""
        with self._cond:
            while True:
                if self._closed:
                    return None
                now = time.time()
                if time.monotonic() >= self._next_scan or (
                    not self._window and self._spill_floor is not None
                ):
                    self._rescan()
                if self._window and _due_ms(self._window[0]) <= now * 1000:
                    key = heapq.heappop(self._window)
                    self._in_flight.add(key)
                    break
                wait = self._rescan_s
                if self._window:
                    wait = min(wait, _due_ms(self._window[0]) / 1000 - now)
                self._cond.wait(max(wait, 0.001))
        try:
            return QueuedEvent.from_json((self.directory / key).read_bytes())
        except FileNotFoundError:  # taken away by another process (a redrive's cleanup)
            with self._cond:
                self._in_flight.discard(key)
            return self.take()

    def pending(self) -> int:
        """Events in the queue (due or waiting to be retried), running ones included."""
        return sum(1 for name in os.listdir(self.directory) if name.endswith(".json"))

    def in_memory(self) -> int:
        with self._cond:
            return len(self._window)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _admit(self, key: str) -> None:
        with self._cond:
            if key in self._window or key in self._in_flight:
                return  # a rescan found its file first
            if self._spill_floor is not None and key > self._spill_floor:
                return  # behind what is already only on disk: the next rescan finds it
            heapq.heappush(self._window, key)
            if len(self._window) > self._window_size:
                latest = max(self._window)
                self._window.remove(latest)
                heapq.heapify(self._window)
                self._spill_floor = latest
            self._cond.notify()

    def _remove(self, key: str) -> None:
        (self.directory / key).unlink(missing_ok=True)
        with self._cond:
            self._in_flight.discard(key)

    def _rescan(self) -> None:
        names = (
            entry.name
            for entry in os.scandir(self.directory)
            if entry.name.endswith(".json") and entry.name not in self._in_flight
        )
        earliest = heapq.nsmallest(self._window_size + 1, names)
        self._window = earliest[: self._window_size]
        heapq.heapify(self._window)
        self._spill_floor = (
            earliest[self._window_size] if len(earliest) > self._window_size else None
        )
        self._next_scan = time.monotonic() + self._rescan_s


def _due_ms(key: str) -> int:
    return int(key.partition("-")[0])
