"""compare's probes of the harness's own cost, at a low rate beside the load (``overhead.py``
says what a probe is).

One probe every half second, the paths in turn (one per path a second, at most ``MAX_PROBES``
per path), from a thread of the compare process, on keep-alive connections as the load's are.
So that the probes do not change what they measure, and are not counted in it: the Lambda path
is probed only while the function has an idle warm sandbox (the service's own gauges), so a probe
neither starts a sandbox nor takes the last one under a concurrency limit; a probe that landed
on a new sandbox anyway is dropped (``probes_of``); the probes' REPORT records are left out of
the run's (``results`` names them); and the sampler never reads the service's gauges while a
Lambda probe is in flight (both hold ``quiet``), so its concurrency samples do not see one.
Locust never sees a probe.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.local.xray.protocol import TraceHeader
from loadtests.report.raw import PATHS, OverheadProbe, PathName
from strangler.measure.overhead import PROBE_PATH, PROBE_ROUTE_KEY, Sent, Served, probes_of

TRACE_HEADER = "X-Amzn-Trace-Id"
PROBE_INTERVAL_S = 0.5
MAX_PROBES = 600
"""Per path: a bound for long runs (ten minutes of probes), enough for a steady p99."""
PROBE_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


@dataclass(frozen=True)
class ProbeResults:
    """Every probe with what of it was not the harness's, and what of the run's records is
    the probes' (to leave out): their invocations' Lambda request ids, their X-Ray traces."""

    probes: list[OverheadProbe]
    invocations: frozenset[str]
    traces: frozenset[str]


class _Connection:
    """One keep-alive connection to a server; a broken one is opened anew on the next use."""

    def __init__(self, base_url: str) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self._conn: http.client.HTTPConnection | None = None

    def get(self, target: str) -> tuple[float, Answer]:
        """(round trip ms, the answer) of ``GET target``, its body read to the end."""
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=PROBE_TIMEOUT_S)
            self._conn.connect()  # outside the timing: the load's connections are kept alive
        began = time.perf_counter()
        try:
            self._conn.request("GET", target)
            response = self._conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        elapsed = (time.perf_counter() - began) * 1000
        if response.will_close:
            self.close()
        return elapsed, Answer(response.status, response.headers, body)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class Prober:
    """Probes both paths' private gateways in turn, from ``start()`` to ``stop()``."""

    def __init__(
        self, *, gateways: Mapping[str, str], lambda_url: str, function: str, quiet: threading.Lock
    ) -> None:
        self._gateways = {path: _Connection(url) for path, url in gateways.items()}
        self._service = _Connection(lambda_url)
        self._function = function
        self._quiet = quiet
        self.sent: list[Sent] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="overhead-prober", daemon=True)
        self._started = time.time()

    def start(self) -> Prober:
        self._started = time.time()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=PROBE_TIMEOUT_S * 3)
        for connection in (*self._gateways.values(), self._service):
            connection.close()

    def results(self, access_logs: Mapping[str, Path], reports: Path) -> ProbeResults:
        """After the run (the gateways stopped, their access logs flushed)."""
        served: dict[str, Served] = {}
        for log in access_logs.values():
            served |= read_served(log)
        # every invocation of the probe route, also of a probe whose answer the prober lost
        invocations = {s.lambda_request_id for s in served.values() if s.lambda_request_id}
        return ProbeResults(
            probes=probes_of(self.sent, served, read_durations(reports, invocations)),
            invocations=frozenset(invocations),
            traces=frozenset(p.trace_id for p in self.sent if p.trace_id),
        )

    def _run(self) -> None:
        for path in _turns():
            if self._stop.wait(PROBE_INTERVAL_S):
                return
            if sum(1 for p in self.sent if p.path == path) >= MAX_PROBES:
                continue
            try:
                if path == "lambda":
                    with self._quiet:
                        if self._idle_sandbox():
                            self._probe(path)
                else:
                    self._probe(path)
            except (OSError, http.client.HTTPException, ValueError):
                continue  # a lost probe is one sample fewer, not a failed run

    def _probe(self, path: PathName) -> None:
        t = time.time() - self._started
        through, answer = self._gateways[path].get(PROBE_PATH)
        if request_id := answer.headers.get("apigw-requestid"):
            trace = TraceHeader.parse(answer.headers.get(TRACE_HEADER)).root
            self.sent.append(Sent(path, round(t, 3), through, request_id, trace))

    def _idle_sandbox(self) -> bool:
        """The function has a warm sandbox doing nothing (the service's own gauges)."""
        _, answer = self._service.get("/strangler/metrics")
        if answer.status != 200:
            return False
        functions = json.loads(answer.body).get("functions", {})
        return int(functions.get(self._function, {}).get("sandboxes", {}).get("warm", 0)) > 0


def _turns() -> Iterator[PathName]:
    while True:
        yield from PATHS


def read_served(access_log: Path) -> dict[str, Served]:
    """The probe route's lines of a gateway's access log, by gateway request id."""
    return {
        str(record["requestId"]): Served(
            integration_ms=record.get("integrationLatency"),
            lambda_request_id=record.get("lambdaRequestId"),
            cold_start=bool(record.get("coldStart")),
        )
        for record in _records_of(access_log, "routeKey", {PROBE_ROUTE_KEY})
    }


def read_durations(reports: Path, lambda_request_ids: set[str]) -> dict[str, float]:
    """The REPORT Duration (ms) of those invocations, from the service's REPORT records."""
    return {
        str(record["request_id"]): float(record["duration_ms"])
        for record in _records_of(reports, "request_id", lambda_request_ids)
    }


def _records_of(path: Path, key: str, wanted: set[str]) -> Iterator[dict[str, Any]]:
    """The JSON lines of ``path`` whose ``key`` is one of ``wanted``, streamed (the service's
    REPORT records grow across runs)."""
    if not wanted or not path.exists():
        return
    with path.open() as lines:
        for line in lines:
            record = json.loads(line)
            if record.get(key) in wanted:
                yield record
