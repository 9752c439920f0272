"""Readiness of a started process: it answers HTTP, or its log shows a line.

A process that dies meanwhile, or never answers, fails with its cause in one line (the exit
status and the log's last exception, or "port 8000 in use"), not a screen of log lines: the
reason is found in what the process wrote since it was started (logs are appended across
restarts), and the log's path is named for the rest.
"""

from __future__ import annotations

import os
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from strangler.stack.processes import ProcessRecord
from strangler_core.errors import PortInUseError, ProcessError, StranglerError

_PORT_IN_USE = re.compile(
    # gunicorn: "Connection in use: ('127.0.0.1', 8000)"; asyncio: "error while attempting to
    # bind on address ('127.0.0.1', 8080): address already in use"
    r"(?:Connection in use: |bind on address )\('[^']*', (\d+)\)"
)
_LOG_PREFIX = re.compile(r"^\[[^\]]*\] \[\d+\] \[[A-Z]+\] ")  # gunicorn's "[time] [pid] [LEVEL] "


def log_tail(path: str | Path, lines: int = 20) -> str:
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def read_since(path: str | Path, offset: int) -> str:
    """What a process wrote to its log after byte ``offset``."""
    try:
        with open(path, "rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")
    except OSError:
        return ""


def failure_reason(log_text: str) -> str | None:
    """The one line of a log that says why a process failed (pure).

    "port 8000 in use" when it could not bind; else the last traceback's exception line
    (``ModuleNotFoundError: No module named 'x'``); else the last ERROR line.
    """
    port = port_in_use(log_text)
    if port is not None:
        return f"port {port} in use"
    lines = log_text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent call")]
    if starts:
        after = lines[starts[-1] + 1 :]
        exception = next((line for line in after if line and not line[0].isspace()), None)
        if exception:
            return exception.strip()
    errors = [line for line in lines if "[ERROR]" in line or "[CRITICAL]" in line]
    if errors:
        return _LOG_PREFIX.sub("", errors[-1]).strip()
    return None


def port_in_use(log_text: str) -> int | None:
    found = _PORT_IN_USE.findall(log_text)
    return int(found[-1]) if found else None


def program_name(argv: Sequence[str]) -> str:
    """``gunicorn`` for ``python -m gunicorn ...``; the executable's name otherwise."""
    if len(argv) > 2 and argv[1] == "-m":
        return argv[2]
    return Path(argv[0]).name if argv else "process"


def exit_status(record: ProcessRecord) -> int | None:
    """The exit status of a dead child of this process (None when it is not ours to reap)."""
    try:
        pid, status = os.waitpid(record.pid, os.WNOHANG)
    except ChildProcessError:
        return None
    return os.waitstatus_to_exitcode(status) if pid == record.pid else None


def exited_error(record: ProcessRecord) -> StranglerError:
    """The error for a process that died during start-up, naming its cause."""
    text = read_since(record.log, record.log_offset)
    program = program_name(record.argv)
    code = exit_status(record)
    exited = f"{record.name}: {program} exited" + (
        f" with status {code}" if code is not None else ""
    )
    port = port_in_use(text)
    if port is not None:
        return PortInUseError(
            f"{exited}: port {port} in use. Stop whatever holds it, or set [{record.name}] port "
            "in strangler.toml."
        )
    reason = failure_reason(text)
    return ProcessError(f"{exited}: {reason or 'no error in its log'} (log: {record.log})")


@dataclass(frozen=True)
class Answer:
    """What a readiness probe got: an HTTP status, or why there was none."""

    status: int | None
    detail: str


def probe(url: str, timeout_s: float = 2.0) -> Answer:
    """One GET of ``url``, redirects not followed (a redirect proves the server serves too)."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=timeout_s) as response:
            return Answer(response.status, f"HTTP {response.status}")
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return Answer(None, str(reason))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def wait_answering(url: str, record: ProcessRecord, timeout_s: float) -> int:
    """Poll ``url`` until it answers HTTP below 500; return that status.

    Any such answer proves the server serves (a 404 from a project without the route too);
    a 5xx (a health route reporting its database down) is waited out. Fails early, naming the
    cause, when the process dies.
    """
    return _wait(url, record, timeout_s, lambda status: status < 500)


def wait_http_ok(url: str, record: ProcessRecord, timeout_s: float) -> None:
    """Poll ``url`` until it answers 200 (for the harness's own servers' health routes)."""
    _wait(url, record, timeout_s, lambda status: status == 200)


def _wait(url: str, record: ProcessRecord, timeout_s: float, ready: Callable[[int], bool]) -> int:
    deadline = time.monotonic() + timeout_s
    last = Answer(None, "no answer yet")
    while time.monotonic() < deadline:
        if not record.is_alive():
            raise exited_error(record)
        last = probe(url)
        if last.status is not None and ready(last.status):
            return last.status
        time.sleep(0.1)
    reason = failure_reason(read_since(record.log, record.log_offset))
    raise ProcessError(
        f"{record.name} did not become ready at {url} within {timeout_s:.0f} s "
        f"(last: {last.detail})"
        + (f"; its log says: {reason}" if reason else "")
        + f" (log: {record.log})"
    )


def wait_log_line(record: ProcessRecord, text: str, timeout_s: float, offset: int = 0) -> None:
    """Wait until the process's log shows ``text`` after byte ``offset`` (logs are appended
    across restarts); for servers without an HTTP health check."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if text in read_since(record.log, offset):
            return
        if not record.is_alive():
            raise exited_error(record)
        time.sleep(0.05)
    raise ProcessError(f"{record.name} did not report ready within {timeout_s:.0f} s")
