"""``strangler up`` and ``down`` on shelf, a project without a /health route or a seed command."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.strangler.stack_config import shelf_config

pytestmark = pytest.mark.stack


def test_up_serves_a_project_without_a_health_route_and_says_which_key_to_set(
    tmp_path: Path,
) -> None:
    cli = [sys.executable, "-m", "strangler", "--config", str(shelf_config(tmp_path))]
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
