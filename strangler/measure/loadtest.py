"""``strangler loadtest``: Locust against the local stack (or an explicitly allowed host)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from loadtests import settings as lt
from loadtests.distributed import forwarded_names
from loadtests.shapes import stages_for
from loadtests.targets import check_target
from strangler.measure.compare import LOCUSTFILE, profile_load_environment
from strangler.measure.distributed import MasterOptions
from strangler.measure.load import check_locustfile
from strangler.profiles import profile_for
from strangler.stack.state import read_state
from strangler_core.config import Config
from strangler_core.errors import ConfigError


@dataclass(frozen=True)
class LoadTestRequest:
    scenario: str = "steady"
    host: str | None = None
    users: int = 20
    peak_rps: float | None = None
    duration_s: float = 60.0
    load_model: str = "open"
    workers: int = 1
    allow_remote: bool = False
    web_ui: bool = False
    locustfile: Path | None = None
    """The user's own Locust file (else ``[load] locustfile``)."""
    master: MasterOptions | None = None
    """Locust's distributed mode: workers on other machines send the load."""


def locust_command(request: LoadTestRequest, host: str) -> list[str]:
    argv = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--host", host]
    if request.master is not None:
        argv += request.master.locust_arguments()
    elif request.workers > 1:
        # Locust's distributed mode: one master and N worker processes on this machine
        argv += ["--processes", str(request.workers)]
    if request.web_ui:
        argv += ["--web-host", "127.0.0.1"]
    else:
        argv += ["--headless", "--run-time", f"{int(request.duration_s + 30)}s"]
    return argv


def run_loadtest(config: Config, request: LoadTestRequest) -> int:
    host = request.host or read_state(config).get("gateway")
    if not host:
        from strangler_core.errors import StackNotRunningError

        raise StackNotRunningError("no --host given and the local stack is not running (`make up`)")
    check_target(host, request.allow_remote or config.project.allow_non_loopback)
    stages_for(request.scenario, request.users, request.duration_s)  # validates early
    env = {
        **os.environ,
        lt.SCENARIO: request.scenario,
        lt.USERS: str(request.users),
        lt.DURATION_S: str(request.duration_s),
        lt.LOAD_MODEL: request.load_model,
        **profile_load_environment(config),
        **forwarded_names(profile_load_environment(config)),
    }
    if request.peak_rps:
        env[lt.PEAK_RPS] = str(request.peak_rps)
    locustfile = request.locustfile or config.locustfile or profile_for(config).locustfile()
    if locustfile is None:
        raise ConfigError(
            "strangler loadtest needs a Locust file: pass --locustfile PATH or set "
            "[load] locustfile (`strangler compare ROUTE` replays captured traffic without one)"
        )
    check_locustfile(locustfile.resolve(), "the load test", env, config.root)
    env[lt.LOCUSTFILE] = str(locustfile.resolve())
    return subprocess.run(
        locust_command(request, host), env=env, cwd=config.root, check=False
    ).returncode
