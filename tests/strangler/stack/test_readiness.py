"""Readiness: any HTTP answer proves a server serves; a failed start names its cause in a line.

The failures are real processes: gunicorn given a module that does not exist, gunicorn on a
port something else holds, a plain HTTP server without the polled route.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from infra.local.net import free_port
from strangler.stack.processes import ProcessRecord, ProcessTable
from strangler.stack.readiness import failure_reason, program_name, wait_answering
from strangler_core.errors import PortInUseError, ProcessError

GUNICORN_BOOT_FAILURE = """\
[2026-12-01 20:00:00 +0000] [41] [INFO] Starting gunicorn 23.0.0
[2026-12-01 20:00:00 +0000] [42] [ERROR] Exception in worker process
Traceback (most recent call last):
  File "/venv/lib/python3.11/site-packages/gunicorn/arbiter.py", line 608, in spawn_worker
    worker.init_process()
KeyError: 'first'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "<frozen importlib._bootstrap>", line 1140, in _find_and_load_unlocked
ModuleNotFoundError: No module named 'shop'
[2026-12-01 20:00:00 +0000] [42] [INFO] Worker exiting (pid: 42)
[2026-12-01 20:00:01 +0000] [41] [ERROR] Reason: Worker failed to boot.
"""


def test_the_reason_is_the_last_tracebacks_exception() -> None:
    assert failure_reason(GUNICORN_BOOT_FAILURE) == "ModuleNotFoundError: No module named 'shop'"


def test_a_port_held_elsewhere_is_named() -> None:
    log = "[2026-12-01 20:00:00 +0000] [7] [ERROR] Connection in use: ('127.0.0.1', 8000)\n"
    assert failure_reason(log) == "port 8000 in use"
    asyncio = "OSError: [Errno 98] error while attempting to bind on address ('::1', 8080)"
    assert failure_reason(asyncio) == "port 8080 in use"


def test_without_a_traceback_the_last_error_line_counts() -> None:
    log = (
        "[2026-12-01 20:00:00 +0000] [7] [INFO] Starting gunicorn 23.0.0\n"
        "[2026-12-01 20:00:00 +0000] [7] [ERROR] Failed to find attribute 'app' in 'shop.wsgi'.\n"
        "[2026-12-01 20:00:00 +0000] [7] [INFO] Worker exiting (pid: 8)\n"
    )
    assert failure_reason(log) == "Failed to find attribute 'app' in 'shop.wsgi'."
    assert failure_reason("[INFO] Listening\n") is None


def test_program_names() -> None:
    assert program_name(["/venv/bin/python", "-m", "gunicorn", "x.wsgi"]) == "gunicorn"
    assert program_name(["/usr/bin/nginx", "-g", "daemon off;"]) == "nginx"


def _gunicorn(tmp_path: Path, app: str, port: int) -> tuple[ProcessTable, ProcessRecord]:
    table = ProcessTable(tmp_path)
    log = table.log_dir / "monolith.log"
    log.parent.mkdir(parents=True)
    # an earlier run's failure in the same log must not be reported as this one's
    log.write_text("Traceback (most recent call last):\nRuntimeError: an older run\n")
    argv = [sys.executable, "-m", "gunicorn", app, f"--bind=127.0.0.1:{port}", "--workers=1"]
    return table, table.spawn("monolith", argv, env={"PATH": "/usr/bin"}, cwd=tmp_path)


def test_gunicorn_that_cannot_import_the_app_names_the_module(tmp_path: Path) -> None:
    port = free_port()
    table, record = _gunicorn(tmp_path, "no_such_project.wsgi:application", port)
    try:
        with pytest.raises(ProcessError) as raised:
            wait_answering(f"http://127.0.0.1:{port}/health", record, timeout_s=60)
    finally:
        table.stop("monolith")
    message = str(raised.value)
    assert message.startswith(
        "monolith: gunicorn exited with status 3: "
        "ModuleNotFoundError: No module named 'no_such_project'"
    )
    assert "an older run" not in message
    assert message.count("\n") == 0


def test_gunicorn_on_a_port_in_use_says_so(tmp_path: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        table, record = _gunicorn(tmp_path, "no_such_project.wsgi:application", port)
        try:
            with pytest.raises(PortInUseError, match=f"gunicorn exited .*: port {port} in use"):
                wait_answering(f"http://127.0.0.1:{port}/", record, timeout_s=60)
        finally:
            table.stop("monolith")


def test_a_404_proves_the_server_serves(tmp_path: Path) -> None:
    port = free_port()
    table = ProcessTable(tmp_path)
    argv = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    record = table.spawn("monolith", argv, env={"PATH": "/usr/bin"}, cwd=tmp_path)
    try:
        status = wait_answering(f"http://127.0.0.1:{port}/health", record, timeout_s=60)
    finally:
        table.stop("monolith")
    assert status == 404
