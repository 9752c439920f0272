"""Where a run's load comes from: the user's Locust file, else the route's captured traffic.

Chosen and checked before Locust starts, so that a run that could record nothing fails at once
with what to do (exit 2), instead of running for its whole duration and then failing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from loadtests import settings as lt
from strangler.moves.replay import captured_requests
from strangler_core.config import Config
from strangler_core.errors import ConfigError
from strangler_core.traffic import CapturedRequest, TrafficLog, captured, read_captured

MAX_REPLAYED = 10_000
"""The most recent distinct requests of the route a replayed comparison cycles through."""


@dataclass(frozen=True)
class Load:
    """A Locust file's users, or captured requests to replay (exactly one of them)."""

    locustfile: Path | None = None
    replayed: tuple[CapturedRequest, ...] = ()

    def describe(self) -> str:
        if self.locustfile is not None:
            return f"the users of {self.locustfile}"
        return f"{len(self.replayed)} captured requests replayed"

    def environment(self, work_dir: Path) -> dict[str, str]:
        """The Locust process's variables naming this load (writes the requests to replay,
        credentials included, into a 0700 directory of the run)."""
        if self.locustfile is not None:
            return {lt.LOCUSTFILE: str(self.locustfile)}
        directory = work_dir / "replay"
        TrafficLog(directory, max_bytes=1 << 40).append(self.replayed)
        return {lt.REPLAY_DIR: str(directory)}


def choose_load(
    config: Config,
    route: str,
    route_keys: tuple[str, ...],
    locustfile: Path | None,
    probe_env: Mapping[str, str],
    default_locustfile: Path | None = None,
) -> Load:
    """``--locustfile`` > ``[load] locustfile`` > the profile's journeys > captured traffic."""
    chosen = locustfile or config.locustfile or default_locustfile
    if chosen is not None:
        check_locustfile(chosen.resolve(), route, probe_env, config.root)
        return Load(locustfile=chosen.resolve())
    records = captured_requests(read_captured(config.run_dir / "traffic"), route_keys, MAX_REPLAYED)
    if not records:
        raise ConfigError(
            f"no traffic captured for {route}: send some through the gateway "
            f"({gateway_url(config)}) or `strangler traffic import FILE.har`, or pass "
            "--locustfile (or set [load] locustfile)"
        )
    replayed = tuple(
        captured(
            time=0.0,
            method=r.method,
            target=r.target,
            headers=r.headers,
            body=r.body,
            status=0,
        )
        for r in records
    )
    return Load(replayed=replayed)


def check_locustfile(path: Path, purpose: str, env: Mapping[str, str], cwd: Path) -> None:
    """The file loads and has a user class with tasks for ``purpose`` (a route, or "the load
    test"), asked in a process of its own."""
    if not path.is_file():
        raise ConfigError(f"Locust file {path} does not exist")
    probe = subprocess.run(
        [sys.executable, "-m", "loadtests.users", str(path)],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if probe.returncode != 0:
        last = "\n".join(probe.stderr.strip().splitlines()[-5:])
        raise ConfigError(f"Locust file {path} does not load:\n{last}")
    if not json.loads(probe.stdout.strip().splitlines()[-1]):
        raise ConfigError(
            f"Locust file {path} has no user class with tasks for {purpose} (Locust would run "
            "nothing): give it an HttpUser or FastHttpUser class with @task methods"
        )


def gateway_url(config: Config) -> str:
    from strangler.stack.state import read_state

    return str(
        read_state(config).get("gateway") or f"http://{config.gateway.host}:{config.gateway.port}"
    )
