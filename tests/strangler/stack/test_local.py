"""The local stack for real: embedded PostgreSQL, migrations, seed, gunicorn; then down."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from strangler.stack.local import LocalStack
from strangler_core.config import Config
from strangler_core.errors import PortInUseError
from tests.strangler.stack_config import WILDRYDES_FUNCTION, demo_token, stack_config

pytestmark = pytest.mark.stack


def make_config(tmp_path: Path, monolith_port: int = 0, extra: str = "") -> Config:
    monolith = f"port = {monolith_port}\nworkers = 1\nthreads = 2"
    return stack_config(tmp_path, monolith=monolith, extra=extra)


def get(url: str, token: str | None = None, method: str = "GET", body: Any = None) -> Any:
    request = urllib.request.Request(url, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if body is not None:
        request.data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def our_pids(status: dict[str, Any]) -> list[int]:
    pids = []
    for info in status["components"].values():
        if info.get("pid"):
            proc = psutil.Process(info["pid"])
            pids += [proc.pid, *(child.pid for child in proc.children(recursive=True))]
    return pids


def alive(pid: int) -> bool:
    """Running, not merely a zombie waiting for its parent (here often PID 1) to reap it."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStack]:
    local = LocalStack(make_config(tmp_path))
    try:
        yield local
    finally:
        local.down()


def test_up_serves_seeded_data_down_stops_everything_and_up_again_reuses_it(
    stack: LocalStack,
) -> None:
    status = stack.up()
    assert status["running"] is True
    assert status["monolith"].startswith("http://127.0.0.1:")
    assert status["database"].startswith("postgresql://postgres:***@127.0.0.1:")
    token = demo_token(stack.config)
    unicorns = get(f"{status['monolith']}/unicorns", token)
    assert len(unicorns) == 5
    ride = get(f"{status['monolith']}/rides", token, "POST", {"lat": 47.6, "lng": -122.3})
    pids = our_pids(status)
    assert len(pids) >= 4  # postmaster, gunicorn master and a worker, gateway

    assert set(stack.down()) == {"gateway", "monolith", "database"}
    assert not [pid for pid in pids if alive(pid)]
    assert stack.status()["running"] is False

    again = stack.up()
    assert demo_token(stack.config) == token
    rides = get(f"{again['monolith']}/rides", token)
    assert [r["id"] for r in rides["results"]] == [ride["id"]]
    assert len(get(f"{again['monolith']}/unicorns", token)) == 5


def test_up_twice_is_idempotent(stack: LocalStack) -> None:
    first = stack.up()
    second = stack.up()
    assert second["components"]["monolith"]["pid"] == first["components"]["monolith"]["pid"]
    assert second["components"]["database"]["pid"] == first["components"]["database"]["pid"]


def test_down_after_the_monolith_crashed(stack: LocalStack) -> None:
    status = stack.up()
    pids = our_pids(status)
    os.kill(status["components"]["monolith"]["pid"], signal.SIGKILL)
    stack.down()
    assert not [pid for pid in pids if alive(pid)]


def test_port_in_use_is_a_clear_error_and_leaves_nothing_running(tmp_path: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        local = LocalStack(make_config(tmp_path, monolith_port=port))
        with pytest.raises(PortInUseError, match=f"127.0.0.1:{port} is already in use"):
            local.up()
    status = local.status()
    assert {c["state"] for c in status["components"].values()} == {"stopped"}


def test_cli_status_json_invoke_and_down(tmp_path: Path) -> None:
    config = make_config(tmp_path, extra=WILDRYDES_FUNCTION)
    cli = [sys.executable, "-m", "strangler", "--config", str(config.source)]
    try:
        up = subprocess.run([*cli, "up"], capture_output=True, text=True, timeout=180)
        assert up.returncode == 0, up.stderr
        assert "demo rider token" in up.stdout
        shown = subprocess.run([*cli, "status", "--json"], capture_output=True, text=True)
        assert shown.returncode == 0
        status = json.loads(shown.stdout)
        assert {"monolith", "database", "hints"} <= set(status)
        assert status["profile"] == "wildrydes"  # recognised: [project] profile is "auto"
        assert status["hints"][0] == f"demo rider token: {demo_token(config)}"
        assert get(f"{status['monolith']}/health")["status"] == "ok"
        assert status["lambda"].startswith("http://127.0.0.1:")
        invoked = subprocess.run(
            [*cli, "invoke", "wildrydes", "--path", "/unicorns", "--as-demo"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert invoked.returncode == 0, invoked.stderr
        assert "StatusCode: 200" in invoked.stdout
        assert '"x-strangler-cold-start": "1"' in invoked.stdout
        assert "Init Duration:" in invoked.stdout
        unknown = subprocess.run([*cli, "invoke", "nope"], capture_output=True, text=True)
        assert unknown.returncode == 2
        assert "no function 'nope'" in unknown.stderr
    finally:
        down = subprocess.run([*cli, "down"], capture_output=True, text=True, timeout=60)
    assert down.returncode == 0
    after = subprocess.run([*cli, "status", "--json"], capture_output=True, text=True)
    assert after.returncode == 3
    assert json.loads(after.stdout)["running"] is False
    with pytest.raises(urllib.error.URLError):
        get(f"{status['monolith']}/health")


def test_up_with_tracing_collects_segments_from_the_gateway_and_the_monolith(
    tmp_path: Path,
) -> None:
    from infra.local.net import free_port

    config = make_config(tmp_path, extra=f"[tracing]\nenabled = true\nport = {free_port()}\n")
    stack = LocalStack(config)
    try:
        status = stack.up()
        assert status["components"]["xray"]["state"] == "running"
        get(f"{status['gateway']}/unicorns", demo_token(config))
        segments = config.run_dir / "segments.jsonl"
        nested: list[tuple[str, str]] = []
        for _ in range(100):  # segments arrive over UDP just after the response
            records = [json.loads(x) for x in segments.open()] if segments.exists() else []
            gateway = {r["id"]: r for r in records if r.get("origin") == "AWS::ApiGateway::Stage"}
            nested = [
                (gateway[r["parent_id"]]["name"], r["name"])
                for r in records
                if r.get("parent_id") in gateway
                and r["trace_id"] == gateway[r["parent_id"]]["trace_id"]
            ]
            if nested:
                break
            time.sleep(0.1)
        # the monolith's segment hangs under the gateway's, in the gateway's trace
        assert nested and set(nested) == {("local/$default", "wildrydes")}, nested
        shown = subprocess.run(
            [sys.executable, "-m", "strangler", "--config", str(config.source), "traces"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert shown.returncode == 0, shown.stderr
        assert "GET" in shown.stdout and "trace 1-" in shown.stdout
    finally:
        stack.down()
