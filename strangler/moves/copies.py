"""Two throw-away copies of the live database, and each path served on its own copy.

The parity check replays writes here, never on the live data: copy A behind a short-lived
gunicorn of the monolith, copy B behind a private local Lambda service running the same
function (same handler, code and environment; only ``DATABASE_URL`` differs). Everything is
removed on the way out, also when the check fails or is interrupted (Ctrl-C): the servers are
stopped first, so that the copies have no sessions left, then the copies are dropped. A copy
left behind by a check that was killed outright is dropped by the next one.

Measured on this machine (embedded PostgreSQL 16, ``fsync=off``, a database of 30,000 rows in
21 tables, best of 3): ``pg_dump -Fc | pg_restore`` 843 ms, ``pg_dump | psql`` 917 ms,
``CREATE DATABASE ... TEMPLATE`` of an unused copy 478 ms, ``DROP DATABASE`` 52 ms. A template
copy of the live database itself fails while the stack runs ("source database is being accessed
by other users"), and making it work means ending the live connections. So copy A is dumped
and restored (it neither blocks nor changes the live database) and copy B is a template copy
of A, made before anything connects to A.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

from infra.local.lambda_service.spec import ServiceConfig
from infra.local.net import free_port
from infra.local.postgres import (
    clone_database,
    copy_database,
    databases_named,
    drop_database,
)
from strangler.progress import Progress
from strangler.stack import launch
from strangler.stack.functions import function_spec, service_settings
from strangler.stack.processes import ProcessTable
from strangler.stack.readiness import wait_answering, wait_http_ok
from strangler_core.config import Config
from strangler_core.errors import ProcessError

COPY_PREFIX = "strangler_parity_"
MONOLITH_COPY = "parity-monolith"
LAMBDA_COPY = "parity-lambda"


@dataclass(frozen=True)
class WritePaths:
    """Where each path answers on its own copy, and the copies themselves."""

    monolith_url: str
    lambda_url: str
    monolith_database: str
    lambda_database: str


@contextmanager
def write_paths(
    config: Config, live_database: str, function: str, progress: Progress
) -> Iterator[WritePaths]:
    tag = f"{COPY_PREFIX}{os.getpid()}_{secrets.token_hex(3)}"
    names = (f"{tag}_a", f"{tag}_b")
    work = config.run_dir / "parity" / tag
    processes = ProcessTable(work)
    try:
        drop_stale_copies(live_database, progress)
        started = time.monotonic()
        copy_a = copy_database(live_database, names[0])
        copy_b = clone_database(live_database, names[0], names[1])
        progress(
            f"      two copies of the database made in {time.monotonic() - started:.1f} s "
            f"({names[0]}, {names[1]})"
        )
        monolith_url = _start_monolith(config, processes, copy_a)
        lambda_url = _start_lambda(config, processes, work, function, copy_b)
        progress(
            f"      the monolith serves copy A at {monolith_url}, function {function!r} copy B "
            f"through {lambda_url}"
        )
        yield WritePaths(monolith_url, lambda_url, copy_a, copy_b)
    finally:
        with _no_interrupts():
            for name in (MONOLITH_COPY, LAMBDA_COPY):
                processes.stop(name)
            for name in names:
                drop_database(live_database, name)
            shutil.rmtree(work, ignore_errors=True)


def drop_stale_copies(live_database: str, progress: Progress) -> None:
    """Drop the copies of checks whose process is gone (killed before it could clean up)."""
    for name in databases_named(live_database, COPY_PREFIX):
        pid_text = name[len(COPY_PREFIX) :].split("_", 1)[0]
        if pid_text.isdigit() and not psutil.pid_exists(int(pid_text)):
            progress(f"      dropping {name}, left behind by an interrupted check")
            drop_database(live_database, name)


@contextmanager
def _no_interrupts() -> Iterator[None]:
    """Cleanup runs to the end: a second Ctrl-C must not leave a copy behind."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _start_monolith(config: Config, processes: ProcessTable, database: str) -> str:
    port = free_port(config.monolith.host)
    env = {**launch.django_env(config, database), "PGAPPNAME": MONOLITH_COPY}
    record = processes.spawn(
        MONOLITH_COPY, launch.monolith_argv(config, port), env=env, cwd=config.django_path
    )
    url = f"http://{config.monolith.host}:{port}"
    # any answer below 500 proves it serves: a project need not have a health route
    wait_answering(f"{url}/", record, config.monolith.start_timeout_s)
    return url


def _start_lambda(
    config: Config, processes: ProcessTable, work: Path, function: str, database: str
) -> str:
    function_config = config.function(function)
    if function_config is None:
        raise ProcessError(f"no function {function!r} in [[functions]]")
    port = free_port(config.lambda_service.host)
    settings = service_settings(config, port).model_copy(
        # not the live service's REPORT lines, traces or Event queue
        update={
            "log_dir": str(work / "lambda-logs"),
            "async_dir": str(work / "lambda-async"),
            "xray_daemon_address": None,
        }
    )
    document = ServiceConfig(
        settings=settings, functions=(function_spec(config, function_config, database),)
    )
    service_file = work / "lambda-service.json"
    service_file.write_text(document.model_dump_json(indent=2))
    argv = launch.lambda_service_argv_for(service_file)
    record = processes.spawn(LAMBDA_COPY, argv, env=dict(os.environ), cwd=config.root)
    url = f"http://{config.lambda_service.host}:{port}"
    wait_http_ok(f"{url}/strangler/health", record, config.lambda_service.start_timeout_s)
    return url
