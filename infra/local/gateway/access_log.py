"""Access log: one JSON line per request, named like API Gateway's $context variables.

A request costs the serving path one ``deque.append`` of its record; a writer thread wakes every
``FLUSH_INTERVAL_S``, turns whatever has piled up into JSON lines and appends them in one write
(then flushes, so ``tail -f`` sees them within that interval). A slow disk delays the log, not
the requests. If the writer falls behind by more than ``max_pending`` lines, new lines are
dropped and counted (the count is logged at close) rather than growing memory without end.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from dataclasses import dataclass, fields
from pathlib import Path

logger = logging.getLogger(__name__)

FLUSH_INTERVAL_S = 0.05


@dataclass(frozen=True)
class AccessRecord:
    """One line of the log; field names are the JSON keys, as in API Gateway access logs."""

    requestId: str
    ip: str
    requestTime: str
    requestTimeEpoch: int
    httpMethod: str
    routeKey: str
    path: str
    status: int
    protocol: str
    responseLength: int
    integrationLatency: float | None
    integrationStatus: int | None
    integrationErrorMessage: str | None
    target: str | None
    functionName: str | None = None
    lambdaRequestId: str | None = None
    coldStart: bool | None = None
    initDurationMs: str | None = None
    sandboxId: str | None = None


_KEYS = tuple(f.name for f in fields(AccessRecord))
_encode = json.JSONEncoder(separators=(",", ":")).encode


def format_record(record: AccessRecord) -> str:
    # the fields are flat values: no need for dataclasses.asdict's recursive deep copy
    return _encode({key: getattr(record, key) for key in _KEYS}) + "\n"


class AccessLog:
    """Append JSON lines to ``path`` from a writer thread; ``close()`` writes everything."""

    def __init__(self, path: Path, *, max_pending: int = 100_000) -> None:
        self.path = path
        self.dropped = 0
        self._max_pending = max_pending
        self._pending: deque[AccessRecord] = deque()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a", encoding="utf-8")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="access-log", daemon=True)
        self._thread.start()

    def write(self, record: AccessRecord) -> None:
        if len(self._pending) >= self._max_pending:
            self.dropped += 1
            return
        self._pending.append(record)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._file.close()
        if self.dropped:
            logger.warning(
                "access log %s: %d lines dropped (writer fell behind)", self.path, self.dropped
            )

    def _run(self) -> None:
        while not self._stop.wait(FLUSH_INTERVAL_S):
            self._flush()
        self._flush()

    def _flush(self) -> None:
        pending = self._pending
        lines = []
        while pending:
            lines.append(format_record(pending.popleft()))
        if lines:
            self._file.write("".join(lines))
            self._file.flush()
