"""The run directory's record of the running stack (``state.json``: URLs, ports, demo token)
and where the stack writes what it collects."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from strangler_core.atomic import write_atomic
from strangler_core.config import Config


def make_run_dir(config: Config) -> Path:
    """The run directory, private to its owner: it holds the demo token, the token secret, the
    database password and settings with ``DATABASE_URL``. Group traversal is kept: a root
    stack's PostgreSQL runs as its own user and reaches its data directory through it."""
    run_dir = config.run_dir
    run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(run_dir, (run_dir.stat().st_mode & 0o010) | 0o700)
    return run_dir


def read_state(config: Config) -> dict[str, Any]:
    try:
        return dict(json.loads(_state_path(config).read_text()))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def write_state(config: Config, state: dict[str, Any]) -> None:
    write_atomic(_state_path(config), json.dumps(state, indent=2))


def remembered_port(config: Config, component: str) -> int | None:
    """The port ``component`` had last time, so a restarted database keeps its address."""
    port = read_state(config).get("ports", {}).get(component)
    return int(port) if port else None


def segments_path(config: Config) -> Path:
    """Where the local X-Ray collector appends the segments it receives."""
    return config.run_dir / "segments.jsonl"


def access_log_path(config: Config) -> Path:
    """The gateway's access log (JSON lines)."""
    return config.run_dir / "logs" / "gateway-access.jsonl"


def traffic_dir(config: Config) -> Path:
    """Where the gateway captures the requests it serves (``strangler_core.traffic``)."""
    return config.run_dir / "traffic"


def utc_now() -> str:
    """The timestamp format of state, route tables and the ledger (UTC, whole seconds)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _state_path(config: Config) -> Path:
    return config.run_dir / "state.json"
