"""Access log: one JSON line per request, named like API Gateway's $context variables.

Lines are buffered in memory and written by a background thread, so a slow disk delays the
log, not the requests. If the writer falls behind by more than ``max_pending`` lines, new lines
are dropped and counted (the count is logged at close) rather than growing memory without end.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

logger = logging.getLogger(__name__)


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


def format_record(record: AccessRecord) -> str:
    return json.dumps(asdict(record), separators=(",", ":")) + "\n"


class AccessLog:
    """Append JSON lines to ``path`` from a writer thread; ``close()`` flushes everything."""

    def __init__(self, path: Path, *, max_pending: int = 100_000) -> None:
        self.path = path
        self.dropped = 0
        self._queue: queue.Queue[str | None] = queue.Queue(maxsize=max_pending)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a", encoding="utf-8", buffering=1 << 16)
        self._thread = threading.Thread(target=self._run, name="access-log", daemon=True)
        self._thread.start()

    def write(self, record: AccessRecord) -> None:
        try:
            self._queue.put_nowait(format_record(record))
        except queue.Full:
            self.dropped += 1

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self._file.close()
        if self.dropped:
            logger.warning(
                "access log %s: %d lines dropped (writer fell behind)", self.path, self.dropped
            )

    def _run(self) -> None:
        while True:
            line = self._queue.get()
            if line is None:
                self._file.flush()
                return
            self._file.write(line)
            # flush when the burst is over, so `tail -f` sees lines within one quiet moment
            if self._queue.empty():
                self._file.flush()
