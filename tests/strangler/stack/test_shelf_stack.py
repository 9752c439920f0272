"""``strangler up`` and ``down`` on shelf, a project without a /health route or a seed command."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.strangler.stack_config import shelf_config

pytestmark = pytest.mark.stack


def test_up_serves_a_project_without_a_health_route_and_says_which_key_to_set(
    tmp_path: Path,
) -> None:
    path = shelf_config(tmp_path)
    # Event invocations' retry waits (AWS: 1 and 2 minutes) in hundredths
    path.write_text(path.read_text().replace("[lambda]\n", "[lambda]\nasync_time_scale = 0.01\n"))
    cli = [sys.executable, "-m", "strangler", "--config", str(path)]
    try:
        up = subprocess.run([*cli, "up"], capture_output=True, text=True, timeout=180)
        assert up.returncode == 0, up.stderr
        hints = [line for line in up.stderr.splitlines() if "health_path" in line]
        assert len(hints) == 1
        assert "GET /health answered HTTP 404" in hints[0]
        assert "set [monolith] health_path" in hints[0]
        assert "seed" not in up.stderr  # seed = []: no seed command runs
        status = json.loads(
            subprocess.run([*cli, "status", "--json"], capture_output=True, text=True).stdout
        )
        assert status["running"] is True
        pids = [c["pid"] for c in status["components"].values() if c.get("pid")]
        with urllib.request.urlopen(f"{status['gateway']}/api/books/", timeout=10) as answer:
            assert answer.status == 200
            assert answer.headers["x-strangler-target"] == "monolith"
            assert json.loads(answer.read()) == []
        invoked = subprocess.run(
            [*cli, "invoke", "shelf", "--path", "/api/books/"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert invoked.returncode == 0, invoked.stderr
        assert "StatusCode: 200" in invoked.stdout
        assert '"body": "[]"' in invoked.stdout
        _failed_event_reaches_the_dead_letter_queue_and_redrives(cli, tmp_path)
    finally:
        down = subprocess.run([*cli, "down"], capture_output=True, text=True, timeout=60)
    assert down.returncode == 0, down.stderr
    assert not [pid for pid in pids if psutil.pid_exists(pid) and _running(pid)]


def test_health_path_set_to_a_real_route_is_healthy(tmp_path: Path) -> None:
    path = shelf_config(tmp_path)
    path.write_text(path.read_text().replace("[monolith]\n", '[monolith]\nhealth_path = "/api/"\n'))
    cli = [sys.executable, "-m", "strangler", "--config", str(path)]
    try:
        up = subprocess.run([*cli, "up"], capture_output=True, text=True, timeout=180)
        assert up.returncode == 0, up.stderr
        assert "monolith: healthy" in up.stderr
        assert "set [monolith] health_path" not in up.stderr
    finally:
        subprocess.run([*cli, "down"], capture_output=True, text=True, timeout=60)


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _failed_event_reaches_the_dead_letter_queue_and_redrives(
    cli: list[str], tmp_path: Path
) -> None:
    """An Event invocation the function fails (shelf's Mangum handler cannot serve a non-HTTP
    event) runs three times (AWS: the first and two retries), then `strangler dlq list` shows
    AWS's on-failure record; `redrive` queues it again, where it fails again, as a new event.
    (Lambda guide, "How Lambda handles errors and retries with asynchronous invocation".)"""
    event = tmp_path / "not-http.json"
    event.write_text('{"order": 42}')
    queued = subprocess.run(
        [*cli, "invoke", "shelf", "--event", str(event), "--invocation-type", "Event"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert queued.returncode == 0, queued.stderr
    assert "StatusCode: 202" in queued.stdout
    request_id = queued.stdout.split("RequestId: ")[1].split()[0]
    records = _dead_letters(cli, 1)
    assert records[0]["requestContext"]["requestId"] == request_id
    assert records[0]["requestContext"]["condition"] == "RetriesExhausted"
    assert records[0]["requestContext"]["approximateInvokeCount"] == 3
    assert records[0]["requestPayload"] == {"order": 42}
    assert records[0]["responseContext"]["functionError"] == "Unhandled"
    listed = subprocess.run([*cli, "dlq", "list"], capture_output=True, text=True, timeout=60)
    assert request_id in listed.stdout and "1 dead letter(s)" in listed.stdout
    unknown = subprocess.run(
        [*cli, "dlq", "redrive", "--id", "nope"], capture_output=True, text=True, timeout=60
    )
    assert unknown.returncode != 0 and "no dead letter with id nope" in unknown.stderr
    assert _dead_letters(cli, 1) == records  # the failed redrive moved nothing
    redriven = subprocess.run(
        [*cli, "dlq", "redrive", "--id", request_id], capture_output=True, text=True, timeout=60
    )
    assert redriven.returncode == 0, redriven.stderr
    assert f"redriven {request_id} (shelf)" in redriven.stdout
    again = _dead_letters(cli, 1, without=request_id)
    assert again[0]["requestPayload"] == {"order": 42}


def _dead_letters(cli: list[str], count: int, without: str = "") -> list[dict[str, object]]:
    """`strangler dlq list --json` once it holds ``count`` records (none with id ``without``)."""
    deadline = time.monotonic() + 60
    while True:
        listed = subprocess.run(
            [*cli, "dlq", "list", "--json"], capture_output=True, text=True, timeout=60
        )
        assert listed.returncode == 0, listed.stderr
        records: list[dict[str, Any]] = json.loads(listed.stdout)
        ids = [r["requestContext"]["requestId"] for r in records]
        if len(records) == count and without not in ids:
            return records
        assert time.monotonic() < deadline, f"dead letters: {records}"
        time.sleep(0.2)
