"""Readiness of a started process: its health URL answers 200, or its log shows a line.

Both fail early, with the last lines of the process's log, when the process dies meanwhile.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path

from strangler.core.errors import ProcessError
from strangler.stack.processes import ProcessRecord


def log_tail(path: str | Path, lines: int = 20) -> str:
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_log_line(record: ProcessRecord, text: str, timeout_s: float, offset: int = 0) -> None:
    """Wait until the process's log shows ``text`` after byte ``offset`` (logs are appended
    across restarts); for servers without an HTTP health check."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with open(record.log, "rb") as log:
            log.seek(offset)
            if text.encode() in log.read():
                return
        if not record.is_alive():
            raise ProcessError(
                f"{record.name} exited during start-up. Last lines of {record.log}:\n"
                f"{log_tail(record.log)}"
            )
        time.sleep(0.05)
    raise ProcessError(f"{record.name} did not report ready within {timeout_s:.0f} s")


def wait_http_ok(url: str, record: ProcessRecord, timeout_s: float) -> None:
    """Poll ``url`` until it answers 200; fail early, with the log tail, if the process dies."""
    deadline = time.monotonic() + timeout_s
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        if not record.is_alive():
            raise ProcessError(
                f"{record.name} exited during start-up. Last lines of {record.log}:\n"
                f"{log_tail(record.log)}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
                last_error = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            last_error = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            last_error = str(exc)
        time.sleep(0.1)
    raise ProcessError(
        f"{record.name} did not become healthy at {url} within {timeout_s:.0f} s ({last_error}). "
        f"Last lines of {record.log}:\n{log_tail(record.log)}"
    )
