"""Write-safe parity on Wild Rydes: captured writes replayed on two copies of the database.

Everything real: the stack (embedded PostgreSQL, gunicorn, the local Lambda service, the
gateway), the copies, the short-lived servers on them, ``strangler migrate`` as a subprocess.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import psycopg
import pytest

from strangler.core.config import Config
from strangler.core.traffic import TrafficLog, captured
from strangler.stack.local import LocalStack
from strangler.stack.state import read_state
from tests.strangler.moves.test_migrate import cli
from tests.strangler.stack_config import stack_config

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


def ride_traffic(token: str, gateway: str) -> list[dict[str, Any]]:
    host = gateway.removeprefix("http://")
    auth = [("Host", host), ("Authorization", f"Bearer {token}"), ("Connection", "keep-alive")]
    booking = json.dumps({"lat": 47.61, "lng": -122.33}).encode()
    return [
        {"method": "GET", "target": "/rides", "headers": auth, "body": b"", "status": 200},
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


@pytest.fixture
def wildrydes(tmp_path: Path) -> Iterator[tuple[Config, dict[str, Any]]]:
    config = stack_config(tmp_path, unicorns=8, with_function=True, extra=WILDRYDES_PARITY)
    stack = LocalStack(config)
    try:
        yield config, stack.up()
    finally:
        stack.down()


def test_booking_rides_replayed_on_copies_passes_and_leaves_live_data_alone(
    wildrydes: tuple[Config, dict[str, Any]],
) -> None:
    config, status = wildrydes
    capture(config, ride_traffic(status["demo_token"], status["gateway"]))
    database = read_state(config)["database"]
    before = live_tables(database)
    assert before["wildrydes_ride"][0] == 0  # no ride booked live, before or after

    result = cli(config, "migrate", "/rides")

    assert result.returncode == 0, result.stderr
    err = " ".join(result.stderr.split())
    assert "replaying 5 captured requests of /rides, in order" in err
    assert (
        "POST /rides: wildrydes_ride: 1 inserted; wildrydes_unicorn: 1 updated on both paths" in err
    )
    assert "5 requests answered alike by both paths (3 of them writes" in err
    assert live_tables(database) == before
    assert parity_databases(database) == []
    ledger = json.loads(config.routes_path.with_name("routes.ledger.jsonl").read_text())
    assert ledger["parity"] == {"checked": 5, "writes": 3, "mismatched": [], "forced": False}


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
    capture(config, ride_traffic(status["demo_token"], status["gateway"]))
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
            break
    copies = parity_databases(database)
    assert len(copies) == 2, "".join(seen)
    pid_files = list((config.run_dir / "parity").glob("*/pids/*.json"))
    servers = [psutil.Process(json.loads(p.read_text())["pid"]) for p in pid_files]
    assert len(servers) == 2 and all(s.is_running() for s in servers)

    proc.send_signal(signal.SIGINT)
    rest = proc.stderr.read()
    assert proc.wait(timeout=60) == 130, rest
    assert "interrupted" in rest
    assert parity_databases(database) == []
    assert not any(s.is_running() and s.status() != psutil.STATUS_ZOMBIE for s in servers)
    assert list((config.run_dir / "parity").iterdir()) == []
    assert config.routes_path.read_bytes() == table
    assert live_tables(database) == before
