"""The collector: a UDP server that stands in for the X-Ray daemon and writes segments as JSONL.

One thread reads datagrams; each valid one becomes one line of the output file (streamed
subsegments included, as they arrive: ``strangler traces`` and the report reassemble trees).
Malformed datagrams are counted, never fatal.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from infra.local.xray.protocol import MalformedDatagram, parse_datagram

MAX_DATAGRAM = 65_535
RECEIVE_BUFFER = 8 * 1024 * 1024  # bursts from a load test must not overflow the kernel queue


@dataclass(frozen=True)
class CollectorStats:
    received: int
    segments: int
    malformed: int
    last_error: str | None


class XRayCollector:
    """``with XRayCollector(port=0, out=path) as c:`` ... ``c.address`` is ``host:port``.

    ``keep=True`` also holds the segments in memory (``c.segments()``), for tests.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 2000,
        *,
        out: Path | None = None,
        keep: bool = False,
    ) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        with contextlib.suppress(OSError):
            self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        self._socket.bind((host, port))
        self.host, self.port = host, int(self._socket.getsockname()[1])
        self._out_path = out
        self._out: IO[str] | None = None
        self._keep = keep
        self._kept: list[dict[str, Any]] = []
        self._cond = threading.Condition()
        self._received = self._segments = self._malformed = 0
        self._last_error: str | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="xray-collector", daemon=True)

    @property
    def address(self) -> str:
        """What ``AWS_XRAY_DAEMON_ADDRESS`` must be set to."""
        return f"{self.host}:{self.port}"

    def start(self) -> XRayCollector:
        if self._out_path is not None:
            self._out_path.parent.mkdir(parents=True, exist_ok=True)
            self._out = self._out_path.open("a", encoding="utf-8", buffering=1)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._socket.close()
        if self._out is not None:
            self._out.close()
            self._out = None

    def __enter__(self) -> XRayCollector:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def stats(self) -> CollectorStats:
        with self._cond:
            return CollectorStats(self._received, self._segments, self._malformed, self._last_error)

    def segments(self) -> list[dict[str, Any]]:
        with self._cond:
            return list(self._kept)

    def wait_for(
        self, predicate: Callable[[list[dict[str, Any]]], bool], timeout_s: float = 10.0
    ) -> list[dict[str, Any]]:
        """Block until ``predicate(segments)`` holds (needs ``keep=True``); return them."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while not predicate(self._kept):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"segments never satisfied the condition: {self._kept}")
                self._cond.wait(left)
            return list(self._kept)

    def handle(self, data: bytes) -> None:
        """Take one datagram (the receive loop's body; callable directly in tests)."""
        try:
            document = parse_datagram(data)
        except MalformedDatagram as exc:
            with self._cond:
                self._received += 1
                self._malformed += 1
                self._last_error = str(exc)
            return
        line = json.dumps(document, separators=(",", ":"))
        with self._cond:
            self._received += 1
            self._segments += 1
            if self._out is not None:
                self._out.write(line + "\n")
            if self._keep:
                self._kept.append(document)
            self._cond.notify_all()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            ready, _, _ = select.select([self._socket], [], [], 0.1)
            if not ready:
                continue
            try:
                data = self._socket.recv(MAX_DATAGRAM)
            except OSError:
                continue
            self.handle(data)
