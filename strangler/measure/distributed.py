"""Load from more than one machine: this machine's Locust as the master expecting N workers
(``compare``/``loadtest --expect-workers N``), and ``strangler worker --master-host HOST`` on
the others. What travels between them is in ``loadtests/distributed.py``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from loadtests.distributed import worker_environment
from strangler_core.errors import ConfigError, StranglerError

LOCUST_MASTER_PORT = 5557
"""Locust's default ``--master-bind-port``."""


@dataclass(frozen=True)
class MasterOptions:
    """This machine's Locust as the master of ``expect_workers`` workers; it runs no users."""

    expect_workers: int
    bind_host: str = "*"
    bind_port: int = LOCUST_MASTER_PORT
    wait_s: int = 300
    """How long to wait for them to join before giving up (exit 1, no run)."""

    def __post_init__(self) -> None:
        if self.expect_workers < 1:
            raise ConfigError(f"--expect-workers must be at least 1, got {self.expect_workers}")
        if not 0 < self.bind_port < 65536:
            raise ConfigError(f"--master-bind-port must be a TCP port, got {self.bind_port}")
        if self.wait_s < 1:
            raise ConfigError(f"--workers-wait must be at least 1 s, got {self.wait_s}")

    def locust_arguments(self) -> list[str]:
        return [
            "--master",
            "--expect-workers",
            str(self.expect_workers),
            "--master-bind-host",
            self.bind_host,
            "--master-bind-port",
            str(self.bind_port),
            "--expect-workers-max-wait",
            str(self.wait_s),
        ]


def run_worker(
    locustfile: Path, master_host: str, master_port: int, cwd: Path, wait_s: float
) -> int:
    """Fetch the master's settings, then run Locust as its worker until the master stops it."""
    fetch = [sys.executable, "-m", "loadtests.settings_fetch", master_host, str(master_port)]
    fetched = subprocess.run(
        [*fetch, str(wait_s)], capture_output=True, text=True, cwd=cwd, check=False
    )
    if fetched.returncode != 0:
        raise StranglerError(
            f"{fetched.stderr.strip().splitlines()[-1] if fetched.stderr.strip() else 'no answer'}"
            ": start `strangler compare`/`loadtest --expect-workers N` there first, and check "
            "that this machine can reach its --master-bind-port"
        )
    payload = json.loads(fetched.stdout)
    with tempfile.TemporaryDirectory(prefix="strangler-worker-") as work:
        env = {**_inherited(), **worker_environment(payload, Path(work))}
        argv = [
            sys.executable, "-m", "locust", "-f", str(locustfile), "--worker",
            "--master-host", master_host, "--master-port", str(master_port),
            "--loglevel", "WARNING",
        ]  # fmt: skip
        return subprocess.run(argv, env=env, cwd=cwd, check=False).returncode


def _inherited() -> dict[str, str]:
    # this machine's own environment, but not a stale load setting of an earlier run
    return {
        name: value for name, value in os.environ.items() if not name.startswith("STRANGLER_LT_")
    }
