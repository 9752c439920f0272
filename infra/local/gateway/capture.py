"""Traffic capture: every request the gateway serves, as sent, written off the hot path.

A request costs the serving path one ``deque.append`` of what it already holds (method, target,
the header list, the body, the status); a writer thread wakes every ``FLUSH_INTERVAL_S``, turns
whatever has piled up into ``CapturedRequest`` records and appends them in one write to the
rotating ``TrafficLog`` (``strangler_core.traffic``: files 0600 in a 0700 directory, since they
hold credentials). Memory stays bounded: past ``max_pending`` requests or
``max_pending_bytes`` of bodies waiting, new requests are dropped and counted (logged at close).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Iterable
from pathlib import Path

from strangler_core.traffic import CapturedRequest, TrafficLog, captured

logger = logging.getLogger(__name__)

FLUSH_INTERVAL_S = 0.05
Headers = Iterable[tuple[str | bytes, str | bytes]]
"""``(name, value)`` pairs in the order sent, as ``str`` or as aiohttp's raw bytes."""
Pending = tuple[float, str, str, Headers, bytes, int, str | None, bool]


class Capture:
    """``record`` from the event loop; ``close()`` writes what is left and stops the writer."""

    def __init__(
        self,
        directory: Path,
        *,
        max_bytes: int,
        max_files: int,
        max_pending: int = 50_000,
        max_pending_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        self.log = TrafficLog(directory, max_bytes, max_files)
        self.dropped = 0
        self._max_pending = max_pending
        self._max_pending_bytes = max_pending_bytes
        self._pending: deque[Pending] = deque()
        # bytes queued and bytes taken: each counter has one writing thread, so no lock
        self._queued_bytes = 0
        self._taken_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="traffic-capture", daemon=True)
        self._thread.start()

    def record(
        self,
        time: float,
        method: str,
        target: str,
        headers: Headers,
        body: bytes,
        status: int,
        route_key: str | None,
        body_complete: bool = True,
    ) -> None:
        """Queue one served request; ``headers`` must not change afterwards."""
        if (
            len(self._pending) >= self._max_pending
            or self._queued_bytes - self._taken_bytes + len(body) > self._max_pending_bytes
        ):
            self.dropped += 1
            return
        self._queued_bytes += len(body)
        self._pending.append(
            (time, method, target, headers, body, status, route_key, body_complete)
        )

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        if self.dropped:
            logger.warning(
                "traffic capture %s: %d requests dropped (writer fell behind)",
                self.log.directory,
                self.dropped,
            )

    def _run(self) -> None:
        while not self._stop.wait(FLUSH_INTERVAL_S):
            self._flush()
        self._flush()

    def _flush(self) -> None:
        batch: list[CapturedRequest] = []
        taken = 0
        while self._pending:
            time, method, target, headers, body, status, route_key, complete = (
                self._pending.popleft()
            )
            taken += len(body)
            batch.append(
                captured(
                    time=time,
                    method=method,
                    target=target,
                    headers=_text_headers(headers),
                    body=body,
                    status=status,
                    route_key=route_key,
                    body_complete=complete,
                )
            )
        try:
            self.log.append(batch)
        except OSError as exc:
            logger.error("traffic capture %s: %d requests lost: %s", self.log.path, len(batch), exc)
        self._taken_bytes += taken


def _text_headers(headers: Headers) -> list[tuple[str, str]]:
    return [(_text(name), _text(value)) for name, value in headers]


def _text(field: str | bytes) -> str:
    # HTTP field values are bytes; latin-1 maps each byte to one character, so none is lost
    return field.decode("latin-1") if isinstance(field, bytes) else field
