"""The fault scenario: steady load on both paths of a running stack while processes die.

Shared by the fault suite (``tests/strangler/test_faults.py``) and its longer benchmark
(``bench/bench_faults.py``). Load is open-loop (requests start at a steady rate whatever the
earlier ones do), loopback only, bounded in requests and time; every request is one fresh
connection, so each answer belongs to exactly one request.

What API Gateway HTTP APIs answer when an integration fails, each a JSON ``{"message"}``
(AWS Lambda guide, "Handling Lambda errors with an API Gateway API": "If the Lambda API rejects
the invocation request, API Gateway returns a 500 error code. If the function runs but returns
an error, or returns a response in the wrong format, API Gateway returns a 502", and it never
retries; API Gateway developer guide, "Troubleshooting issues with HTTP API Lambda
integrations" for the message, "Internal Server Error", and "Quotas for configuring and running
an HTTP API in API Gateway" for the 30 s integration timeout, which HTTP APIs answer 503
"Service Unavailable", as they do a backend that cannot answer): a sandbox killed mid-invoke is
a function error (``Runtime.ExitError``), 502; a gunicorn worker killed under a request is a
backend that closed the connection, 503; 400/431/413 for a malformed head, a head over 10,240
bytes and a body over 10 MB. The application's own failure while its database restarts is
Django's: ``OperationalError``, a 500 from the app.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import signal
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import psutil

from infra.local.postgres import EmbeddedPostgres
from monolith.wildrydes.seeding import unicorn_name
from strangler.moves.migrate import MoveOutcome, migrate, rollback
from strangler.moves.steps import (
    apply_move,
    load_table,
    plan_move,
    route_table_lock,
    save_and_record,
    snapshot,
)
from strangler.stack.database import database_provider
from strangler.stack.state import utc_now
from strangler_core.config import Config

GATEWAY_MESSAGES = {
    500: "Internal Server Error",
    502: "Internal Server Error",
    503: "Service Unavailable",
}
WRITE_LNG = -0.123456  # marks the scenario's rides; each write's latitude is its unique id
FLIPPED_ROUTE = "/unicorns"  # the collection and each unicorn below it
WRITE_ROUTE = "POST /rides"


@dataclass(frozen=True)
class Answer:
    seq: int
    kind: str  # "read-lambda" (the moving route), "write-lambda", "read-monolith", "write-monolith"
    started: float
    ended: float
    status: int  # 0: no answer at all
    target: str
    body: bytes
    ride_id: str = ""


def cause(answer: Answer) -> str:
    """Who answered a failure: the gateway's own error (its exact message), or the app."""
    try:
        message = json.loads(answer.body).get("message")
    except (ValueError, AttributeError):
        message = None
    if answer.status == 0:
        return "no answer"
    if GATEWAY_MESSAGES.get(answer.status) == message:
        return f"gateway {answer.status}"
    return f"app {answer.status}"


INTEGRATION_TIMEOUT_S = 30.0  # the routes' default timeout_ms, HTTP APIs' maximum


@dataclass(frozen=True)
class Faults:
    """When each fault was in force."""

    sandbox_killed: Window
    worker_killed: Window
    database_out: Window


def explain(answer: Answer, faults: Faults) -> str | None:
    """The fault behind a failed request, named with API Gateway's answer for it; None when no
    fault explains it (a failure only a request in flight at that fault can have)."""
    who = cause(answer)
    if who == "gateway 502" and answer.target == "lambda":
        return "sandbox killed: 502" if faults.sandbox_killed.overlaps(answer) else None
    if who == "gateway 503" and answer.target == "monolith":
        return "worker killed: 503" if faults.worker_killed.overlaps(answer) else None
    if who == "gateway 503" and answer.ended - answer.started >= INTEGRATION_TIMEOUT_S:
        return "integration timeout: 503"
    if who == "app 500" and faults.database_out.overlaps(answer):
        return f"database restart: app 500 on {answer.target}"
    return None


def gateway_failures(access_log: Path, since: float) -> Counter[str]:
    """The gateway's own error answers since ``since`` (epoch seconds), by the cause its access
    log records (``integrationErrorMessage``), named as ``explain`` names them."""
    found: Counter[str] = Counter()
    for line in access_log.read_text().splitlines():
        record = json.loads(line)
        error = record["integrationErrorMessage"]
        if record["requestTimeEpoch"] < since * 1000 or error is None:
            continue
        if "Runtime.ExitError" in error and "signal: killed" in error:
            found[f"sandbox killed: {record['status']}"] += 1
        elif "upstream closed the connection" in error or "ConnectionResetError" in error:
            found[f"worker killed: {record['status']}"] += 1
        elif "no response in" in error:
            found[f"integration timeout: {record['status']}"] += 1
        else:
            found[f"{record['status']}: {error[:80]}"] += 1
    return found


_DJANGO_ERROR = re.compile(r"^\S+ \S+ ERROR django\.request \d+ Internal Server Error: ")
_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception)\b")
_LOG_RECORD = re.compile(r"^(?:\d{4}-\d\d-\d\d |\[\d{4}-|START |END |REPORT |INIT_)")


def django_errors(log: Path) -> list[str]:
    """Each request Django logged as an Internal Server Error in ``log``: its exception (the
    last one of its traceback, the one Django handled), as ``module.Class: message``."""
    errors: list[str] = []
    inside = False
    for line in log.read_text(errors="replace").splitlines():
        if _DJANGO_ERROR.match(line):
            errors.append("")
            inside = True
        elif inside and _LOG_RECORD.match(line):
            inside = False
        elif inside and _EXCEPTION.match(line):
            errors[-1] = line
    return errors


@dataclass
class Load:
    """``rate`` requests/s through the gateway, a quarter of each kind, until ``stop()``."""

    gateway: str
    token: str
    rate: float
    first_seq: int = 0  # a later load's writes keep ids of their own
    answers: list[Answer] = field(default_factory=list)
    _completable: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _sent: int = 0  # requests started

    def start(self) -> Load:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> list[Answer]:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
        return sorted(self.answers, key=lambda a: a.seq)

    @property
    def sent(self) -> int:
        return self._sent

    def _run(self) -> None:
        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=64) as pool:
            while not self._stopping.is_set():
                due = start + self._sent / self.rate
                time.sleep(max(0.0, due - time.monotonic()))
                pool.submit(self._one, self.first_seq + self._sent)
                self._sent += 1

    def _one(self, seq: int) -> None:
        kind = ("read-lambda", "write-lambda", "read-monolith", "write-monolith")[seq % 4]
        ride = ""
        if kind == "read-lambda":
            method, path, body = "GET", f"/unicorns/{quote(unicorn_name(seq % 20))}", None
        elif kind == "write-lambda":
            method, path = "POST", "/rides"
            body = json.dumps({"lat": seq / 10_000, "lng": WRITE_LNG}).encode()
        elif kind == "read-monolith" or not self._completable:
            kind, method, path, body = "read-monolith", "GET", "/rides?page_size=1", None
        else:
            with self._lock:
                ride = self._completable.pop(0) if self._completable else ""
            if not ride:
                kind, method, path, body = "read-monolith", "GET", "/rides?page_size=1", None
            else:
                method, path, body = "POST", f"/rides/{ride}/complete", None
        started = time.monotonic()
        status, target, payload = request(self.gateway, method, path, self.token, body)
        answer = Answer(seq, kind, started, time.monotonic(), status, target, payload, ride)
        if kind == "write-lambda" and status == 201:
            with self._lock:
                self._completable.append(json.loads(payload)["id"])
        with self._lock:
            self.answers.append(answer)


def request(
    gateway: str, method: str, path: str, token: str, body: bytes | None = None
) -> tuple[int, str, bytes]:
    """One request on its own connection: (status or 0 for none, who served it, body)."""
    parts = urlsplit(gateway)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=40)
    headers = {"Authorization": f"Bearer {token}", "Connection": "close"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("x-strangler-target", ""), response.read()
    except (OSError, http.client.HTTPException) as exc:
        return 0, "", repr(exc).encode()
    finally:
        connection.close()


def raw_exchange(gateway: str, data: bytes) -> bytes:
    """Send ``data`` as is on a fresh connection; the status line of what comes back."""
    parts = urlsplit(gateway)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        with contextlib.suppress(OSError):  # it may answer and close before reading it all
            sock.sendall(data)
        answer = b""
        with contextlib.suppress(ConnectionResetError):
            while b"\r\n" not in answer and (chunk := sock.recv(4096)):
                answer += chunk
    return answer.split(b"\r\n", 1)[0]


HOSTILE: dict[str, tuple[bytes, bytes]] = {
    # what is sent, the status line API Gateway answers with
    "malformed request line": (b"GET /unicorns HTTP/1.1 extra\r\n\r\n", b"HTTP/1.1 400"),
    "bare LF and no Host": (b"GET /unicorns HTTP/1.1\nX: y\n\n", b"HTTP/1.1 400"),
    "header block over 10,240 bytes": (
        b"GET /unicorns HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 11_000 + b"\r\n\r\n",
        b"HTTP/1.1 431",
    ),
    "body over 10 MB": (
        b"POST /rides HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 10485761\r\n\r\n" + b"{" * 65536,
        b"HTTP/1.1 413",
    ),
}


def hostile_inputs(gateway: str) -> dict[str, bytes]:
    return {name: raw_exchange(gateway, sent) for name, (sent, _) in HOSTILE.items()}


def sandbox_pids(status: dict[str, Any]) -> list[int]:
    service = psutil.Process(status["components"]["lambda"]["pid"])
    return [
        child.pid
        for child in service.children(recursive=True)
        if any("awslambdaric" in part for part in child.cmdline())
    ]


def gunicorn_workers(status: dict[str, Any]) -> list[int]:
    return [
        child.pid for child in psutil.Process(status["components"]["monolith"]["pid"]).children()
    ]


@dataclass(frozen=True)
class Window:
    """When a fault was in force, on the load's clock (``time.monotonic``)."""

    start: float
    end: float

    def overlaps(self, answer: Answer) -> bool:
        """The request was in flight at some moment of the window."""
        return answer.started <= self.end and answer.ended >= self.start


def kill(pid: int) -> Window:
    """kill -9 ``pid``: the window runs from the signal until the process has ended."""
    process = psutil.Process(pid)
    before = time.monotonic()
    process.send_signal(signal.SIGKILL)
    with contextlib.suppress(psutil.NoSuchProcess):  # gone: its parent has reaped it
        while process.status() != psutil.STATUS_ZOMBIE:
            time.sleep(0.001)
    return Window(before, time.monotonic())


_PG_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) UTC \[\d+\] LOG:  (.*)$")
PG_SHUTDOWN = "received fast shutdown request"
PG_READY = "database system is ready to accept connections"


def database_outage(log: str, clock_offset: float) -> Window:
    """From PostgreSQL's own log: its (first) fast shutdown request to its being ready again,
    on the load's clock (``clock_offset``: ``time.time() - time.monotonic()``)."""
    times: dict[str, float] = {}
    for line in log.splitlines():
        found = _PG_LINE.match(line)
        if found and found[2] == (PG_READY if PG_SHUTDOWN in times else PG_SHUTDOWN):
            stamp = datetime.strptime(found[1] + "+0000", "%Y-%m-%d %H:%M:%S.%f%z")
            times.setdefault(found[2], stamp.timestamp() - clock_offset)
    return Window(times[PG_SHUTDOWN], times[PG_READY])


def restart_database(config: Config, down_s: float = 0.0) -> Window:
    """Stop PostgreSQL (``pg_ctl stop -m fast``), ``down_s`` later start it again; when it was
    out, from its own log."""
    provider = database_provider(config)
    assert isinstance(provider, EmbeddedPostgres), "the scenario restarts an embedded server"
    seen = provider.log_path.stat().st_size
    provider.stop()
    time.sleep(down_s)
    provider.start()
    with provider.log_path.open("rb") as log:
        log.seek(seen)
        text = log.read().decode(errors="replace")
    return database_outage(text, time.time() - time.monotonic())


def move_route(config: Config, route: str, function: str) -> None:
    """``route`` onto the function by the route table alone, as migrate's flip step writes it
    (no parity, no smoke check: migrate's smoke GET is no request a method's own route key
    such as ``POST /rides`` carries), until the gateway serves it from there."""
    with route_table_lock(config):
        table = load_table(config)
        move = plan_move(table, route, function)
        moved = apply_move(table, move, utc_now())
        entry = {
            "at": utc_now(),
            "action": "migrate",
            "route": route,
            "route_keys": list(move.route_keys),
            "before": snapshot(table, move.route_keys),
            "after": snapshot(moved, move.route_keys),
        }
        save_and_record(config, moved, entry, lambda _: None)


def flip(config: Config, times: int) -> Iterator[MoveOutcome]:
    """``times`` real moves of the flipped route, one by one, as ``strangler migrate-route
    --force`` and ``strangler rollback-route`` make them: onto the function (validated in
    Django's URLconf, parity checked, the table flipped and the move recorded, smoke-checked
    until the function serves it) and back. Forced: under concurrent writes the two paths'
    answers differ by what was written between them."""
    for n in range(times):
        yield (
            rollback(config, FLIPPED_ROUTE) if n % 2 else migrate(config, FLIPPED_ROUTE, force=True)
        )


def wait_for(check: Callable[[], bool], timeout_s: float) -> float:
    """Poll ``check`` until it holds; seconds it took (raises after ``timeout_s``)."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > timeout_s:
            raise TimeoutError(f"not recovered after {timeout_s} s")
        time.sleep(0.05)
    return time.monotonic() - start


def failures_by_cause(answers: list[Answer]) -> Counter[str]:
    return Counter(f"{a.kind}: {cause(a)}" for a in answers if a.status not in (200, 201))


def write_rows(database_url: str) -> Counter[int]:
    """Rides the scenario wrote, by the write's id (its latitude x 10,000)."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT pickup_lat, count(*) FROM wildrydes_ride WHERE pickup_lng = %s "
            "GROUP BY pickup_lat",
            (WRITE_LNG,),
        ).fetchall()
    return Counter({round(lat * 10_000): int(n) for lat, n in rows})


def completed_rides(database_url: str) -> set[str]:
    import psycopg

    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT id::text FROM wildrydes_ride WHERE pickup_lng = %s AND status = 'completed'",
            (WRITE_LNG,),
        ).fetchall()
    return {str(row[0]) for row in rows}
