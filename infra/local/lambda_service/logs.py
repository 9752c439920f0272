"""CloudWatch-style log files: one file per log stream, plus reports.jsonl for load tests.

Layout: ``<log_dir>/aws/lambda/<function>/<YYYY>/<MM>/<DD>/[$LATEST]<hex>.log`` (the stream
name's slashes become directories) and ``<log_dir>/reports.jsonl``.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from pathlib import Path

TAIL_BYTES = 4096
# one encoder for every line: json.dumps with separators builds a new one per call
_COMPACT = json.JSONEncoder(separators=(",", ":"))


class LogStream:
    """A sandbox's stream: the sandbox writes its stdout/stderr to it, the service its lines.

    Both sides append through O_APPEND descriptors, and awslambdaric flushes stdout on every
    write, so a handler's output lands between its START and END lines.
    """

    def __init__(self, log_dir: Path, function: str, stream: str) -> None:
        self.path = log_dir / "aws" / "lambda" / function / f"{stream}.log"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._lock = threading.Lock()

    def fileno(self) -> int:
        return self._fd

    def write_lines(self, lines: Iterable[str]) -> None:
        data = "".join(f"{line}\n" for line in lines).encode()
        with self._lock:
            # Closed when the service stopped under a running invocation: its END is lost.
            if self._fd >= 0:
                os.write(self._fd, data)

    def size(self) -> int:
        return os.fstat(self._fd).st_size

    def tail_since(self, offset: int, limit: int = TAIL_BYTES) -> bytes:
        """The last ``limit`` bytes written since ``offset`` (Lambda's LogResult)."""
        end = self.size()
        start = max(offset, end - limit)
        with self.path.open("rb") as file:
            file.seek(start)
            return file.read(end - start)

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


class ReportSink:
    """Appends every REPORT as one JSON line; one O_APPEND write per line keeps lines whole."""

    def __init__(self, log_dir: Path) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        self.path = log_dir / "reports.jsonl"
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def append(self, record: dict[str, object]) -> None:
        os.write(self._fd, (_COMPACT.encode(record) + "\n").encode())

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
