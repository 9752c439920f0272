"""The fault suite (issue 13): steady load on both paths while processes die and the route moves.

About 16 requests/s through the gateway, a quarter each: a Lambda read
(``GET /unicorns/<name>``, under the route that moves), a Lambda write (``POST /rides``, each
carrying a unique id), a passthrough read and a passthrough write (completing a ride).
Meanwhile: kill -9 a sandbox, kill -9 a gunicorn worker, restart PostgreSQL, move ``/unicorns``
20 times (one migrate, then flips of the route table, each back with rollback), and send hostile
requests. Asserted from the client's answers and the database; the statuses API Gateway gives
each integration failure are listed in ``tests/strangler/faults.py``.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from strangler.stack.local import LocalStack
from strangler.stack.state import read_state
from strangler_core.config import Config
from tests.strangler import faults
from tests.strangler.stack_config import demo_token, stack_config

pytestmark = pytest.mark.stack
WORKERS = 2


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Config, dict[str, Any]]]:
    config = stack_config(
        tmp_path_factory.mktemp("faults"),
        unicorns=300,
        riders=2,
        monolith=f"port = 0\nworkers = {WORKERS}\nthreads = 4",
        with_function=True,
    )
    stack = LocalStack(config)
    try:
        status = stack.up()
        faults.move_route(config, faults.WRITE_ROUTE, "wildrydes")
        token = demo_token(config)
        faults.wait_for(
            lambda: (
                faults.request(status["gateway"], "POST", "/rides", token, b'{"lat":0,"lng":0}')[1]
                == "lambda"
            ),
            30,
        )
        yield config, status
    finally:
        stack.down()


def test_every_request_is_answered_once_no_write_is_lost_and_everything_recovers(
    running: tuple[Config, dict[str, Any]],
) -> None:
    """Every failure is either API Gateway's own answer for its cause (502 "Internal Server
    Error": the sandbox died mid-invoke; 503 "Service Unavailable": the gunicorn worker died
    under the request; 500: the Invoke API refused) or the application's own 500/503 while its
    database was down, never a dropped connection."""
    config, status = running
    database_url = read_state(config)["database"]
    load = faults.Load(status["gateway"], demo_token(config), rate=16).start()
    try:
        time.sleep(1.5)
        sandboxes = faults.sandbox_pids(status)
        assert sandboxes, "the Lambda route has a warm sandbox"
        faults.kill(sandboxes[0])
        time.sleep(1.5)
        workers = faults.gunicorn_workers(status)
        faults.kill(workers[0])
        time.sleep(1.5)
        faults.restart_database(config)
        outage_end = time.monotonic()
        time.sleep(1.5)
        faults.flip(config, 20, "wildrydes")
        hostile = faults.hostile_inputs(status["gateway"])
        time.sleep(1.5)
    finally:
        answers = load.stop()

    # every request answered, exactly once (one connection each, none left without an answer)
    assert len(answers) == load.sent and len({a.seq for a in answers}) == load.sent
    assert [a for a in answers if a.status == 0] == []
    assert {name: line[:12] for name, line in hostile.items()} == {
        name: expected for name, (_, expected) in faults.HOSTILE.items()
    }

    # each failure has a cause the faults explain
    failures = [a for a in answers if a.status not in (200, 201)]
    unexplained = [
        (a.kind, faults.cause(a), a.body[:120])
        for a in failures
        if faults.cause(a) not in ("gateway 500", "gateway 502", "gateway 503")
        and not (faults.cause(a) in ("app 500", "app 503") and a.started < outage_end + 10)
    ]
    assert unexplained == []

    # no write lost or doubled
    rows = faults.write_rows(database_url)
    created = {a.seq for a in answers if a.kind == "write-lambda" and a.status == 201}
    written = {a.seq for a in answers if a.kind == "write-lambda"}
    assert created, Counter(a.status for a in answers if a.kind == "write-lambda")
    assert {seq: rows[seq] for seq in created} == dict.fromkeys(created, 1)
    assert set(rows) <= written and max(rows.values()) == 1
    completed = {a.ride_id for a in answers if a.kind == "write-monolith" and a.status == 200}
    assert completed <= faults.completed_rides(database_url)

    # every process recovered: a new sandbox and worker, the database, both paths answering
    assert len(faults.gunicorn_workers(status)) == WORKERS
    assert workers[0] not in faults.gunicorn_workers(status)
    token = demo_token(config)
    for method, path, body, expected, target in (
        ("GET", "/unicorns", None, 200, "monolith"),  # 20 moves: back where it started
        ("POST", "/rides", b'{"lat": 1, "lng": 2}', 201, "lambda"),
        ("GET", "/rides?page_size=1", None, 200, "monolith"),
    ):
        got, served, _ = faults.request(status["gateway"], method, path, token, body)
        assert (got, served) == (expected, target)
    assert faults.sandbox_pids(status) and sandboxes[0] not in faults.sandbox_pids(status)
