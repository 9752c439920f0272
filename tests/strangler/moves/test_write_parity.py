"""Write-safe parity on Wild Rydes: captured writes replayed on two copies of the database.

Everything real: the stack (embedded PostgreSQL, gunicorn, the local Lambda service, the
gateway), the copies, the short-lived servers on them, ``strangler migrate`` as a subprocess.
"""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import psycopg
import pytest

from strangler.moves.ledger import ledger_path, read_entries
from strangler.moves.migrate import migrate, rollback
from strangler.stack import traffic
from strangler.stack.local import LocalStack
from strangler.stack.state import read_state
from strangler_core.config import Config, load_config
from strangler_core.errors import StranglerError
from strangler_core.traffic import TrafficLog, captured, read_captured
from tests.strangler.http_json import send
from tests.strangler.moves.test_migrate import cli
from tests.strangler.stack_config import demo_token, shelf_config, stack_config

pytestmark = pytest.mark.stack

WILDRYDES_PARITY = """
[parity]
# a booked ride's id is a fresh UUID on each path
ignore = ["**.requested_at", "**.completed_at", "**.created_at", "id"]
ignore_columns = ["wildrydes_ride.id"]
"""


def live_tables(database_url: str) -> dict[str, tuple[int, str]]:
    """Every table of the database: its row count and a checksum of all its rows."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        out = {}
        for name in names:
            query = (
                "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                f' FROM "{name}" AS t'
            )
            count, digest = conn.execute(query).fetchone()  # type: ignore[misc]
            out[name] = (count, digest)
        return out


def parity_databases(database_url: str) -> list[str]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'strangler\\_parity\\_%'"
        ).fetchall()
    return [row[0] for row in rows]


def capture(config: Config, records: list[dict[str, Any]]) -> None:
    log = TrafficLog(config.run_dir / "traffic", max_bytes=1 << 20)
    log.append(captured(time=time.time(), **record) for record in records)


def wait_captured(traffic: Path, method: str, raw_path: str) -> None:
    """Until the gateway's capture writer (a thread writing in batches) has written it."""
    deadline = time.monotonic() + 30
    while not any((r.method, r.raw_path) == (method, raw_path) for r in read_captured(traffic)):
        assert time.monotonic() < deadline, f"{method} {raw_path} never captured"
        time.sleep(0.05)


def ride_traffic(token: str, gateway: str) -> list[dict[str, Any]]:
    host = gateway.removeprefix("http://")
    auth = [("Host", host), ("Authorization", f"Bearer {token}"), ("Connection", "keep-alive")]
    booking = json.dumps({"lat": 47.61, "lng": -122.33}).encode()
    return [
        {"method": "GET", "target": "/rides", "headers": auth, "body": b"", "status": 200},
        # a HEAD answer's body is not compared (gunicorn sends none, the function's has one);
        # its status and Content-Type are
        {"method": "HEAD", "target": "/rides", "headers": auth, "body": b"", "status": 200},
        {
            "method": "POST",
            "target": "/rides",
            "headers": [*auth, ("Content-Type", "application/json"), ("Content-Length", "999")],
            "body": booking,
            "status": 201,
        },
        {
            "method": "GET",
            "target": "/rides?page_size=2",
            "headers": auth,
            "body": b"",
            "status": 200,
        },
        {
            "method": "POST",
            "target": "/rides",
            "headers": [*auth, ("Content-Type", "application/json")],
            "body": json.dumps({"lat": 47.6, "lng": -122.3}).encode(),
            "status": 201,
        },
        {
            "method": "POST",
            "target": "/rides",
            "headers": [*auth, ("Content-Type", "application/json")],
            "body": b'{"lat": "north"}',
            "status": 400,
        },
    ]


@pytest.fixture(scope="module")
def wildrydes_stack(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Config, dict[str, Any]]]:
    config = stack_config(
        tmp_path_factory.mktemp("write-parity"),
        unicorns=8,
        with_function=True,
        extra=WILDRYDES_PARITY,
    )
    stack = LocalStack(config)
    try:
        yield config, stack.up()
    finally:
        stack.down()


@pytest.fixture
def wildrydes(
    wildrydes_stack: tuple[Config, dict[str, Any]],
) -> Iterator[tuple[Config, dict[str, Any]]]:
    """The module's stack; after each test, every route it moved goes back to the monolith,
    and the ledger and the captured traffic are gone (the live rows are each test's own to
    check: only a booking sent through the gateway adds one)."""
    config, status = wildrydes_stack
    yield config, status
    ledger = ledger_path(config.routes_path)
    last = {entry["route"]: entry["action"] for entry in read_entries(ledger)}
    for route in (route for route, action in last.items() if action == "migrate"):
        rollback(config, route)
    ledger.unlink(missing_ok=True)
    # the capture is written in order by a thread: once a last request is on disk, so is every
    # request before it (the rollbacks' smoke checks among them), and clearing removes them all
    last_request = f"/health/{uuid.uuid4().hex}"
    with contextlib.suppress(urllib.error.HTTPError):  # a 404 is captured all the same
        urllib.request.urlopen(f"{status['gateway']}{last_request}", timeout=30).close()
    wait_captured(config.run_dir / "traffic", "GET", last_request)
    traffic.clear(config)


def test_booking_rides_replayed_on_copies_passes_and_leaves_live_data_alone(
    wildrydes: tuple[Config, dict[str, Any]],
) -> None:
    config, status = wildrydes
    capture(config, ride_traffic(demo_token(config), status["gateway"]))
    database = read_state(config)["database"]
    before = live_tables(database)
    assert before["wildrydes_ride"][0] == 0  # no ride booked live, before or after

    result = cli(config, "migrate", "/rides")

    assert result.returncode == 0, result.stderr
    err = " ".join(result.stderr.split())
    assert "replaying 6 captured requests of /rides, in order" in err
    assert (
        "POST /rides: wildrydes_ride: 1 inserted; wildrydes_unicorn: 1 updated on both paths" in err
    )
    assert "6 requests answered alike by both paths (3 of them writes" in err
    assert live_tables(database) == before
    assert parity_databases(database) == []
    ledger = json.loads(config.routes_path.with_name("routes.ledger.jsonl").read_text())
    assert ledger["parity"] == {"checked": 6, "writes": 3, "mismatched": [], "forced": False}


def test_traffic_captured_by_the_gateway_is_what_migrate_replays(
    wildrydes: tuple[Config, dict[str, Any]],
) -> None:
    config, status = wildrydes
    gateway, auth = status["gateway"], {"Authorization": f"Bearer {demo_token(config)}"}
    booking = urllib.request.Request(
        f"{gateway}/rides",
        data=json.dumps({"lat": 47.61, "lng": -122.33}).encode(),
        headers={**auth, "Content-Type": "application/json"},
        method="POST",
    )
    for request in (urllib.request.Request(f"{gateway}/rides", headers=auth), booking):
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.headers["x-strangler-target"] == "monolith"
    wait_captured(config.run_dir / "traffic", "POST", "/rides")
    database = read_state(config)["database"]
    before = live_tables(database)
    assert before["wildrydes_ride"][0] == 1  # the user's own booking, made live

    result = cli(config, "migrate", "/rides")

    assert result.returncode == 0, result.stderr
    err = " ".join(result.stderr.split())
    assert "replaying 2 captured requests of /rides, in order" in err
    assert (
        "POST /rides: wildrydes_ride: 1 inserted; wildrydes_unicorn: 1 updated on both paths" in err
    )
    assert live_tables(database) == before
    assert parity_databases(database) == []


def test_without_captured_traffic_it_says_so_and_replays_generated_gets(
    wildrydes: tuple[Config, dict[str, Any]],
) -> None:
    config, _ = wildrydes
    result = cli(config, "migrate", "/unicorns")
    assert result.returncode == 0, result.stderr
    err = " ".join(result.stderr.split())
    # the sample's unicorns have names with spaces: they are sent percent-encoded
    assert "no captured traffic for /unicorns: replaying 4 generated GET requests" in err
    assert "4 requests answered alike by both paths (0 of them writes" in err


def test_ctrl_c_during_the_check_removes_the_copies_and_their_servers(
    wildrydes: tuple[Config, dict[str, Any]],
) -> None:
    config, status = wildrydes
    capture(config, ride_traffic(demo_token(config), status["gateway"]))
    database = read_state(config)["database"]
    before, table = live_tables(database), config.routes_path.read_bytes()
    proc = subprocess.Popen(
        [sys.executable, "-m", "strangler", "--config", str(config.source), "migrate", "/rides"],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if "the monolith serves copy A" in line:
            # held still while the copies are looked at: on a quiet host the check would
            # otherwise finish and flip the route before the Ctrl-C arrives
            proc.send_signal(signal.SIGSTOP)
            break
    copies = parity_databases(database)
    assert len(copies) == 2, "".join(seen)
    pid_files = list((config.run_dir / "parity").glob("*/pids/*.json"))
    servers = [psutil.Process(json.loads(p.read_text())["pid"]) for p in pid_files]
    assert len(servers) == 2 and all(s.is_running() for s in servers)

    proc.send_signal(signal.SIGINT)
    proc.send_signal(signal.SIGCONT)
    rest = proc.stderr.read()
    assert proc.wait(timeout=60) == 130, rest
    assert "interrupted" in rest
    assert parity_databases(database) == []
    assert not any(s.is_running() and s.status() != psutil.STATUS_ZOMBIE for s in servers)
    assert list((config.run_dir / "parity").iterdir()) == []
    assert config.routes_path.read_bytes() == table
    assert live_tables(database) == before


def shelf_write(method: str, target: str, body: Any, host: str, cookie: str) -> dict[str, Any]:
    headers = [("Host", host), ("Cookie", cookie), ("Content-Type", "application/json")]
    data = b"" if body is None else json.dumps(body).encode()
    return {"method": method, "target": target, "headers": headers, "body": data, "status": 200}


@pytest.fixture
def shelf_live(
    tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[Config, dict[str, Any], str, dict[str, int]]]:
    """shelf up, a reader logged in through the gateway, an author and two books in its data."""
    config = load_config(shelf_config(tmp_path, getattr(request, "param", "")), environ={})
    stack = LocalStack(config)
    try:
        status = stack.up()
        # straight to the monolith: the gateway would capture these, and they are set-up
        gateway = status["monolith"]
        code, _, cookie = send(
            gateway,
            "POST",
            "/accounts/login/",
            {"username": "reader", "password": "reader-password"},
        )
        assert code == 200 and cookie
        _, author, _ = send(gateway, "POST", "/api/authors/", {"name": "Frank Herbert"}, cookie)
        ids = {"author": author["id"]}
        for name, title, isbn in (
            ("dune", "Dune", "9780441013593"),
            ("messiah", "Dune Messiah", "9780593098233"),
        ):
            code, book, _ = send(
                gateway,
                "POST",
                "/api/books/",
                {"title": title, "isbn": isbn, "author": author["id"], "copies_total": 2},
                cookie,
            )
            assert code == 201, book
            ids[name] = book["id"]
        yield config, status, cookie, ids
    finally:
        stack.down()


def test_shelf_loans_and_book_writes_replayed_on_copies_pass_and_leave_live_data_alone(
    shelf_live: tuple[Config, dict[str, Any], str, dict[str, int]],
) -> None:
    config, status, cookie, ids = shelf_live
    host = status["gateway"].removeprefix("http://")
    database = read_state(config)["database"]
    with psycopg.connect(database) as conn:
        next_loan = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM lending_loan").fetchone()[0]  # type: ignore[index]
        next_book = conn.execute("SELECT max(id) + 1 FROM catalog_book").fetchone()[0]  # type: ignore[index]
    dune = ids["dune"]
    capture(
        config,
        [
            shelf_write("GET", "/lending/loans/", None, host, cookie),
            # the function's HEAD answer has a body, gunicorn's none: status and type compared
            shelf_write("HEAD", "/lending/loans/", None, host, cookie),
            shelf_write("POST", "/lending/loans/", {"book": dune}, host, cookie),
            shelf_write("POST", "/lending/loans/", {"book": dune}, host, cookie),  # 409: lent
            shelf_write("POST", f"/lending/loans/{next_loan}/return/", None, host, cookie),
            shelf_write("POST", "/lending/loans/", {"book": 999999}, host, cookie),  # 404
            shelf_write(
                "PUT",
                f"/api/books/{dune}/",
                {
                    "title": "Dune (1965)",
                    "isbn": "9780441013593",
                    "author": ids["author"],
                    "copies_total": 5,
                },
                host,
                cookie,
            ),
            shelf_write(
                "POST",
                "/api/books/",
                {"title": "Children of Dune", "isbn": "9780593098240", "author": ids["author"]},
                host,
                cookie,
            ),
            shelf_write("DELETE", f"/api/books/{next_book}/", None, host, cookie),
            shelf_write("DELETE", f"/api/books/{ids['messiah']}/", None, host, cookie),
        ],
    )
    before = live_tables(database)

    loans = cli(config, "migrate", "/lending/loans/")
    assert loans.returncode == 0, loans.stderr
    err = " ".join(loans.stderr.split())
    assert "replaying 6 captured requests of /lending/loans, in order" in err
    assert (
        "POST /lending/loans/: catalog_book: 1 updated; lending_loan: 1 inserted on both paths"
        in err
    )
    assert (
        f"POST /lending/loans/{next_loan}/return/: catalog_book: 1 updated; "
        "lending_loan: 1 updated on both paths"
    ) in err
    assert "POST /lending/loans/: no rows changed on both paths" in err  # the 409 and the 404
    assert "6 requests answered alike by both paths (4 of them writes" in err

    books = cli(config, "migrate", "/api/books/")
    assert books.returncode == 0, books.stderr
    err = " ".join(books.stderr.split())
    assert "replaying 4 captured requests of /api/books, in order" in err
    assert f"PUT /api/books/{dune}/: catalog_book: 1 updated on both paths" in err
    assert "POST /api/books/: catalog_book: 1 inserted on both paths" in err
    assert f"DELETE /api/books/{next_book}/: catalog_book: 1 deleted on both paths" in err
    assert f"DELETE /api/books/{ids['messiah']}/: catalog_book: 1 deleted on both paths" in err

    assert live_tables(database) == before
    assert parity_databases(database) == []


@pytest.mark.parametrize("shelf_live", ['SHELF_TITLE_SUFFIX = " (Lambda)"'], indirect=True)
def test_shelf_function_writing_another_title_aborts_naming_the_request_and_the_column(
    shelf_live: tuple[Config, dict[str, Any], str, dict[str, int]],
) -> None:
    config, status, cookie, ids = shelf_live
    host = status["gateway"].removeprefix("http://")
    dune = ids["dune"]
    update = {
        "title": "Dune (1965)",
        "isbn": "9780441013593",
        "author": ids["author"],
        "copies_total": 3,
    }
    capture(
        config,
        [
            shelf_write("GET", f"/api/books/{dune}/", None, host, cookie),
            shelf_write("PUT", f"/api/books/{dune}/", update, host, cookie),
            shelf_write("DELETE", f"/api/books/{ids['messiah']}/", None, host, cookie),
        ],
    )
    database = read_state(config)["database"]
    before, table = live_tables(database), config.routes_path.read_bytes()

    with pytest.raises(StranglerError, match="parity check failed") as caught:
        migrate(config, "/api/books/")

    message = str(caught.value)
    # the answers are alike: only the rows tell
    assert "the answers differ" not in message
    assert (
        f"request 2 of 3, PUT /api/books/{dune}/: the database changes differ: "
        f"catalog_book: row [{dune}] updated differently"
    ) in message
    assert 'catalog_book.title  "Dune (1965)"  "Dune (1965) (Lambda)"' in message
    assert "1 later writes not replayed: the copies had diverged" in message
    assert config.routes_path.read_bytes() == table
    assert live_tables(database) == before
    assert parity_databases(database) == []
