"""The fault suite (issue 13): steady load on both paths while processes die and the route moves.

About 16 requests/s through the gateway, a quarter each: a Lambda read
(``GET /unicorns/<name>``, under the route that moves), a Lambda write (``POST /rides``, each
carrying a unique id), a passthrough read and a passthrough write (completing a ride).
Meanwhile: kill -9 a sandbox, kill -9 a gunicorn worker, restart PostgreSQL, move ``/unicorns``
20 times (10 ``migrate --force``, each followed by a ``rollback``, the CLI's own code), and send
hostile requests. Asserted from the client's answers, the database, and the servers' own logs
(the gateway's access log, PostgreSQL's log, Django's in the monolith and in the sandboxes); the
statuses API Gateway gives each integration failure, and the AWS documents that say so, are in
``tests/strangler/faults.py``.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from strangler.moves.ledger import ledger_path, read_entries
from strangler.moves.steps import load_table
from strangler.stack.local import LocalStack
from strangler.stack.state import access_log_path, read_state
from strangler_core.config import Config
from tests.strangler import faults
from tests.strangler.stack_config import demo_token, stack_config

pytestmark = pytest.mark.stack
WORKERS = 2
MOVES = 20


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
    """Every failure is API Gateway's answer for the fault that was in force while the request
    was in flight: 502 "Internal Server Error" for a sandbox killed mid-invoke (a function
    error), 503 "Service Unavailable" for a gunicorn worker killed under the request (the
    backend closed the connection) or an integration that did not answer in 30 s; or Django's
    own 500 for a request in flight while PostgreSQL was down, by PostgreSQL's log. Each count
    matches the servers' own logs: the gateway's access log for its answers, Django's log of
    each path for its 500s (each one an ``OperationalError``). Nothing is tolerated outside
    those windows; no connection goes unanswered."""
    config, status = running
    database_url = read_state(config)["database"]
    table_before = load_table(config).version
    ledger = ledger_path(config.routes_path)
    entries_before = len(read_entries(ledger))
    since = time.time()
    load = faults.Load(status["gateway"], demo_token(config), rate=16).start()
    try:
        time.sleep(1.5)
        sandboxes = faults.sandbox_pids(status)
        assert sandboxes, "the Lambda route has a warm sandbox"
        sandbox_killed = faults.kill(sandboxes[0])
        time.sleep(1.5)
        workers = faults.gunicorn_workers(status)
        worker_killed = faults.kill(workers[0])
        time.sleep(1.5)
        database_out = faults.restart_database(config)
        time.sleep(1.5)
        moves_start = time.monotonic()
        moved = list(faults.flip(config, MOVES))
        moves = faults.Window(moves_start, time.monotonic())
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

    # each failure is the answer for a fault in force while it was in flight, and no other
    failed = [a for a in answers if a.status not in (200, 201)]
    found = faults.Faults(sandbox_killed, worker_killed, database_out)
    explained = [(a, faults.explain(a, found)) for a in failed]
    unexplained = [
        (a.kind, a.target, faults.cause(a), a.body[:100], round(a.ended - a.started, 3))
        for a, why in explained
        if why is None
    ]
    assert unexplained == []
    by_cause = Counter(why for _, why in explained if why is not None)
    # ... and the servers counted the same failures, for the same causes
    gateway_causes = {c: n for c, n in by_cause.items() if not c.startswith("database")}
    assert faults.gateway_failures(access_log_path(config), since) == gateway_causes
    logs = {
        "monolith": [config.run_dir / "logs" / "monolith.log"],
        "lambda": sorted((config.run_dir / "lambda-logs").rglob("*.log")),
    }
    for target, paths in logs.items():
        errors = [error for path in paths for error in faults.django_errors(path)]
        assert len(errors) == by_cause[f"database restart: app 500 on {target}"], errors
        assert {error.split(":")[0] for error in errors} <= {"django.db.utils.OperationalError"}

    # 20 real moves: each a new table version and a ledger entry, both paths serving in turn
    assert [(m.target, m.table_version) for m in moved] == [
        ("monolith" if n % 2 else "lambda", table_before + n + 1) for n in range(MOVES)
    ]
    assert load_table(config).version == table_before + MOVES
    assert [
        (e["action"], e["route"], e["table_version"]) for e in read_entries(ledger)[entries_before:]
    ] == [
        ("rollback" if n % 2 else "migrate", faults.FLIPPED_ROUTE, table_before + n + 1)
        for n in range(MOVES)
    ]
    served = {a.target for a in answers if a.kind == "read-lambda" and moves.overlaps(a)}
    assert served == {"lambda", "monolith"}

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
        got, served_by, _ = faults.request(status["gateway"], method, path, token, body)
        assert (got, served_by) == (expected, target)
    assert faults.sandbox_pids(status) and sandboxes[0] not in faults.sandbox_pids(status)
